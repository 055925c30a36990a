"""The budget at request time, one for every process of a project: reserve before a custom model is
called, settle after, in the store, so proxy replicas and hooks processes see each other at once.

Reconcile stops a role whose budget is spent, but only every few minutes; between its runs, the
requests of every replica must not together spend past the limit. So each request reserves its
likely cost before it is sent (`estimate_cost`: its input, plus as much output as the role's
recent answers gave, bounded by the request's `max_tokens`; the whole `max_tokens` until the role
has `MIN_HISTORY` answers), in one store transaction that every process serializes on
(`controlplane.store.budget`), and the reservation is settled with the real cost when the usage
record is written (the same transaction moves it to `request_spend`) or released if no call was
made. A reservation is refused, and the request falls back, when the role's own budget or the
global one (whichever is stricter) cannot take it:

    over budget: 99.98 + 0.05 > 100.00 USD (month)                 the global budget
    over budget: 49.99 + 0.05 > 50.00 USD (planning budget, week)   the role's own

What counts as spent, per budget and its period (UTC; weeks start on Monday, `total` never
resets), all read inside the reservation's transaction but the first:

    hardware     the ledger's intervals, read by `refresh()` every few seconds (the runtime's
                 refresher), priced up to the instant of the reservation: a running interval
                 keeps accruing between reads
  + requests     `request_spend`: the cost of every request whose usage is in the store, by day
  + reserved     the reservations of every process that have not lapsed: a request in flight,
                 or answered and waiting in its recorder's spool

Waiting instead of falling back (`hold`, which the gate calls): a refusal that only reservations
keep out (what is spent, hardware included, leaves room for the request; what is reserved does
not) would send a request to the fallback with the budget unspent. A cold role's requests reserve
all of `max_tokens`, often several times what they cost, so a burst to it would fall back with
most of the budget left. Such a request waits instead, for at most `budget.wait_seconds` (2 s by
default), and tries again, estimated afresh, when room may have appeared: woken by this
process's own settlements (the recorder's usage writes, releases) and, for those of other
processes, by a read of what the store holds every `POLL_SECONDS` (20 ms) while any request of
this process waits (one query per process, however many wait; a role too new to estimate from
also gets its recent answers read, which other processes may have given). Once what is spent
alone leaves no room, every waiter falls back at once (spend never shrinks within a period); so
does one whose wait is over (on `clock.monotonic()`, and never after that much real time: a
clock a test froze cannot hold a request for ever), with the refusal it had and the wait:

    over budget: 8.50 + 0.17 > 9.00 USD (total), still after 2 s for requests in flight

Waiters of one process do not all try the store for the same room: each claims what it tries
for, and the others reckon with it.

    latency    a request waits only while requests in flight hold the budget it needs: about one
               model call (until they answer) + the recorder's 20 ms flush + one poll, at most
               `wait_seconds`; requests the spend alone refuses, and every request while the
               budget is not nearly reserved, never wait
    store      while requests wait, one read every 20 ms per process, plus one reservation
               transaction per waiter that room appeared for

How far the limit can be overshot: waiting admits nothing the serialized reservation would not,
so it adds no overshoot. A request costs what it costs, which may be more than it reserved, so
the limit can be passed by what the requests in flight at the moment it is reached produce beyond
their estimates. Until the role has `MIN_HISTORY` answers, requests reserve all of `max_tokens`
and cannot exceed it: a cold start overshoots by nothing. After, the estimate is the largest
output among the role's last `HISTORY` answers, so that excess is nothing while answers are no
longer than recent ones, and at most (`max_tokens` - estimate) x output price per request in
flight when they are (if answer lengths come in no particular order, a request outgrows the
largest of the last n with a chance of 1 in n + 1: 1 in 9 at 8 answers, 1 in 33 at 32). A
settled request's excess counts from the moment its usage is written (the recorder's flush
interval).

Each process renews its own reservations every refresh (`LEASE`); those of a process that died
lapse within `LEASE` and stop holding budget. Until the first successful read of the ledger, and
whenever the store cannot be reached, requests to roles with a limit are refused (`budget
unknown`): not knowing the spend must not mean spending without limit; the fallback keeps the
agent answered. Roles no limit applies to never touch the store here, nor do requests that cost
nothing (a role priced by its hardware alone): they are refused once the last snapshot of the
spend (at most one refresh old) says the budget is spent.

The store calls block: `reserve_async` and `hold_async` run them on the guard's own threads for
the event loop, and wait on the loop itself.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from controlplane import clock
from controlplane.errors import StoreError
from controlplane.manifest import Manifest
from controlplane.store import Held, Store, day_of
from controlplane.values import LedgerInterval, Period, period_bounds
from controlplane.values.money import cost
from runtime.ids import fresh_hex

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

#: How long a reservation holds without its process renewing it.
LEASE = timedelta(seconds=30)
#: How many of a role's recent answers its output estimate looks at.
HISTORY = 32
#: Threads for the store calls of `reserve_async` and of releases.
THREADS = 8
#: How many answers a role's history must hold before its estimate replaces `max_tokens`.
MIN_HISTORY = 8
#: How often a process with waiting requests re-reads what the store holds (the settlements of
#: other processes reach it this late at most; its own wake it at once).
POLL_SECONDS = 0.02


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
class Reservation:
    """An estimate held against the budgets until `settle` or `release`; `shared`: it is a row in
    the store (a role some limit applies to), which the usage write carrying `id` settles."""

    id: str
    role: str
    usd: float
    shared: bool = True


@dataclass(frozen=True)
class OverBudget:
    """A refused reservation; `reason` goes into `x-reasoning-reason` and the usage record.
    `settling`: only reservations of requests in flight keep it out (what is spent leaves room),
    so it could be taken once they settle: `hold` waits for that."""

    role: str
    reason: str
    settling: bool = False


@dataclass(frozen=True)
class _Limit:
    scope: str  # a role, or "" for the global budget
    micros: int
    period: Period

    def describe(self) -> str:
        return self.period if not self.scope else f"{self.scope} budget, {self.period}"


class BudgetGuard:
    """Reservations against each role's budget and the global one; see the module docstring."""

    def __init__(
        self,
        manifest: Manifest,
        store: Store,
        *,
        holder: str | None = None,
        lease: timedelta = LEASE,
        history: int = HISTORY,
        min_history: int = MIN_HISTORY,
        wait_seconds: float | None = None,
    ) -> None:
        self.manifest = manifest
        self.store = store
        self.project = manifest.project
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = lease
        self.history = history
        self.min_history = max(1, min(min_history, history))
        self.wait_seconds = manifest.budget.wait_seconds if wait_seconds is None else wait_seconds
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
        self._hardware: dict[str, list[LedgerInterval]] | None = None  # by role; None until read
        self._held: Held | None = None  # the last snapshot, for remaining()
        self._outputs: dict[str, deque[int]] = {role: deque(maxlen=history) for role in manifest.models}
        self._live: set[str] = set()  # this process's reservations not yet settled or released
        self._unreleased: list[str] = []  # releases that failed: tried again at the next refresh
        self._executor = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="reasoning-budget")
        self._pending: set[Future[None]] = set()  # releases and settlements under way
        # requests waiting for reservations in flight to settle (`hold`)
        self._changed = _Signal()  # what the store holds may have changed: waiters look again
        self._waiting: dict[str, int] = {}  # waiting requests, by role
        self._claimed: dict[str, int] = {}  # micros waiters are reserving right now, by role
        self._poller: threading.Thread | None = None
        self._poke = threading.Event()  # the poller reads now instead of at its next tick
        self._closed = False

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

    def estimate_output(self, role: str, max_output_tokens: int) -> int:
        """The output a request will likely produce: the most of the role's recent answers,
        never more than it may (`max_output_tokens`); all of that until the role has
        `min_history` answers."""
        with self._lock:
            recent = self._outputs.get(role)
            likely = max(recent) if recent and len(recent) >= self.min_history else max_output_tokens
        return max(0, min(likely, max_output_tokens))

    def estimate_cost(self, role: str, input_tokens: int, max_output_tokens: int) -> float:
        """What a request will likely cost: its input, plus its likely output."""
        return self.cost(role, input_tokens, self.estimate_output(role, max_output_tokens))

    # -- the request path ------------------------------------------------------------------

    def reserve(self, role: str, estimated_usd: float) -> Reservation | OverBudget:
        """Hold `estimated_usd` for a request to `role`, or say why not (then: fall back).

        Blocks on the store when a limit applies (from the event loop: `reserve_async`)."""
        wanted = max(0, _micros(estimated_usd))
        limits = self._limits_of(role)
        if not limits:
            return Reservation(fresh_hex(), role, wanted / 1_000_000, shared=False)
        with self._lock:
            hardware = self._hardware
        if hardware is None:
            return OverBudget(role, "budget unknown: the spend has not been read from the store yet")
        now = clock.now()
        starts = {limit: period_start(limit.period, now) for limit in limits}
        settling = [False]

        def decide(held: Held) -> str | None:
            refusal, settling[0] = _refusal(limits, starts, held, hardware, now, wanted)
            return refusal

        if not wanted:
            # Nothing to hold (a role priced only by its hardware): whether the budget is spent
            # is read from the last snapshot (the refresh's or a reservation's), not the store.
            with self._lock:
                held = self._held
            refusal = decide(held) if held is not None else "budget unknown: the spend has not been read yet"
            return OverBudget(role, refusal) if refusal else Reservation(fresh_hex(), role, 0.0, shared=False)
        reservation = Reservation(fresh_hex(), role, wanted / 1_000_000)
        try:
            refusal, held = self.store.reserve(
                self.project,
                id=reservation.id,
                role=role,
                micros=wanted,
                holder=self.holder,
                now=now,
                expires_at=now + self.lease,
                since_day=min(day_of(start) for start in starts.values()),
                decide=decide,
            )
        except StoreError as error:
            log.warning("budget: could not reserve (%s); the request falls back", error)
            return OverBudget(role, "budget unknown: the store cannot be reached")
        with self._lock:
            if refusal is None:
                self._live.add(reservation.id)
                reserved = dict(held.reserved)
                reserved[role] = reserved.get(role, 0) + wanted
                held = Held(spent=held.spent, reserved=reserved)
            self._held = held
        return OverBudget(role, refusal, settling=settling[0]) if refusal is not None else reservation

    async def reserve_async(self, role: str, estimated_usd: float) -> Reservation | OverBudget:
        """`reserve`, with its store call on the guard's threads: the event loop never waits on it."""
        if not self._limits_of(role):
            return self.reserve(role, estimated_usd)
        return await asyncio.get_running_loop().run_in_executor(self._executor, self.reserve, role, estimated_usd)

    def hold(self, role: str, *, input_tokens: int, max_output_tokens: int) -> Reservation | OverBudget:
        """Reserve what a request will likely cost (`estimate_cost`), or say why not.

        When only the reservations of requests in flight keep it out, wait for them to settle
        (woken by this process's settlements, and by what the store holds as read every
        `POLL_SECONDS`), estimating again each time, for at most `wait_seconds`; then it is
        refused as it was. Blocks (from the event loop: `hold_async`)."""
        outcome = self.reserve(role, self.estimate_cost(role, input_tokens, max_output_tokens))
        if not isinstance(outcome, OverBudget) or not self._may_wait(outcome):
            return outcome
        deadline = _Deadline(self.wait_seconds)
        with self._waiter(role):
            while True:
                seen = self._changed.version
                step = self._next(role, input_tokens, max_output_tokens, outcome, deadline)
                if isinstance(step, OverBudget):
                    return step
                if isinstance(step, int):
                    try:
                        outcome = self.reserve(role, step / 1_000_000)
                    finally:
                        self._unclaim(role, step)
                    if not isinstance(outcome, OverBudget) or not self._may_wait(outcome):
                        return outcome
                    continue
                self._changed.wait(seen, step)

    async def hold_async(self, role: str, *, input_tokens: int, max_output_tokens: int) -> Reservation | OverBudget:
        """`hold`, with its store calls on the guard's threads and its waits on the event loop."""
        outcome = await self.reserve_async(role, self.estimate_cost(role, input_tokens, max_output_tokens))
        if not isinstance(outcome, OverBudget) or not self._may_wait(outcome):
            return outcome
        deadline = _Deadline(self.wait_seconds)
        loop = asyncio.get_running_loop()
        with self._waiter(role):
            while True:
                seen = self._changed.version
                step = self._next(role, input_tokens, max_output_tokens, outcome, deadline)
                if isinstance(step, OverBudget):
                    return step
                if isinstance(step, int):
                    try:
                        outcome = await loop.run_in_executor(self._executor, self.reserve, role, step / 1_000_000)
                    except RuntimeError:  # the guard closed meanwhile (its threads are gone)
                        return outcome
                    finally:
                        self._unclaim(role, step)
                    if not isinstance(outcome, OverBudget) or not self._may_wait(outcome):
                        return outcome
                    continue
                await self._changed.wait_async(seen, step)

    def changed(self) -> None:
        """What the store holds may have changed (the recorder wrote usage, which settles
        reservations): requests waiting for room look again, after a fresh read."""
        self._poke.set()
        self._changed.notify()

    @property
    def waiting(self) -> int:
        """Requests waiting now for reservations in flight to settle."""
        with self._lock:
            return sum(self._waiting.values())

    def _may_wait(self, refusal: OverBudget) -> bool:
        return refusal.settling and self.wait_seconds > 0 and not self._closed

    def _next(
        self, role: str, input_tokens: int, max_output_tokens: int, last: OverBudget, deadline: _Deadline
    ) -> OverBudget | int | float:
        """What a waiting request does now, from the last snapshot of what the store holds: the
        refusal to fall back with (the budget is spent, the wait is over, or the guard closed),
        the micros to reserve (claimed, so other waiters of this process do not try for the same
        room), or how long to wait for a change."""
        wanted = max(0, _micros(self.estimate_cost(role, input_tokens, max_output_tokens)))
        now = clock.now()
        limits = self._limits_of(role)
        with self._lock:
            held, hardware = self._held, self._hardware
            if held is None or hardware is None:  # cannot be: a refusal read them; try the store
                self._claimed[role] = self._claimed.get(role, 0) + wanted
                return wanted
            claimed = dict(held.reserved)
            for other, micros in self._claimed.items():
                claimed[other] = claimed.get(other, 0) + micros
            snapshot = Held(spent=held.spent, reserved=claimed)
            starts = {limit: period_start(limit.period, now) for limit in limits}
            refusal, settling = _refusal(limits, starts, snapshot, hardware, now, wanted)
            if refusal is not None and not settling:
                # what is spent only grows within a period: no settlement can make room now
                return OverBudget(role, refusal)
            if self._closed:
                return last
            left = deadline.left()
            if left <= 0:
                return OverBudget(role, f"{last.reason}, still after {self.wait_seconds:g} s for requests in flight")
            if refusal is None:
                self._claimed[role] = self._claimed.get(role, 0) + wanted
                return wanted
        return max(left, 0.001)

    def _unclaim(self, role: str, micros: int) -> None:
        with self._lock:
            self._claimed[role] = self._claimed.get(role, 0) - micros

    @contextmanager
    def _waiter(self, role: str) -> Iterator[None]:
        """Count a waiting request; the poller runs while any does."""
        with self._lock:
            self._waiting[role] = self._waiting.get(role, 0) + 1
            if self._poller is None and not self._closed:
                self._poller = threading.Thread(target=self._poll, daemon=True, name="reasoning-budget-poll")
                self._poller.start()
        try:
            yield
        finally:
            with self._lock:
                self._waiting[role] -= 1
                if not self._waiting[role]:
                    del self._waiting[role]

    def _poll(self) -> None:
        """While requests wait: read what the store holds (and, for a role whose history is too
        short to estimate from, its recent answers, which other processes may have had), and
        wake the waiters when it changed."""
        while True:
            with self._lock:
                if self._closed or not self._waiting:
                    self._poller = None
                    return
                before = self._held
                short = [role for role in self._waiting if len(self._outputs.get(role, ())) < self.min_history]
            self._poke.clear()
            self._read_held(clock.now())
            outputs: dict[str, list[int]] = {}
            for role in short:
                with suppress(StoreError):
                    outputs[role] = self.store.recent_outputs(self.project, role, self.history)
            with self._lock:
                changed = self._held != before
                for role, recent in outputs.items():
                    if len(recent) > len(self._outputs[role]):
                        self._outputs[role] = deque(recent, maxlen=self.history)
                        changed = True
            if changed:
                self._changed.notify()
            self._poke.wait(POLL_SECONDS)

    def settle(
        self, reservation: Reservation, actual_usd: float, *, recorded: bool, output_tokens: int | None = None
    ) -> None:
        """Replace the estimate by what the request cost.

        `recorded`: the request's usage, carrying `reservation.id` and costing `actual_usd`, went
        to the recorder, whose write settles it in the store; otherwise the cost is settled in the
        store here. `output_tokens`: what the answer produced, for the next estimates."""
        with self._lock:
            if reservation.id not in self._live and reservation.shared:
                return  # settled or released already: a second call changes nothing
            self._live.discard(reservation.id)
            if output_tokens is not None and reservation.role in self._outputs:
                self._outputs[reservation.role].appendleft(output_tokens)
        if reservation.shared and not recorded:
            micros, at = max(0, _micros(actual_usd)), clock.now()
            self._later(self._settle, reservation, micros, at)

    def release(self, reservation: Reservation) -> None:
        """Give the estimate back: no call was made (the request fell back before it)."""
        with self._lock:
            if reservation.id not in self._live:
                return
            self._live.discard(reservation.id)
        self._later(self._release, [reservation.id])

    def remaining(self) -> dict[str, float | None]:
        """USD each role could still reserve now (None: no limit applies), for /metrics: read from
        the store (blocks), or as of the last reservation or refresh when it cannot be read."""
        now = clock.now()
        self._read_held(now)
        with self._lock:
            held, hardware = self._held, self._hardware
        return {
            role: (
                None
                if not limits
                else 0.0
                if held is None or hardware is None
                else max(
                    0,
                    min(
                        limit.micros - _used(limit, period_start(limit.period, now), held, hardware, now)
                        for limit in limits
                    ),
                )
                / 1_000_000
            )
            for role, limits in self._limits.items()
        }

    def _read_held(self, now: datetime) -> None:
        limited = [limit for limits in self._limits.values() for limit in limits]
        if not limited:
            return
        since = min(period_start(limit.period, now) for limit in limited)
        try:
            held = self.store.budget_held(self.project, since_day=day_of(since), now=now)
        except StoreError:
            return
        with self._lock:
            self._held = held

    def _release(self, ids: list[str]) -> None:
        try:
            self.store.release_reservations(ids)
        except StoreError as error:
            log.warning("budget: could not release %d reservation(s) (%s); trying again later", len(ids), error)
            with self._lock:
                self._unreleased.extend(ids)
            return
        self.changed()

    def _settle(self, reservation: Reservation, micros: int, at: datetime) -> None:
        try:
            self.store.settle_reservation(self.project, reservation.id, reservation.role, micros, at)
        except StoreError as error:
            # the row stays, renewed, at its estimate: the cost is counted, if not exactly
            log.warning("budget: could not settle a reservation (%s); its estimate stays held", error)
            return
        self.changed()

    def _later(self, call: Callable[..., None], *args: object) -> None:
        """Run a store call on the guard's threads: releases need not hold up the request."""
        try:
            future = self._executor.submit(call, *args)
        except RuntimeError:  # closed: a request that outlived the services; do it here
            call(*args)
            return
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def drain(self, timeout: float | None = None) -> bool:
        """Wait for the releases and settlements under way; True when none is left."""
        with self._lock:
            pending = list(self._pending)
        _, not_done = wait(pending, timeout)
        return not not_done

    # -- off the request path --------------------------------------------------------------

    def refresh(self) -> bool:
        """Read the ledger and the roles' recent outputs, renew this process's reservations;
        False (and the last figures kept) if the store could not be read."""
        now = clock.now()
        limited = [limit for limits in self._limits.values() for limit in limits]
        if not limited:
            with self._lock:
                self._hardware = {}
            return True
        since = min(period_start(limit.period, now) for limit in limited)
        try:
            with self._lock:
                retry, self._unreleased = self._unreleased, []
            if retry:
                self.store.release_reservations(retry)
            self.store.renew_reservations(self.project, self.holder, now=now, expires_at=now + self.lease)
            intervals = self.store.ledger(self.project, since=since, until=now + timedelta(microseconds=1))
            outputs = {
                role: self.store.recent_outputs(self.project, role, self.history)
                for role, spec in self.manifest.models.items()
                if self._limits_of(role) and spec.price_per_million_tokens.output
            }
            held = self.store.budget_held(self.project, since_day=day_of(since), now=now)
        except Exception as error:  # a store error or a bug: keep serving on what we knew
            log.warning(
                "budget: could not read the spend (%s: %s); keeping the last figures", type(error).__name__, error
            )
            return False
        hardware: dict[str, list[LedgerInterval]] = {}
        for interval in intervals:
            hardware.setdefault(interval.role, []).append(interval)
        with self._lock:
            self._hardware, self._held = hardware, held
            for role, recent in outputs.items():
                if recent:
                    self._outputs[role] = deque(recent, maxlen=self.history)
        return True

    def close(self) -> None:
        """Finish the releases under way; the guard's threads end. The reservations still held
        (none once the requests are done) lapse; requests still waiting are refused."""
        with self._lock:
            self._closed = True
            poller = self._poller
        self.changed()
        if poller is not None:
            poller.join()
        self._executor.shutdown(wait=True)


def _refusal(
    limits: tuple[_Limit, ...],
    starts: Mapping[_Limit, datetime],
    held: Held,
    hardware: Mapping[str, list[LedgerInterval]],
    now: datetime,
    wanted: int,
) -> tuple[str | None, bool]:
    """Why `wanted` micros cannot be reserved now (None: they can), and whether only the
    reservations in flight keep them out (what is spent alone leaves room)."""
    first: str | None = None
    for limit in limits:
        used = _used(limit, starts[limit], held, hardware, now)
        if used + wanted > limit.micros:
            reason = f"over budget: {_usd(used)} + {_usd(wanted)} > {_usd(limit.micros)} USD ({limit.describe()})"
            if used - held.reserved_by(limit.scope or None) + wanted > limit.micros:
                return reason, False  # this limit is spent: no settlement makes room in it
            first = first or reason
    return first, first is not None


class _Deadline:
    """`seconds` from now on `clock.monotonic()` (what tests drive), and never later than that
    much real time: a clock a test froze must not keep a request waiting for ever."""

    def __init__(self, seconds: float) -> None:
        self._at = clock.monotonic() + seconds
        self._real = time.monotonic() + seconds

    def left(self) -> float:
        return min(self._at - clock.monotonic(), self._real - time.monotonic())


class _Signal:
    """A version that moves when what the store holds may have changed, and wakes the threads
    and coroutines waiting for it to move."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.version = 0
        self._futures: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def notify(self) -> None:
        with self._cond:
            self.version += 1
            futures, self._futures = self._futures, []
            self._cond.notify_all()
        for loop, future in futures:
            with suppress(RuntimeError):  # its loop closed: nobody waits on it any more
                loop.call_soon_threadsafe(_wake, future)

    def wait(self, seen: int, timeout: float) -> None:
        with self._cond:
            if self.version == seen:
                self._cond.wait(timeout)

    async def wait_async(self, seen: int, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._cond:
            if self.version != seen:
                return
            self._futures.append((loop, future))
        with suppress(TimeoutError):
            await asyncio.wait_for(future, timeout)


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _used(
    limit: _Limit, start: datetime, held: Held, hardware: Mapping[str, list[LedgerInterval]], now: datetime
) -> int:
    """Spent in the limit's current period (hardware up to `now`, requests) plus what is reserved."""
    scope = limit.scope or None
    intervals = hardware.get(limit.scope, []) if scope else [i for group in hardware.values() for i in group]
    machines = round(cost(intervals, start, now) * 1_000_000)
    return machines + held.spent_since(day_of(start), scope) + held.reserved_by(scope)
