"""Every role as it runs now: what `reasoning status` shows, and prints as versioned JSON."""

from __future__ import annotations

from pydantic import Field

from controlplane.values.common import Value, Versioned
from controlplane.values.plan import ActionKind, CostRange, FieldChange, Plan
from controlplane.values.world import Spec


class Pending(Value):
    """The change a plan made now would make to the role."""

    kind: ActionKind
    reason: str


class RoleStatus(Value):
    role: str
    #: the endpoint an agent calls (Together's `<project>-<role>`)
    endpoint: str = ""
    #: the live deployment's state, or ABSENT when the role has none
    state: str
    ready_replicas: int
    spec: Spec | None
    usd_per_hour: CostRange
    drift: tuple[FieldChange, ...]
    pending: Pending | None
    #: how the store's record disagrees with the world (None: they agree); apply repairs it
    out_of_step: str | None = None
    #: the `models deploy|undeploy` override in force, in words
    override: str | None = None
    #: whether the role has an endpoint at all (one without a deployment is not ABSENT in the table)
    has_endpoint: bool = Field(default=False, exclude=True)


class Status(Versioned):
    project: str
    roles: tuple[RoleStatus, ...]
    usd_per_hour: CostRange

    @property
    def pending(self) -> int:
        """How many roles a plan would change."""
        return sum(1 for role in self.roles if role.pending is not None)

    @classmethod
    def of(cls, plan: Plan) -> Status:
        """The status a fresh plan shows: each role's live deployment, its drift, what is pending."""
        roles = []
        overrides = {o.role: o.describe() for o in plan.overrides}
        for action in plan.actions:
            live = action.actual.live if action.actual else None
            # manifest.endpoint_name's rule (values sit below the manifest and cannot import it)
            endpoint = (
                action.actual.endpoint_name if action.actual else f"{plan.project}-{action.role.replace('_', '-')}"
            )
            roles.append(
                RoleStatus(
                    role=action.role,
                    endpoint=endpoint,
                    override=overrides.get(action.role),
                    state=live.state if live else "ABSENT",
                    ready_replicas=live.ready_replicas if live else 0,
                    spec=live.spec if live else None,
                    usd_per_hour=action.cost_before,
                    drift=action.drift,
                    pending=None if action.kind == "noop" else Pending(kind=action.kind, reason=action.reason),
                    out_of_step=action.out_of_step,
                    has_endpoint=action.actual is not None,
                )
            )
        return cls(project=plan.project, roles=tuple(roles), usd_per_hour=plan.cost_before)
