"""Usage and training samples, from the request path to the store without slowing it down.

The gate (`runtime.gate`, for the proxy and the hooks) calls `Recorder.record(usage, sample)` once
per request: it appends to an in-memory queue under a lock held for a few instructions and returns
a ticket; it never waits on the database and never raises. A writer thread (a thread, not an
asyncio task, so a slow database cannot stall the event loop and the loop's shutdown cannot strand
the queue) takes batches of up to `batch_size`, redacts them and writes each batch with one
`Store.record` transaction.

Policies:
- Redaction happens on the writer thread, just before the write: the request path pays nothing
  for it, and an unredacted sample exists only in this process's memory, never in the store.
  Usage `reason`s are redacted too (an upstream's error message may quote a key). NUL characters
  and lone surrogates, which no store can keep, become U+FFFD and the sample is kept, marked.
- A store error keeps the batch and retries it, waiting `retry_delay` doubled each time up to
  `max_retry_delay`, and logs the store's one-line reason (never the data). At the third failure
  the batch is tried record by record once: a record refused while others of its kind go in is
  bad data and is dropped; the rest is retried (the store, or one table, is down). An error that
  is not the store's (data that cannot be serialized) drops only the records that cause it.
- Memory is bounded: at most `max_samples` samples and `max_usage` usage records wait. Past that
  the oldest waiting sample is dropped (training data is a sample of traffic: losing one is
  cheap). Usage is what budgets, idle shutdown and cost reports are computed from, so it is only
  dropped past its own, much larger bound, which means the store has been down for a long time.
  Every drop is counted in `stats()` for /metrics and the first of each burst is logged.
- `close(timeout)` (what SIGTERM handling calls) stops accepting, then keeps writing, retries
  included, until everything queued is in the store or `timeout` has passed; it returns whether
  everything landed, and counts and logs what did not.

Tickets: `record` returns a number, and `written_through()` the highest ticket such that every
ticket up to it is in the store (or was dropped). The budget guard uses this to tell settled
costs that the store already holds from those still on their way (see `runtime/budget.py`).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from controlplane.errors import StoreError
from controlplane.store import Sample, Store, Usage
from controlplane.values import RoutingDecision
from runtime.redact import Redactor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecorderStats:
    """Counters since start (Prometheus `*_total`), and `queued`, a gauge."""

    queued: int  # usage records and samples not yet written, the batch being written included
    written_usage: int
    written_samples: int
    dropped_usage: int
    dropped_samples: int
    errors: int  # failed write attempts; every retry counts


class _Abandoned(Exception):
    """close() ran out of time: the writer stops where it is (close() counted what is lost)."""


class Recorder:
    def __init__(
        self,
        store: Store,
        project: str,
        redactor: Redactor,
        *,
        collect_samples: bool,
        batch_size: int = 200,
        flush_interval: float = 0.5,
        max_samples: int = 2_000,
        max_usage: int = 200_000,
        retry_delay: float = 0.05,
        max_retry_delay: float = 5.0,
    ) -> None:
        if min(batch_size, max_samples, max_usage) < 1:
            raise ValueError("batch_size, max_samples and max_usage must be at least 1")
        self.store = store
        self.project = project
        self.redactor = redactor
        self.collect_samples = collect_samples
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.max_samples = max_samples
        self.max_usage = max_usage
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        # (ticket, item): tickets only rise, so each queue is in ticket order.
        self._usage: deque[tuple[int, Usage]] = deque()
        self._samples: deque[tuple[int, Sample]] = deque()
        # The router's decisions (runtime.decisions): best effort, the oldest dropped past the bound,
        # written with the batch they are taken with; no ticket (no budget waits on them).
        self._decisions: deque[Callable[[], RoutingDecision]] = deque(maxlen=max_samples)
        self._decisions_writing = 0
        self._cond = threading.Condition()
        self._ticket = 0
        self._inflight: tuple[int, int, int] | None = None  # (lowest ticket, usage, samples) being written
        self._flushing = 0  # callers in flush(): write now, without waiting for a batch to fill
        self._closing = False
        self._abandoned = False
        self._drops_logged = self._late_logged = False
        self._written_usage = self._written_samples = 0
        self._dropped_usage = self._dropped_samples = 0
        self._errors = 0
        self._thread = threading.Thread(target=self._run, name=f"reasoning-recorder-{project}", daemon=True)
        self._thread.start()

    # -- the request path ------------------------------------------------------------------

    def record(self, usage: Usage, sample: Sample | None = None) -> int:
        """Queue one request's usage and, when samples are collected, its training sample.

        Returns the request's ticket (see `written_through`). Never waits on I/O, never raises."""
        try:
            if not self.collect_samples:
                sample = None
            with self._cond:
                if self._closing:
                    if not self._late_logged:
                        log.error("recorder: requests are being recorded after close(); they are not written")
                        self._late_logged = True
                    self._drop(usage=1, samples=int(sample is not None), quiet=True)
                    return 0
                self._ticket += 1
                wake = not self._usage and not self._samples
                self._usage.append((self._ticket, usage))
                if len(self._usage) > self.max_usage:
                    self._usage.popleft()
                    self._drop(usage=1)
                if sample is not None:
                    self._samples.append((self._ticket, sample))
                    if len(self._samples) > self.max_samples:
                        self._samples.popleft()
                        self._drop(samples=1)
                # The writer needs waking for a first record (its flush_interval starts) and for a
                # full batch; in between it is either waiting out the interval or writing.
                if wake or len(self._usage) == self.batch_size or len(self._samples) == self.batch_size:
                    self._cond.notify_all()
                return self._ticket
        except Exception:  # the caller is serving a request: losing a record beats failing it
            log.exception("recorder: a record could not be queued")
            return 0

    def record_decision(self, decision: Callable[[], RoutingDecision]) -> None:
        """Queue a routing decision, as the call that makes it: the writer thread makes it (explaining
        a score costs more than the request should pay), redacts it and writes it with the next batch.
        Never waits, never raises."""
        try:
            with self._cond:
                if self._closing:
                    return
                wake = not self._usage and not self._samples and not self._decisions
                self._decisions.append(decision)
                if wake:
                    self._cond.notify_all()
        except Exception:
            log.exception("recorder: a routing decision could not be queued")

    # -- for the caller's bookkeeping and shutdown -----------------------------------------

    def written_through(self) -> int:
        """Every ticket up to this one is in the store, or was dropped."""
        with self._cond:
            return self._written_through()

    def _written_through(self) -> int:
        heads = [queue[0][0] for queue in (self._usage, self._samples) if queue]
        if self._inflight is not None:
            heads.append(self._inflight[0])
        return min(heads) - 1 if heads else self._ticket

    def flush(self, timeout: float | None = None) -> bool:
        """Write everything recorded so far, now; True once it is in the store (or dropped)."""
        with self._cond:
            target = self._ticket
            self._flushing += 1
            self._cond.notify_all()
            try:
                return self._cond.wait_for(
                    lambda: self._written_through() >= target and not self._decisions and not self._decisions_writing,
                    timeout,
                )
            finally:
                self._flushing -= 1

    def close(self, timeout: float = 10.0) -> bool:
        """Stop accepting records and write everything queued, for up to `timeout` seconds.

        True when all of it is in the store; what is not is counted as dropped and logged."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(timeout)
        with self._cond:
            if not self._thread.is_alive():
                return True
            self._abandoned = True
            _, inflight_usage, inflight_samples = self._inflight or (0, 0, 0)
            lost_usage = len(self._usage) + inflight_usage
            lost_samples = len(self._samples) + inflight_samples
            self._usage.clear()
            self._samples.clear()
            self._inflight = None
            self._drop(usage=lost_usage, samples=lost_samples, quiet=True)
            self._cond.notify_all()
        log.error(
            "recorder: closed after %.1fs with %d usage records and %d samples not written (store unavailable)",
            timeout,
            lost_usage,
            lost_samples,
        )
        return False

    def __enter__(self) -> Recorder:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def stats(self) -> RecorderStats:
        with self._cond:
            _, inflight_usage, inflight_samples = self._inflight or (0, 0, 0)
            return RecorderStats(
                queued=len(self._usage) + len(self._samples) + inflight_usage + inflight_samples,
                written_usage=self._written_usage,
                written_samples=self._written_samples,
                dropped_usage=self._dropped_usage,
                dropped_samples=self._dropped_samples,
                errors=self._errors,
            )

    def _drop(self, *, usage: int = 0, samples: int = 0, quiet: bool = False) -> None:
        """Count records that will never be written (lock held); log the first of a burst."""
        if not self._drops_logged and not quiet:
            log.warning("recorder: dropping records: the queue is full or the store refused them; see stats()")
            self._drops_logged = True
        self._dropped_usage += usage
        self._dropped_samples += samples

    # -- the writer thread -----------------------------------------------------------------

    def _run(self) -> None:
        while (batch := self._take()) is not None:
            usage, samples = batch
            try:
                self._write_decisions()
                self._write(*self._redacted(usage, samples))
            except _Abandoned:
                return
            except Exception:  # a bug here must not kill the writer: the queue would only grow
                log.exception("recorder: a batch is dropped")
                with self._cond:
                    self._drop(usage=len(usage), samples=len(samples))
            finally:
                with self._cond:
                    self._inflight = None
                    self._cond.notify_all()

    def _take(self) -> tuple[list[Usage], list[Sample]] | None:
        """The next batch to write; None once closed and drained."""
        with self._cond:
            while True:
                while not self._usage and not self._samples:
                    if self._decisions:  # decisions alone: written as an empty batch of the rest
                        break
                    if self._closing:
                        return None
                    self._cond.wait()
                if not self._full() and not self._flushing and not self._closing:
                    # Let a batch fill: record() wakes us when it is full, flush() and close()
                    # at once. The thread's own wait, never the request's.
                    self._cond.wait(self.flush_interval)
                usage = [self._usage.popleft() for _ in range(min(self.batch_size, len(self._usage)))]
                samples = [self._samples.popleft() for _ in range(min(self.batch_size, len(self._samples)))]
                if usage or samples:  # else close() gave up on them while we waited
                    lowest = min(queue[0][0] for queue in (usage, samples) if queue)
                    self._inflight = (lowest, len(usage), len(samples))
                    return [u for _, u in usage], [s for _, s in samples]
                if self._decisions:
                    return [], []

    def _full(self) -> bool:
        return len(self._usage) >= self.batch_size or len(self._samples) >= self.batch_size

    def _redacted(self, usage: list[Usage], samples: list[Sample]) -> tuple[list[Usage], list[Sample]]:
        # Neither call raises: a value that cannot be scrubbed is replaced whole, and the sample
        # says so in meta["redaction"] (runtime/redact.py), so one bad value costs no record.
        return (
            [u if u.reason is None else u.model_copy(update={"reason": self.redactor.text(u.reason)}) for u in usage],
            [self.redactor.sample(s) for s in samples],
        )

    def _write_decisions(self) -> None:
        """The decisions queued so far, redacted, in one write; dropped (and logged) if the store refuses."""
        with self._cond:
            taken = [self._decisions.popleft() for _ in range(min(self.batch_size, len(self._decisions)))]
            self._decisions_writing = len(taken)
        if not taken:
            return
        try:
            self._make_and_write(taken)
        finally:
            with self._cond:
                self._decisions_writing = 0
                self._cond.notify_all()

    def _make_and_write(self, taken: list[Callable[[], RoutingDecision]]) -> None:
        redact = self.redactor.text
        try:
            cleaned = []
            for make in taken:
                decision = make()
                cleaned.append(
                    decision.model_copy(
                        update={
                            "reason": redact(decision.reason),
                            "features": {redact(name): value for name, value in decision.features.items()},
                            "request": None if decision.request is None else self.redactor.value(decision.request),
                        }
                    )
                )
            self.store.record_decisions(cleaned)
        except Exception as error:  # best effort: a decision lost costs a label, never a request
            log.warning("recorder: %d routing decision(s) not written: %s", len(taken), type(error).__name__)

    def _write(self, usage: list[Usage], samples: list[Sample]) -> None:
        delay, failures = self.retry_delay, 0
        while usage or samples:
            try:
                self.store.record(usage=usage, samples=samples)
            except Exception as error:
                failures += 1
                with self._cond:
                    self._errors += 1
                store_down = isinstance(error, StoreError)
                if len(usage) + len(samples) > 1 and (failures == 3 or not store_down):
                    usage, samples = self._one_by_one(usage, samples)
                elif not store_down:
                    self._refused([*usage, *samples], error)
                    return
                if usage or samples:
                    log.warning("recorder: the store refused a write, retrying in %.2fs: %s", delay, error)
                    self._backoff(delay)
                    delay = min(delay * 2, self.max_retry_delay)
                continue
            with self._cond:
                self._written_usage += len(usage)
                self._written_samples += len(samples)
                self._drops_logged = False
                if self._abandoned:  # close() gave up while this write was under way: it landed
                    self._dropped_usage -= len(usage)
                    self._dropped_samples -= len(samples)
            return

    def _one_by_one(self, usage: list[Usage], samples: list[Sample]) -> tuple[list[Usage], list[Sample]]:
        """Write each record alone, once; returns what to retry.

        A record is dropped as one the store refuses when its error is not the store's, or when
        a record of its kind went in meanwhile (the store is up, this one is the problem). The
        rest is retried: the store, or that one table, is down."""
        failed: list[tuple[Usage | Sample, Exception]] = []
        went_in: set[type] = set()
        items: list[Usage | Sample] = [*usage, *samples]
        for item in items:
            try:
                if isinstance(item, Usage):
                    self.store.record(usage=[item])
                else:
                    self.store.record(samples=[item])
            except Exception as refused:
                failed.append((item, refused))
                continue
            went_in.add(type(item))
            with self._cond:
                self._written_usage += isinstance(item, Usage)
                self._written_samples += isinstance(item, Sample)
                self._out_of_batch(item)
        retry: list[Usage | Sample] = []
        for item, reason in failed:
            if isinstance(reason, StoreError) and type(item) not in went_in:
                retry.append(item)
            else:
                self._refused([item], reason)
        return [u for u in retry if isinstance(u, Usage)], [s for s in retry if isinstance(s, Sample)]

    def _out_of_batch(self, item: Usage | Sample) -> None:
        """One record of the batch in hand is settled, written or dropped (lock held)."""
        if self._inflight is not None:
            lowest, usage, samples = self._inflight
            self._inflight = (lowest, usage - isinstance(item, Usage), samples - isinstance(item, Sample))

    def _refused(self, items: list[Usage | Sample], error: Exception) -> None:
        # The type only: a message about data the store refused may quote the data.
        log.error("recorder: the store refused %d record(s) (%s); dropped", len(items), type(error).__name__)
        with self._cond:
            for item in items:
                self._out_of_batch(item)
            self._drop(
                usage=sum(isinstance(i, Usage) for i in items), samples=sum(isinstance(i, Sample) for i in items)
            )

    def _backoff(self, delay: float) -> None:
        with self._cond:
            if not self._abandoned:
                # flush() and close() notify: a retry then comes sooner, which is what they want.
                self._cond.wait(delay)
            if self._abandoned:
                raise _Abandoned
