"""One gate to a role's custom model, for the proxy and the hooks alike.

A caller asks `RoleGate.admit(role, ...)` before it calls the model. The checks, in this order:

    1. availability   in the manifest, enabled, applied and not stopped, circuit not open
    2. budget         reserve what the request will likely cost (its input plus the output the
                      role's recent answers gave, at most its `max_tokens`) against the role's
                      budget and the global one, in the store every process shares; when only
                      requests in flight keep it out, wait (bounded) for them to settle
    3. circuit        take the request's turn (in half-open: the one trial request)

The first that says no gives a `Declined` with the reason the caller falls back with
(`x-reasoning-reason`, the usage record). The circuit comes last because taking its turn is the one
step that cannot be given back: a reservation can be released, a half-open trial only times out.
Otherwise an `Admission` holds the reservation and the breaker's turn until it is settled, once:

    succeeded(usage, sample)   the model answered: breaker success; usage (and sample) recorded;
                               the reservation settled at `usage.cost_usd` with the recorder's ticket
    failed(why, counts, spent) the model did not answer usably: a breaker failure when it counts;
                               what it `spent` (a stream that broke) recorded and settled like a
                               success, else the reservation released

Used as a context manager, an admission left unsettled (a caller cancelled mid-call) is released.
The call itself, its wire format and its fallback are the caller's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from controlplane.values import Sample, Usage
from runtime.availability import Availability
from runtime.breaker import CircuitBreaker
from runtime.budget import BudgetGuard, OverBudget, Reservation
from runtime.recorder import Recorder

log = logging.getLogger(__name__)

#: Why a request was declined when another request took the half-open circuit's one trial
#: between the availability check and this request's turn.
TRIAL_TAKEN = "circuit open"


@dataclass(frozen=True)
class Declined:
    """The gate said no; `reason` is the short phrase the caller falls back with."""

    role: str
    reason: str


class RoleGate:
    #: Told of every answer a role's custom model gave (the shadow, `runtime.shadow`): must not block.
    on_answer: Callable[[str, Usage, Sample | None], object] | None = None

    def __init__(self, availability: Availability, budget: BudgetGuard, recorder: Recorder) -> None:
        self.availability = availability
        self.budget = budget
        self.recorder = recorder

    def admit(self, role: str, *, input_tokens: int, max_output_tokens: int) -> Admission | Declined:
        """Whether a request to `role`'s model may go now; see the module docstring for the order.
        Blocks on the store for the budget (from the event loop: `admit_async`)."""
        unavailable = self.availability.check(role)
        if unavailable is not None:
            return Declined(role, unavailable)
        held = self.budget.hold(role, input_tokens=input_tokens, max_output_tokens=max_output_tokens)
        return self._turn(role, held)

    async def admit_async(self, role: str, *, input_tokens: int, max_output_tokens: int) -> Admission | Declined:
        """`admit`, with the budget's store call off the event loop."""
        unavailable = self.availability.check(role)
        if unavailable is not None:
            return Declined(role, unavailable)
        held = await self.budget.hold_async(role, input_tokens=input_tokens, max_output_tokens=max_output_tokens)
        # the role may have gone down while the reservation was taken: check again, it is free
        unavailable = self.availability.check(role)
        if unavailable is not None and not isinstance(held, OverBudget):
            self.budget.release(held)
            return Declined(role, unavailable)
        return self._turn(role, held)

    def _turn(self, role: str, held: Reservation | OverBudget) -> Admission | Declined:
        if isinstance(held, OverBudget):
            return Declined(role, held.reason)
        breaker = self.availability.breaker(role)
        if not breaker.allow():
            self.budget.release(held)
            return Declined(role, TRIAL_TAKEN)
        return Admission(self, role, held, breaker)

    def cost(self, role: str, input_tokens: int, output_tokens: int) -> float:
        """What a request to `role`'s model cost, at the role's price per million tokens."""
        return self.budget.cost(role, input_tokens, output_tokens)

    def record(self, usage: Usage, sample: Sample | None = None) -> int:
        """Record a request that reached no model through the gate (declined, or sent to the
        fallback): its usage, and a sample of what answered it. Returns the recorder's ticket."""
        return self.recorder.record(usage, sample)


class Admission:
    """A request let through to `role`'s model; settle it once (`succeeded` or `failed`)."""

    __slots__ = ("_breaker", "_gate", "_reservation", "role", "settled")

    def __init__(self, gate: RoleGate, role: str, reservation: Reservation, breaker: CircuitBreaker) -> None:
        self._gate = gate
        self.role = role
        self._reservation = reservation
        self._breaker = breaker
        self.settled = False

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """What this request cost: the `cost_usd` its usage must carry to be settled."""
        return self._gate.cost(self.role, input_tokens, output_tokens)

    def succeeded(self, usage: Usage, sample: Sample | None = None) -> int:
        """The model answered: close its breaker's turn, record, settle. Returns the ticket."""
        self._settle()
        self._breaker.record_success()
        ticket = self._spend(usage, sample)
        if self._gate.on_answer is not None:
            self._gate.on_answer(self.role, usage, sample)
        return ticket

    def failed(self, why: str, *, counts: bool = True, spent: Usage | None = None) -> None:
        """The model did not answer usably (`why`); a breaker failure when it `counts` against the
        model. `spent`: the usage of an answer that broke off after tokens were produced, recorded
        and settled at its cost; without it the reservation is released."""
        self._settle()
        if counts:
            self._breaker.record_failure()
        log.debug("gate: %s failed (%s)", self.role, why)
        if spent is not None:
            self._spend(spent, None)
        else:
            self._gate.budget.release(self._reservation)

    def _settle(self) -> None:
        if self.settled:
            raise RuntimeError(f"an admission to {self.role} is settled twice")
        self.settled = True

    def _spend(self, usage: Usage, sample: Sample | None) -> int:
        # The usage names its reservation: the write that puts its cost in the store removes the
        # reservation in the same transaction, so the cost counts once, in every process.
        reservation = self._reservation
        if reservation.shared:
            usage = usage.model_copy(update={"reservation": reservation.id})
        ticket = self._gate.recorder.record(usage, sample)
        self._gate.budget.settle(reservation, usage.cost_usd, recorded=True, output_tokens=usage.output_tokens)
        return ticket

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if not self.settled:
            self.failed(f"left unsettled ({kind.__name__ if kind else 'no outcome'})", counts=False)
