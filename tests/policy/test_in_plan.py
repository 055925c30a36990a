"""The policy's decisions in the plan: stops and starts carry the policy's reasons, a role held
stopped stays a no-op, and the cost figures and the hourly limit follow what will really run."""

from __future__ import annotations

import pytest

from controlplane.errors import CostLimitExceeded
from controlplane.manifest import loads
from controlplane.plan import make_plan
from controlplane.values import AppliedRole, RemoteRole, Spec
from controlplane.values.plan import Plan
from controlplane.values.policy import PolicyDecision
from tests.plan.test_plan import CATALOG, H100, NOW, SMALL, manifest, remote

STOPPED = Spec(model="org/small", hardware=H100, min_replicas=0, max_replicas=0)
IDLE = PolicyDecision(role="planning", run=False, rule="idle", reason="idle 42 min (limit 30)")


def plan_with(
    decision: PolicyDecision,
    actual: dict[str, RemoteRole] | None = None,
    text: str = manifest(SMALL),
    applied: dict[str, AppliedRole] | None = None,
) -> Plan:
    return make_plan(loads(text), actual or {}, applied or {}, CATALOG, now=NOW, decisions={decision.role: decision})


class TestPolicyInThePlan:
    def test_a_policy_stop_is_a_stop_with_the_policys_reason_and_costs_nothing_after(self) -> None:
        plan = plan_with(IDLE, {"planning": remote()})
        (action,) = plan.actions
        assert (action.kind, action.reason, action.policy) == ("stop", "idle 42 min (limit 30)", "idle")
        assert plan.cost_after.high == 0 and plan.cost_before.high == pytest.approx(7.98)

    def test_a_role_held_stopped_stays_a_no_op_and_says_why(self) -> None:
        (action,) = plan_with(IDLE, {"planning": remote(spec=STOPPED, state="STOPPED")}).actions
        assert (action.kind, action.reason) == ("noop", "stopped; held by policy: idle 42 min (limit 30)")
        assert action.policy == "idle"

    def test_a_role_not_deployed_yet_is_not_created_while_held(self) -> None:
        window = PolicyDecision(role="planning", run=False, rule="window", reason="shutdown window until 08:00 UTC")
        (action,) = plan_with(window).actions
        assert (action.kind, action.reason) == ("noop", "not deployed; held by policy: shutdown window until 08:00 UTC")

    def test_a_start_says_why_the_policy_lets_it_run_again(self) -> None:
        wake = PolicyDecision(
            role="planning", run=True, rule="idle", reason="request at 08:55 UTC after the idle stop (wake on demand)"
        )
        (action,) = plan_with(wake, {"planning": remote(spec=STOPPED, state="STOPPED")}).actions
        assert (action.kind, action.reason, action.policy) == ("start", wake.reason, "idle")

    def test_a_start_nothing_held_keeps_the_plans_own_reason(self) -> None:
        (action,) = plan_with(PolicyDecision(role="planning", run=True), {"planning": remote(spec=STOPPED)}).actions
        assert (action.kind, action.reason, action.policy) == ("start", "stopped; enabled in reasoning.yaml", None)

    def test_enabled_false_keeps_its_own_words(self) -> None:
        text = manifest(SMALL + "    enabled: false\n")
        off = PolicyDecision(role="planning", run=False, rule="manifest", reason="enabled: false")
        (action,) = plan_with(off, {"planning": remote()}, text=text).actions
        assert (action.kind, action.reason) == ("stop", "enabled: false; scale to 0, costs nothing")


class TestHourlyLimitWithThePolicy:
    OVER = manifest(SMALL, budget="budget:\n  max_cost_per_hour_usd: 5\n")

    def test_a_plan_that_only_stops_is_never_refused(self) -> None:
        """The price went up, or the limit down: reconcile must still be able to stop things."""
        assert plan_with(IDLE, {"planning": remote()}, text=self.OVER).changes[0].kind == "stop"

    def test_a_plan_that_starts_something_is_refused_while_the_manifest_could_exceed(self) -> None:
        run = PolicyDecision(role="planning", run=True)
        with pytest.raises(CostLimitExceeded, match=r"could cost \$7.98/h at max replicas \(planning 7.98\)"):
            plan_with(run, {"planning": remote(spec=STOPPED, state="STOPPED")}, text=self.OVER)

    def test_the_worst_case_counts_roles_the_policy_holds_stopped(self) -> None:
        """Holding a role stopped now does not make a manifest that could exceed the limit fit."""
        two = manifest(SMALL + SMALL.replace("planning", "coding"), budget="budget:\n  max_cost_per_hour_usd: 10\n")
        held = PolicyDecision(role="coding", run=False, rule="idle", reason="idle since 08:00 UTC")
        with pytest.raises(CostLimitExceeded, match=r"could cost \$15.96/h"):
            make_plan(loads(two), {}, {}, CATALOG, now=NOW, decisions={"coding": held})
