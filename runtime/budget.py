"""The budget at request time: reserve an estimate before a custom model is called, settle after.

Reconcile stops a role whose budget is spent, but only every few minutes; between its runs, the
proxy must not let a burst of concurrent requests spend past the limit. So each request reserves
its estimated cost (`estimate_cost`: input tokens plus the most output it may produce, at the
role's `price_per_million_tokens`) before it is sent, and the reservation is settled with the real
cost afterwards or released if no call was made. A reservation is refused, and the request falls
back, when the role's own budget or the global one (whichever is stricter) cannot take it:

    over budget: 99.98 + 0.05 > 100.00 USD (month)                 the global budget
    over budget: 49.99 + 0.05 > 50.00 USD (planning budget, week)   the role's own

What counts as spent, per budget and its period (UTC; weeks start on Monday, `total` never
resets):

    baseline     `controlplane.store.spend`, the figures reconcile's policy reads: hardware from
                 the ledger plus request costs from usage, read from the store by `refresh()`,
                 which the runtime's refresher calls every few seconds off the request path;
                 between reads, hardware keeps accruing at the burn rate of the last read
  + settled      costs this process settled that the baseline does not hold yet
  + reserved     estimates of the requests in flight

A settled cost must be counted exactly once: before its usage record reaches the store it is
only in `settled`, after that only in the baseline. `settle()` takes the recorder's ticket for
the request's usage (`Recorder.record` returns it); a refresh first asks the recorder how far it
has written (`Recorder.written_through`), then reads the store, then forgets the settled costs
whose tickets were written before the read. A record written during the read may be counted
twice until the next refresh: that errs towards refusing, never towards overspending. A cost
settled without a ticket (nothing records it) stays in `settled` until its period ends.

Arithmetic is in integer micro-dollars under one lock held for a few instructions: safe from
threads and from the event loop alike, and it never waits on I/O. Until the first successful
read of the store, requests to roles with a limit are refused (`budget unknown`): not knowing the
spend must not mean spending without limit; the fallback keeps the agent answered.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import count

from controlplane import clock
from controlplane.manifest import Manifest
from controlplane.store import Store, spend
from controlplane.values import Period, period_bounds

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def period_start(period: Period, now: datetime) -> datetime:
    """When the budget period holding `now` began, in UTC (`total`: the epoch)."""
    start, _ = period_bounds(period, now.astimezone(timezone.utc))
    return start or _EPOCH


def _micros(usd: float) -> int:
    return round(usd * 1_000_000)


def _usd(micros: int) -> str:
    """At least cents, and as many more decimals as it takes: 99.9998 must not print as 100.00."""
    text = f"{micros / 1_000_000:.6f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


@dataclass(frozen=True)
class Baseline:
    """What the store says was spent, as of `at`: the guard's baseline (the store's `Spend`, in
    floats, only what the guard needs).

    `roles`: per role, in that role's own budget period (only roles with a budget need be here);
    `total`: all roles together, in the global budget's period; `burn_usd_per_hour`: hardware
    accruing per role at `at` (added for the time since `at` until the next read)."""

    at: datetime
    roles: Mapping[str, float]
    total: float
    burn_usd_per_hour: Mapping[str, float] = field(default_factory=dict)


#: Reads the spend as of `now`; called by the refresh thread, never on the request path.
BaselineReader = Callable[[datetime], Baseline]


def store_baseline(store: Store, manifest: Manifest) -> BaselineReader:
    """The spend as `controlplane.store.spend` computes it for reconcile's policy: hardware from
    the ledger (the running interval up to `now`) plus request costs from usage."""

    def read(now: datetime) -> Baseline:
        spent = spend(store, manifest, now)
        return Baseline(
            at=now,
            roles={role: float(r.budget.usd) for role, r in spent.roles.items() if r.budget is not None},
            total=float(spent.usd),
            burn_usd_per_hour={role: float(r.burn_usd_per_hour) for role, r in spent.roles.items()},
        )

    return read


@dataclass(frozen=True)
class Reservation:
    """An estimate held against the budgets until `settle` or `release`."""

    id: int
    role: str
    usd: float


@dataclass(frozen=True)
class OverBudget:
    """A refused reservation; `reason` goes into `x-reasoning-reason` and the usage record."""

    role: str
    reason: str


@dataclass(frozen=True)
class _Limit:
    scope: str  # a role, or "" for the global budget
    micros: int
    period: Period

    def describe(self) -> str:
        return self.period if not self.scope else f"{self.scope} budget, {self.period}"


@dataclass(frozen=True)
class _Settled:
    ticket: int | None
    role: str
    micros: int
    at: datetime


class BudgetGuard:
    """Reservations against each role's budget and the global one; see the module docstring."""

    def __init__(
        self, manifest: Manifest, read_spend: BaselineReader, *, written_through: Callable[[], int] | None = None
    ) -> None:
        self.manifest = manifest
        self.read_spend = read_spend
        self.written_through = written_through
        total = manifest.budget.limit_usd
        self._global = _Limit("", _micros(total), manifest.budget.period) if total is not None else None
        self._limits: dict[str, tuple[_Limit, ...]] = {
            role: tuple(
                limit
                for limit in (
                    _Limit(role, _micros(r.budget.limit_usd), r.budget.period) if r.budget else None,
                    self._global,
                )
                if limit is not None
            )
            for role, r in manifest.models.items()
        }
        self._lock = threading.Lock()
        self._ids = count(1)
        self._spent: Baseline | None = None  # the last read; None until one succeeds
        self._reserved: dict[int, tuple[str, int]] = {}  # id -> (role, micros)
        self._reserved_by_role: dict[str, int] = {}
        self._reserved_total = 0
        self._settled: list[_Settled] = []
        # limit -> (period start, settled micros in it): kept as costs are settled, so a
        # reservation never walks the list; rebuilt when a period rolls over or after a read.
        self._settled_sums: dict[_Limit, tuple[datetime, int]] = {}

    def _limits_of(self, role: str) -> tuple[_Limit, ...]:
        # A role the manifest does not know (a request for it cannot reach a custom model, but
        # be safe) still counts against the global budget.
        return self._limits.get(role, (self._global,) if self._global else ())

    # -- prices ----------------------------------------------------------------------------

    def cost(self, role: str, input_tokens: int, output_tokens: int) -> float:
        """What a request cost at the role's price per million tokens (0 for unknown roles)."""
        spec = self.manifest.models.get(role)
        if spec is None:
            return 0.0
        price = spec.price_per_million_tokens
        return (input_tokens * price.input + output_tokens * price.output) / 1_000_000

    def estimate_cost(self, role: str, input_tokens: int, max_output_tokens: int) -> float:
        """The most a request may cost: its input, plus all the output it is allowed."""
        return self.cost(role, input_tokens, max_output_tokens)

    # -- the request path ------------------------------------------------------------------

    def reserve(self, role: str, estimated_usd: float) -> Reservation | OverBudget:
        """Hold `estimated_usd` for a request to `role`, or say why not (then: fall back)."""
        now = clock.now()
        wanted = max(0, _micros(estimated_usd))
        with self._lock:
            limits = self._limits_of(role)
            if limits and self._spent is None:
                return OverBudget(role, "budget unknown: the spend has not been read from the store yet")
            for limit in limits:
                used = self._used(limit, now)
                if used + wanted > limit.micros:
                    return OverBudget(
                        role,
                        f"over budget: {_usd(used)} + {_usd(wanted)} > {_usd(limit.micros)} USD ({limit.describe()})",
                    )
            reservation = Reservation(next(self._ids), role, wanted / 1_000_000)
            self._reserved[reservation.id] = (role, wanted)
            self._reserved_by_role[role] = self._reserved_by_role.get(role, 0) + wanted
            self._reserved_total += wanted
            return reservation

    def settle(self, reservation: Reservation, actual_usd: float, *, ticket: int | None) -> None:
        """Replace the estimate by what the request cost.

        `ticket`: what `Recorder.record` returned for the request's usage, whose `cost_usd` must
        be `actual_usd`; the cost then counts here until the store holds it, and once only.
        None when nothing records the cost (it then counts here until its period ends)."""
        with self._lock:
            if not self._unreserve(reservation):
                return  # settled or released already: a second call changes nothing
            micros = max(0, _micros(actual_usd))
            if not micros:
                return
            settled = _Settled(ticket, reservation.role, micros, clock.now())
            self._settled.append(settled)
            for limit in self._limits_of(settled.role):
                cached = self._settled_sums.get(limit)
                if cached is not None and settled.at >= cached[0]:
                    self._settled_sums[limit] = (cached[0], cached[1] + micros)

    def release(self, reservation: Reservation) -> None:
        """Give the estimate back: no call was made (the request fell back before it)."""
        with self._lock:
            self._unreserve(reservation)

    def remaining(self) -> dict[str, float | None]:
        """USD each role could still reserve now (None: no limit applies), for /metrics."""
        now = clock.now()
        with self._lock:
            return {
                role: (
                    None
                    if not limits
                    else 0.0
                    if self._spent is None
                    else max(0, min(limit.micros - self._used(limit, now) for limit in limits)) / 1_000_000
                )
                for role, limits in self._limits.items()
            }

    def _unreserve(self, reservation: Reservation) -> bool:
        held = self._reserved.pop(reservation.id, None)
        if held is None:
            return False
        role, micros = held
        self._reserved_by_role[role] -= micros
        self._reserved_total -= micros
        return True

    def _used(self, limit: _Limit, now: datetime) -> int:
        """Spent in the limit's current period, plus what is reserved against it (lock held)."""
        assert self._spent is not None
        spent, start = self._spent, period_start(limit.period, now)
        if period_start(limit.period, spent.at) == start:
            base = _micros(spent.roles.get(limit.scope, 0.0) if limit.scope else spent.total)
            since = spent.at
        else:  # the period rolled over since the last read: nothing was spent in it before now
            base, since = 0, start
        burn = spent.burn_usd_per_hour.get(limit.scope, 0.0) if limit.scope else sum(spent.burn_usd_per_hour.values())
        hours = max(0.0, (now - since).total_seconds() / 3600)
        reserved = self._reserved_by_role.get(limit.scope, 0) if limit.scope else self._reserved_total
        return base + _micros(burn * hours) + self._settled_since(limit, start) + reserved

    def _settled_since(self, limit: _Limit, start: datetime) -> int:
        cached = self._settled_sums.get(limit)
        if cached is None or cached[0] != start:
            total = sum(s.micros for s in self._settled if s.at >= start and (not limit.scope or s.role == limit.scope))
            cached = self._settled_sums[limit] = (start, total)
        return cached[1]

    # -- the baseline, off the request path ------------------------------------------------

    def refresh(self) -> bool:
        """Read the spend from the store now; False (and the last figures kept) if it failed."""
        # Asked before the read: whatever was written by then is in what the read returns.
        written = self.written_through() if self.written_through is not None else None
        now = clock.now()
        try:
            spent = self.read_spend(now)
        except Exception as error:  # a store error or a bug: keep serving on what we knew
            log.warning(
                "budget: could not read the spend (%s: %s); keeping the last figures", type(error).__name__, error
            )
            return False
        with self._lock:
            self._spent = spent
            starts = [period_start(limit.period, now) for limits in self._limits.values() for limit in limits]
            oldest = min(starts, default=now)
            self._settled = [
                s
                for s in self._settled
                if s.at >= oldest and (s.ticket is None or written is None or s.ticket > written)
            ]
            self._settled_sums.clear()
        return True
