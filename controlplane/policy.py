"""Policy: whether each role should run right now, and why. Pure: values in, values out.

Where it sits: reconcile, plan and apply gather the facts (the time, when each role last had a
request, when it was started or stopped and by which rule, what it spent this period and burns
now) and hand them here; `evaluate` returns one `PolicyDecision` per role of the manifest, and
`make_plan` turns decisions into start and stop actions that carry the decision's reason. No
clock, no I/O: tests walk every rule over its boundaries by passing a different `now`.

The rules, and which one a stop is put down to when several hold at once:

1. ``manifest``  `enabled: false`. Lifted only by editing the file.
2. ``budget``    the global budget or the role's own one is spent (at least its limit) in the
   current period, as `store.spend` reports it with the period's bounds (UTC calendar periods).
   Lifted when the period rolls over or the limit is raised; a `total` budget never rolls over.
   ``window``    a shutdown window is open. Lifted when it closes.
   Between these two (and between several budgets or windows) the one that lifts *later* wins,
   so the reason names what really keeps the role down; on a tie a budget wins.
3. ``idle``      no request for `idle_shutdown_minutes` (0 = never), counted from the later of
   the last request and the time the role was last started. Lifted by a request: the proxy
   records the requests it sends to the fallback for a stopped role, and the next evaluation
   starts the role again (wake on demand). A role stopped for another reason is not held down
   by idleness: it counts as idle from when it starts again.
4. ``max_cost``  the burn of every role still wanted, in $/h (what a running role burns now, what
   a stopped one would burn at its minimum replicas), is over `max_cost_per_hour_usd`: roles stop
   lowest `priority` first until it is not (on a tie: a role that would have to start before one
   that runs, then the dearer, then by name). Idle roles are taken out before this rule runs, so
   a busy role never stops for an idle one's cost.

A role that runs after having been stopped by a rule gets that rule's "why it may start again"
as its reason (`request at 10:05 UTC after the idle stop (wake on demand)`, `shutdown window
closed at 08:00 Europe/Berlin`), so every start is explained as well as every stop.

Shutdown windows are computed in their own time zone on the wall clock: `0 22 * * *` for `10h`
in Europe/Berlin is 22:00 to 08:00 local every night, also on the nights the clocks change (9 or
11 real hours then). A start time the clocks skip (02:30 when they jump from 02:00 to 03:00)
opens the window as late as the jump (03:30) and it lasts its duration in real time; a time that
happens twice (02:30 when they go back) opens the window the first time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from controlplane.cron import CroniterBadDateError, croniter
from controlplane.manifest import Manifest
from controlplane.manifest.schema import Budget, Role, ShutdownWindow
from controlplane.values.money import THIS_PERIOD, written_usd
from controlplane.values.policy import PeriodSpend, PolicyDecision, RoleFacts

#: How far local wall time can be from "now + the zone's offset" around a clock change; ample.
_SLACK = timedelta(hours=3)


def evaluate(
    manifest: Manifest,
    now: datetime,
    facts: Mapping[str, RoleFacts],
    *,
    spent: PeriodSpend | None = None,
) -> dict[str, PolicyDecision]:
    """One decision per role of `manifest`; `spent` is what all roles spent in the period of the
    global budget."""
    total = spent or PeriodSpend()
    decisions: dict[str, PolicyDecision] = {}
    for name, role in sorted(manifest.models.items()):
        fact = facts.get(name, RoleFacts())
        decisions[name] = (
            _disabled(name, role)
            or _latest(
                [
                    *_budget_holds(name, manifest, role, fact, total),
                    *_window_holds(name, role, now),
                ]
            )
            or _idle(name, role, fact, now)
            or PolicyDecision(role=name, run=True)
        )
    _max_cost(decisions, manifest, facts)
    for name, decision in decisions.items():
        fact = facts.get(name, RoleFacts())
        if decision.run and decision.rule is None and not fact.running and fact.stopped_by not in (None, "manifest"):
            decisions[name] = _lifted(name, manifest, fact, decisions, facts, now, total)
    return decisions


# -- the rules ------------------------------------------------------------------------------


def _disabled(name: str, role: Role) -> PolicyDecision | None:
    if role.enabled:
        return None
    return PolicyDecision(role=name, run=False, rule="manifest", reason="enabled: false")


def _budgets(
    manifest: Manifest, role: Role, fact: RoleFacts, total: PeriodSpend
) -> list[tuple[str, Budget, PeriodSpend]]:
    """The budgets over a role, global first, each with what was spent in its period."""
    scopes: list[tuple[str, Budget, PeriodSpend]] = []
    if manifest.budget.limit_usd is not None:
        scopes.append(("budget", Budget(limit_usd=manifest.budget.limit_usd, period=manifest.budget.period), total))
    if role.budget is not None:
        scopes.append(("role budget", role.budget, fact.spent or PeriodSpend()))
    return scopes


def _budget_holds(
    name: str, manifest: Manifest, role: Role, fact: RoleFacts, total: PeriodSpend
) -> list[PolicyDecision]:
    holds = []
    for label, budget, spent in _budgets(manifest, role, fact, total):
        if spent.usd < written_usd(budget.limit_usd):  # the period's money is not all gone yet
            continue
        tail = f" (resets {spent.end:%Y-%m-%d %H:%M} UTC)" if spent.end else "; raise the limit to start it"
        holds.append(
            PolicyDecision(
                role=name,
                run=False,
                rule="budget",
                reason=f"{label} spent {_money(spent.usd)} of {_limit(budget)}{tail}",
                until=spent.end,
            )
        )
    return holds


def _money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')):,}"


def _limit(budget: Budget) -> str:
    """`50.00 USD this week`"""
    return f"{budget.limit_usd:,.2f} USD {THIS_PERIOD[budget.period]}"


def _window_holds(name: str, role: Role, now: datetime) -> list[PolicyDecision]:
    holds = []
    for window in role.shutdown_windows:
        occurrence = window_occurrence(window, now)
        if occurrence is None or occurrence[1] <= now:
            continue
        closes = occurrence[1]
        holds.append(
            PolicyDecision(
                role=name,
                run=False,
                rule="window",
                reason=f"shutdown window until {_local(closes, window.timezone, now)}",
                until=closes,
            )
        )
    return holds


def _latest(holds: list[PolicyDecision]) -> PolicyDecision | None:
    """The hold that lifts last (None = never); the first of equals, so budgets beat windows."""
    best: PolicyDecision | None = None
    for hold in holds:
        if best is None or (best.until is not None and (hold.until is None or hold.until > best.until)):
            best = hold
    return best


def _idle(name: str, role: Role, fact: RoleFacts, now: datetime) -> PolicyDecision | None:
    limit = role.idle_shutdown_minutes
    if limit == 0:
        return None
    if not fact.running:
        if fact.stopped_by != "idle" or fact.stopped_at is None:
            return None  # it starts now, so it counts as idle from now
        if fact.last_request is not None and fact.last_request > fact.stopped_at:
            return PolicyDecision(
                role=name,
                run=True,
                rule="idle",
                reason=f"request at {_at(fact.last_request, now)} after the idle stop (wake on demand)",
            )
        return PolicyDecision(
            role=name,
            run=False,
            rule="idle",
            reason=f"idle since {_at(fact.stopped_at, now)}; starts again on its next request",
        )
    marks = [t for t in (fact.last_request, fact.running_since) if t is not None]
    if not marks:
        return None  # running, but nothing says since when: not known to be idle
    idle = now - max(marks)
    if idle < timedelta(minutes=limit):
        return None
    never = fact.last_request is None or (fact.running_since is not None and fact.last_request < fact.running_since)
    return PolicyDecision(
        role=name,
        run=False,
        rule="idle",
        reason=f"idle {int(idle.total_seconds() // 60)} min (limit {limit})"
        + (", no request since it started" if never else "")
        + "; starts again on its next request",
    )


def _max_cost(decisions: dict[str, PolicyDecision], manifest: Manifest, facts: Mapping[str, RoleFacts]) -> None:
    limit = manifest.budget.max_cost_per_hour_usd
    if limit is None:
        return
    cost = {name: _burn(facts.get(name, RoleFacts())) for name in decisions}
    wanted = [name for name, d in decisions.items() if d.run]
    total = sum(cost[name] for name in wanted)
    priority = {name: manifest.models[name].priority for name in decisions}
    # a running role keeps running over one that would have to start, else the dearer goes first
    order = sorted(wanted, key=lambda n: (priority[n], _running(facts, n), -cost[n], n))
    for name in order:
        if total <= limit + 1e-9:
            break
        if cost[name] <= 0:
            continue  # stopping it saves nothing
        decisions[name] = PolicyDecision(
            role=name,
            run=False,
            rule="max_cost",
            reason=f"burn {total:,.2f} USD/h over max {limit:,.2f}; lowest priority first (priority {priority[name]})",
        )
        total -= cost[name]


def _running(facts: Mapping[str, RoleFacts], name: str) -> bool:
    fact = facts.get(name)
    return fact is not None and fact.running


def _burn(fact: RoleFacts) -> float:
    """What a role costs per hour if it runs: as it runs now, or at its minimum once started."""
    return fact.burn_usd_per_hour if fact.running else fact.start_usd_per_hour


def _lifted(
    name: str,
    manifest: Manifest,
    fact: RoleFacts,
    decisions: Mapping[str, PolicyDecision],
    facts: Mapping[str, RoleFacts],
    now: datetime,
    total: PeriodSpend,
) -> PolicyDecision:
    """Why a role a rule stopped may start again now."""
    role = manifest.models[name]
    rule = fact.stopped_by
    reason = ""
    if rule == "budget":
        reason = _budget_lifted(manifest, role, fact, total)
    elif rule == "idle":
        reason = "idle shutdown is off (idle_shutdown_minutes: 0)"
    elif rule == "window":
        closed = [w for w in (_closed(window, now) for window in role.shutdown_windows) if w is not None]
        reason = f"shutdown window closed at {max(closed)[1]}" if closed else "shutdown window closed"
    elif rule == "override":
        reason = "the `reasoning models undeploy` override expired"
    elif rule == "max_cost":
        limit = manifest.budget.max_cost_per_hour_usd
        burn = sum(_burn(facts.get(n, RoleFacts())) for n, d in decisions.items() if d.run)
        reason = f"burn {burn:,.2f} USD/h with it running, within max {limit or 0:,.2f}"
    return PolicyDecision(role=name, run=True, rule=rule, reason=reason)


def _budget_lifted(manifest: Manifest, role: Role, fact: RoleFacts, total: PeriodSpend) -> str:
    scopes = _budgets(manifest, role, fact, total)
    for _, budget, spent in scopes:
        if spent.start is not None and fact.stopped_at is not None and fact.stopped_at < spent.start:
            return f"new budget period: {budget.period} from {spent.start:%Y-%m-%d %H:%M} UTC"
    if scopes:
        _, budget, spent = scopes[-1]
        return f"budget no longer spent: {_money(spent.usd)} of {_limit(budget)}"
    return "budget removed from reasoning.yaml"


def _closed(window: ShutdownWindow, now: datetime) -> tuple[datetime, str] | None:
    occurrence = window_occurrence(window, now)
    if occurrence is None or occurrence[1] > now:
        return None
    return occurrence[1], _local(occurrence[1], window.timezone, now)


# -- calendars ------------------------------------------------------------------------------


def window_occurrence(window: ShutdownWindow, now: datetime) -> tuple[datetime, datetime] | None:
    """The occurrence of `window` that opened last at or before `now`: (opens, closes) in UTC.

    Fires are found on the local wall clock with croniter, then placed in time. Placing can
    reorder fires only within a clock change, so the search stops a few hours past the first
    fire at or before `now`.
    """
    zone = ZoneInfo(window.timezone)
    local_now = now.astimezone(zone).replace(tzinfo=None)
    try:
        fires: Iterable[datetime] = _fires_before(window.cron, local_now + _SLACK)
        best: tuple[datetime, datetime] | None = None
        first: datetime | None = None
        for fire in fires:
            if first is not None and fire < first - _SLACK:
                break
            opens, closes = _occurrence(fire, window.span, zone)
            if opens > now:
                continue
            first = first or fire
            if best is None or closes > best[1]:
                best = (opens, closes)
        return best
    except CroniterBadDateError:  # a cron that never fires (Feb 30th)
        return None


def _fires_before(cron: str, start: datetime) -> Iterable[datetime]:
    fires = croniter(cron, start, max_years_between_matches=8)
    for _ in range(100_000):
        yield fires.get_prev(datetime)


def _occurrence(fire: datetime, span: timedelta, zone: ZoneInfo) -> tuple[datetime, datetime]:
    opens = _instant(fire, zone)
    if not _exists(fire, zone):  # skipped by the clocks: opens that much later, lasts its real span
        return opens, opens + span
    return opens, max(_instant(fire + span, zone), opens + timedelta(minutes=1))


def _instant(wall: datetime, zone: ZoneInfo) -> datetime:
    # fold=0: the first of a repeated time; a skipped time is read with the offset before the jump
    return wall.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)


def _exists(wall: datetime, zone: ZoneInfo) -> bool:
    return _instant(wall, zone).astimezone(zone).replace(tzinfo=None) == wall


# -- wording --------------------------------------------------------------------------------


def _at(moment: datetime, now: datetime) -> str:
    moment = moment.astimezone(timezone.utc)
    same_day = moment.date() == now.astimezone(timezone.utc).date()
    return f"{moment:%H:%M} UTC" if same_day else f"{moment:%Y-%m-%d %H:%M} UTC"


def _local(moment: datetime, zone: str, now: datetime) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    near = abs(moment - now) <= timedelta(hours=24)
    return f"{local:%H:%M} {zone}" if near else f"{local:%Y-%m-%d %H:%M} {zone}"
