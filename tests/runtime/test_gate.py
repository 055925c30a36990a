"""The one gate to a role's model: the order of its checks, and an admission settled exactly once.

Real parts on a real store: availability read from the applied state, the budget guard over what
the store says was spent, the recorder writing to the store, each role's circuit breaker.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from controlplane import clock
from controlplane.manifest import Manifest, load
from controlplane.store import Store
from controlplane.values import AppliedRole, Sample, Spec, Usage
from runtime.availability import Availability
from runtime.budget import BudgetGuard
from runtime.gate import Admission, Declined, RoleGate
from runtime.recorder import Recorder
from runtime.redact import Redactor
from tests.support.clock import FakeClock

pytestmark = pytest.mark.usefixtures("frozen")

MANIFEST = """\
version: 1
project: demo
budget: {limit_usd: 10, period: month}
proxy: {circuit: {failures: 1, open_seconds: 60}}
models:
  planning:
    model: org/planning
    hardware: 1x_nvidia_h100_80gb_sxm
    price_per_million_tokens: {input: 1000, output: 1000}
"""


@pytest.fixture
def manifest(tmp_path: Path) -> Manifest:
    path = tmp_path / "reasoning.yaml"
    path.write_text(MANIFEST)
    return load(path)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path}/state.db") as opened:
        opened.record_applied(
            "demo",
            AppliedRole(
                role="planning",
                spec=Spec(model="org/planning", hardware="h", min_replicas=1, max_replicas=1),
                enabled=True,
                endpoint_id="ep",
                deployment_id="dep",
                applied_at=datetime(2026, 11, 24, tzinfo=timezone.utc),
            ),
        )
        yield opened


@pytest.fixture
def gate(manifest: Manifest, store: Store) -> Iterator[RoleGate]:
    recorder = Recorder(store, "demo", Redactor([]), collect_samples=True, flush_interval=3600)
    availability = Availability.from_manifest(manifest, store)
    budget = BudgetGuard(manifest, store)
    assert availability.refresh() and budget.refresh()
    yield RoleGate(availability, budget, recorder)
    budget.close()
    recorder.close()


def admitted(outcome: Admission | Declined) -> Admission:
    assert isinstance(outcome, Admission), outcome
    return outcome


def declined(outcome: Admission | Declined) -> str:
    assert isinstance(outcome, Declined), outcome
    return outcome.reason


def left(gate: RoleGate) -> float | None:
    """What the store, which every process shares, says is left once what is under way landed."""
    assert gate.recorder.flush(timeout=10) and gate.budget.drain(timeout=10)
    assert gate.budget.refresh()
    return gate.budget.remaining()["planning"]


def usage(admission: Admission, input_tokens: int, output_tokens: int, outcome: str = "ok") -> Usage:
    return Usage(
        project="demo",
        role="planning",
        at=clock.now(),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cost_usd=admission.cost(input_tokens, output_tokens),
        outcome=outcome,  # type: ignore[arg-type]
        reason=None if outcome == "ok" else "broke off",
    )


def sample(answer: str) -> Sample:
    return Sample(project="demo", role="planning", at=clock.now(), source="custom", prompt={}, answer=answer)


def ask(gate: RoleGate) -> Admission | Declined:
    """A request of 1,000 input tokens that may produce 1,000 more: $2.00 reserved at $1,000/M
    while the role has no answers to estimate from."""
    return gate.admit("planning", input_tokens=1000, max_output_tokens=1000)


class TestTheOrderOfChecks:
    def test_a_role_that_cannot_serve_is_declined_before_anything_is_reserved(self, gate: RoleGate) -> None:
        assert declined(gate.admit("coding", input_tokens=1, max_output_tokens=1)) == "no role coding in the manifest"
        gate.availability.breaker("planning").record_failure()  # one failure opens it (proxy.circuit)
        assert declined(ask(gate)) == "circuit open (1 failures in 30s)"
        assert left(gate) == pytest.approx(10.0)

    def test_over_budget_is_declined_without_taking_the_circuits_trial(self, gate: RoleGate, frozen: FakeClock) -> None:
        breaker = gate.availability.breaker("planning")
        breaker.record_failure()
        frozen.tick(timedelta(seconds=60))  # open long enough: the next turn is the half-open trial
        assert declined(gate.admit("planning", input_tokens=1000, max_output_tokens=20_000)) == (
            "over budget: 0.00 + 21.00 > 10.00 USD (month)"
        )
        assert breaker.allow() and breaker.state == "half-open"  # the trial was still there to take

    def test_while_the_trial_is_in_flight_other_requests_are_declined_holding_nothing(
        self, gate: RoleGate, frozen: FakeClock
    ) -> None:
        breaker = gate.availability.breaker("planning")
        breaker.record_failure()
        frozen.tick(timedelta(seconds=60))
        first = admitted(ask(gate))  # the trial
        assert breaker.state == "half-open" and left(gate) == pytest.approx(8.0)
        assert declined(ask(gate)) == "circuit open (1 failures in 30s)"
        assert left(gate) == pytest.approx(8.0)  # only the trial's reservation is held
        first.succeeded(usage(first, 1000, 10))
        assert breaker.state == "closed"


class TestSettlement:
    def test_success_records_usage_and_sample_and_settles_at_the_real_cost(self, gate: RoleGate, store: Store) -> None:
        admission = admitted(ask(gate))
        assert left(gate) == pytest.approx(8.0)  # the estimate is held
        ticket = admission.succeeded(usage(admission, 1000, 500), sample("<response/>"))
        assert ticket > 0 and left(gate) == pytest.approx(8.5)  # $1.50 spent, not the $2.00 estimate
        assert gate.recorder.flush(timeout=10)
        assert [(u.outcome, u.cost_usd) for u in store.usage("demo")] == [("ok", pytest.approx(1.5))]
        assert [s.answer for s in store.samples("demo")] == ["<response/>"]
        gate.budget.refresh()  # the store holds the cost now: counted once, not twice
        assert left(gate) == pytest.approx(8.5)

    def test_a_failure_that_counts_opens_the_circuit_and_gives_the_reservation_back(
        self, gate: RoleGate, store: Store
    ) -> None:
        admitted(ask(gate)).failed("custom model answered 503")
        assert left(gate) == pytest.approx(10.0)
        assert gate.availability.check("planning") == "circuit open (1 failures in 30s)"
        assert gate.recorder.flush(timeout=10) and store.usage("demo") == []  # the fallback records it

    def test_a_failure_about_the_request_leaves_the_circuit_closed(self, gate: RoleGate) -> None:
        admitted(ask(gate)).failed("custom model answered 400", counts=False)
        assert gate.availability.check("planning") is None and left(gate) == pytest.approx(10.0)

    def test_an_answer_that_broke_off_settles_what_it_spent(self, gate: RoleGate, store: Store) -> None:
        admission = admitted(ask(gate))
        admission.failed("custom model broke off its answer", spent=usage(admission, 1000, 100, "error"))
        assert left(gate) == pytest.approx(8.9)
        assert gate.availability.check("planning") == "circuit open (1 failures in 30s)"
        assert gate.recorder.flush(timeout=10)
        assert [(u.outcome, u.reason) for u in store.usage("demo")] == [("error", "broke off")]
        assert store.samples("demo") == []

    def test_an_admission_is_settled_once(self, gate: RoleGate) -> None:
        admission = admitted(ask(gate))
        admission.succeeded(usage(admission, 10, 10))
        with pytest.raises(RuntimeError, match="settled twice"):
            admission.failed("late")
        assert left(gate) == pytest.approx(10.0 - 0.02)

    def test_an_admission_left_unsettled_gives_everything_back(self, gate: RoleGate) -> None:
        with pytest.raises(KeyboardInterrupt), admitted(ask(gate)) as admission:
            assert left(gate) == pytest.approx(8.0)
            raise KeyboardInterrupt
        assert admission.settled and left(gate) == pytest.approx(10.0)
        assert gate.availability.check("planning") is None  # not the model's failure
