"""What the policy reads and what it decides: facts about each role in, one decision per role out."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal, get_args

from controlplane.values.common import Value

#: The rules that can stop a role, in the order the policy applies them.
#: `override`: `reasoning models deploy|undeploy` ran or stopped it for a while (not a policy rule,
#: but a stop it made must be told apart from one a person made outside the tool).
Rule = Literal["manifest", "budget", "window", "idle", "max_cost", "override"]
RULES: tuple[Rule, ...] = get_args(Rule)


class PeriodSpend(Value):
    """One budget's current period and what was spent in it, as `store.spend` reports it."""

    usd: Decimal = Decimal(0)
    start: datetime | None = None
    #: when the period rolls over; None for a `total` budget
    end: datetime | None = None


class RoleFacts(Value):
    """What is known about one role at the moment of evaluation."""

    #: whether the role runs now (the last apply left it enabled)
    running: bool = False
    #: when it was last started or changed; a role never asked for counts as idle from here
    running_since: datetime | None = None
    #: when it was last stopped, and by which rule (None: by a person, outside the policy)
    stopped_at: datetime | None = None
    stopped_by: Rule | None = None
    #: its latest request, served or sent to the fallback
    last_request: datetime | None = None
    #: what the role spent in the current period of its own `budget`, if it has one
    spent: PeriodSpend | None = None
    #: USD per hour it burns now (0 when stopped), and what it would burn once started
    burn_usd_per_hour: float = 0.0
    start_usd_per_hour: float = 0.0


class PolicyDecision(Value):
    """Whether one role runs now, and the rule and reason behind it."""

    role: str
    run: bool
    #: the rule that stops the role, or that held it and lets it start again now
    rule: Rule | None = None
    #: why it stops; or, when it runs, why it may start again ("" when nothing held it)
    reason: str = ""
    #: when a stop lifts by itself, when that is known
    until: datetime | None = None
