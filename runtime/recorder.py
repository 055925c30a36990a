"""Usage and training samples, from the request path to the store without slowing it down or
losing them.

    record() ──► memory queue ──► spooler thread ──► spool file ──► writer thread ──► store
                 (a few µs,        every `flush_interval`:           batches of up to
                 never I/O)        redact, append, fsync             `batch_size`, retried

The gate (`runtime.gate`, for the proxy and the hooks) calls `Recorder.record(usage, sample)` once
per request: it gives the records their ids, appends them to an in-memory queue under a lock held
for a few instructions and returns a ticket; it never waits on I/O and never raises. Threads, not
asyncio tasks, so a slow disk or database cannot stall the event loop and the loop's shutdown
cannot strand the queue:

- The spooler wakes `flush_interval` (20 ms) after a record arrives (at once for a full batch,
  `flush()` and `close()`), redacts what is queued, appends it to the spool file (one JSON line a
  record) and fsyncs it, then hands it to the writer. A `kill -9` therefore loses at most the
  records of the last `flush_interval` plus the few ms the spooling takes (under `LOSS_BOUND`,
  100 ms, as measured under load); a machine that loses power, the same (the fsync).
- The writer writes what is spooled with one `Store.record` transaction a batch. Every record
  has an id the store keeps (unique), so writing one twice writes it once. When everything spooled
  is in the store, the spool file is truncated.
- On start, the spool files of recorders that are gone (one file per living recorder, held with
  `flock`; a dead process's lock is released by the kernel) are replayed into the store: what was
  spooled before a crash is written after it, nothing twice.

Policies:
- Redaction happens before anything touches the disk: an unredacted sample exists only in this
  process's memory. Usage `reason`s are redacted too (an upstream's error message may quote a
  key). A value redaction cannot handle is replaced and the sample marked (`runtime/redact.py`);
  one record that fails anyway costs only itself.
- A store error keeps the batch and retries it, waiting `retry_delay` doubled each time up to
  `max_retry_delay`, and logs the store's one-line reason (never the data). At the third failure
  the batch is tried record by record once: a record refused while others of its kind go in is
  bad data and is dropped; the rest is retried (the store, or one table, is down). A database
  that has none of the store's tables (dropped and created again) gets them again, and says so.
- Memory is bounded: at most `max_samples` samples and `max_usage` usage records wait (queued or
  spooled). Past that the oldest waiting sample is dropped (training data is a sample of traffic:
  losing one is cheap). Usage is what budgets, idle shutdown and cost reports are computed from,
  so it is only dropped past its own, much larger bound, which means the store has been down for
  a long time. Every drop is counted by reason in `stats()` for /metrics and logged with it.
  A usage record that is dropped still settles its budget reservation at its cost.
- `close(timeout)` (what SIGTERM handling calls) stops accepting, then keeps writing, retries
  included, until everything queued is in the store or `timeout` has passed; it returns whether
  everything landed. What did not stays in the spool for the next start (without a spool: counted
  as dropped and logged).

Tickets: `record` returns a number, and `written_through()` the highest ticket such that every
ticket up to it is in the store (or was dropped). Callers use it to wait for their records.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from pydantic_core import PydanticSerializationError

from controlplane.errors import StoreError
from controlplane.store import Sample, Store, Usage
from controlplane.values import RoutingDecision
from runtime.ids import fresh_hex
from runtime.redact import Redactor

log = logging.getLogger(__name__)

#: How long the first record of a batch waits in memory before the batch is spooled. What a
#: `kill -9` can lose is what was recorded in the last FLUSH_INTERVAL plus the time to redact,
#: write and fsync it: under 100 ms (LOSS_BOUND) unless the machine starves the spooler's thread.
FLUSH_INTERVAL = 0.02
LOSS_BOUND = 0.1

#: The records of one spool write: appended and fsynced together.
_Record = Usage | Sample


@dataclass(frozen=True)
class RecorderStats:
    """Counters since start (Prometheus `*_total`), and `queued`, a gauge."""

    queued: int  # usage records and samples not yet written, the batch being written included
    written_usage: int
    written_samples: int
    dropped_usage: int
    dropped_samples: int
    errors: int  # failed write attempts; every retry counts
    #: (kind: "usage" | "sample", reason) -> records dropped for it
    dropped: dict[tuple[str, str], int] = field(default_factory=dict)
    replayed: int = 0  # records read back from spool files at start
    spooled: int = 0  # records in the spool, not yet in the store


class _Abandoned(Exception):
    """close() ran out of time: the writer stops where it is (close() counted what is lost)."""


def _spool_line(record: _Record) -> bytes:
    """A record's spool line. pydantic's own serializer, straight to UTF-8 bytes, is a third of
    the cost of model_dump then json.dumps on the spooler thread every translated request feeds;
    a string it cannot encode as UTF-8 (a lone surrogate: the redactor replaces them in what it
    scrubs, but a record's other fields are not scrubbed) takes the standard library's escapes
    instead, as before."""
    key = b'{"u":' if isinstance(record, Usage) else b'{"s":'
    try:
        return key + record.__pydantic_serializer__.to_json(record, fallback=str) + b"}\n"
    except PydanticSerializationError:
        return key + json.dumps(record.model_dump(mode="json"), default=str).encode() + b"}\n"


class _Spool:
    """An append-only file of redacted records, one JSON line each, held with an exclusive flock."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path, self.fd = path, fd

    @classmethod
    def claim(cls, directory: Path, project: str) -> tuple[_Spool, list[_Spool]]:
        """A spool file of our own in `directory`, and the files of recorders that are gone (each
        locked by us now)."""
        directory.mkdir(parents=True, exist_ok=True)
        own: _Spool | None = None
        orphans: list[_Spool] = []
        for path in sorted(directory.glob(f"{project}.*.spool")):
            spool = cls._lock(path)
            if spool is None:
                continue  # a living recorder's
            if own is None:
                own = spool
            else:
                orphans.append(spool)
        while own is None:
            own = cls._lock(directory / f"{project}.{uuid.uuid4().hex[:12]}.spool")
        return own, orphans

    @staticmethod
    def _lock(path: Path) -> _Spool | None:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return _Spool(path, fd)

    def read(self) -> tuple[list[_Record], int]:
        """The records in the file, and how many lines could not be read (a write torn by a crash)."""
        with open(self.fd, "rb", closefd=False) as file:
            file.seek(0)
            lines = file.read().splitlines()
        records: list[_Record] = []
        torn = 0
        for line in lines:
            try:
                entry = json.loads(line)
                records.append(Usage.model_validate(entry["u"]) if "u" in entry else Sample.model_validate(entry["s"]))
            except Exception:
                torn += 1
        return records, torn

    def append(self, records: list[_Record], *, fsync: bool) -> None:
        if not records:
            return
        data = b"".join(map(_spool_line, records))
        written = 0
        while written < len(data):
            written += os.write(self.fd, data[written:])
        if fsync:
            os.fsync(self.fd)

    def truncate(self) -> None:
        os.ftruncate(self.fd, 0)

    def close(self, *, remove: bool = False) -> None:
        if remove:
            self.path.unlink(missing_ok=True)
        os.close(self.fd)  # the flock goes with it


class _DecisionWriter:
    """The router's decisions (runtime.decisions), best effort and apart from usage and samples:
    the oldest are dropped past the bound, and each is made (explaining a score costs more than a
    request should pay), redacted and written on a thread of its own. No budget waits on them, and
    a decision lost costs a label, never a request."""

    def __init__(self, store: Store, redactor: Redactor, bound: int, batch_size: int, project: str) -> None:
        self.store, self.redactor, self.batch_size = store, redactor, batch_size
        self._queue: deque[Callable[[], RoutingDecision]] = deque(maxlen=bound)
        self._cond = threading.Condition()
        self._writing = 0
        self._closing = False
        self._thread = threading.Thread(target=self._run, name=f"reasoning-decisions-{project}", daemon=True)
        self._thread.start()

    def add(self, make: Callable[[], RoutingDecision]) -> None:
        with self._cond:
            if not self._closing:
                self._queue.append(make)
                self._cond.notify_all()

    def flush(self, timeout: float | None) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._writing, timeout)

    def close(self, timeout: float) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._closing)
                if not self._queue:
                    return
                taken = [self._queue.popleft() for _ in range(min(self.batch_size, len(self._queue)))]
                self._writing = len(taken)
            try:
                self._write(taken)
            finally:
                with self._cond:
                    self._writing = 0
                    self._cond.notify_all()

    def _write(self, taken: list[Callable[[], RoutingDecision]]) -> None:
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
        except Exception as error:  # best effort
            log.warning("recorder: %d routing decision(s) not written: %s", len(taken), type(error).__name__)


class Recorder:
    #: Called (on the writer thread, must not block) after usage is written or a dropped record's
    #: reservation settled: the budget's waiters look again (`BudgetGuard.changed`).
    on_write: Callable[[], object] | None = None

    def __init__(
        self,
        store: Store,
        project: str,
        redactor: Redactor,
        *,
        collect_samples: bool,
        batch_size: int = 200,
        flush_interval: float = FLUSH_INTERVAL,
        max_samples: int = 2_000,
        max_usage: int = 200_000,
        retry_delay: float = 0.05,
        max_retry_delay: float = 5.0,
        spool_dir: Path | None = None,
        fsync: bool = True,
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
        self.fsync = fsync
        # (ticket, item): tickets only rise, so each queue is in ticket order.
        self._usage: deque[tuple[int, Usage]] = deque()  # recorded, not yet spooled
        self._samples: deque[tuple[int, Sample]] = deque()
        self._spooled_usage: deque[tuple[int, Usage]] = deque()  # redacted, spooled, not yet written
        self._spooled_samples: deque[tuple[int, Sample]] = deque()
        self._cond = threading.Condition()
        self._ticket = 0
        self._spooling: tuple[int, int, int] | None = None  # (lowest ticket, usage, samples) being spooled
        self._inflight: tuple[int, int, int] | None = None  # (lowest ticket, usage, samples) being written
        self._flushing = 0  # callers in flush(): write now, without waiting for a batch to fill
        self._closing = False
        self._spooler_done = False
        self._abandoned = False
        self._drops_logged: set[tuple[str, str]] = set()
        self._late_logged = False
        self._written_usage = self._written_samples = 0
        self._dropped: dict[tuple[str, str], int] = {}
        self._errors = 0
        self._replayed = 0
        self._to_settle: list[Usage] = []  # dropped usage whose reservations the writer settles
        self._settling = 0
        self._spool: _Spool | None = None
        if spool_dir is not None:
            self._spool, orphans = _Spool.claim(Path(spool_dir), project)
            self._replay(orphans)
        self._spooler = threading.Thread(target=self._spool_loop, name=f"reasoning-spooler-{project}", daemon=True)
        self._thread = threading.Thread(target=self._run, name=f"reasoning-recorder-{project}", daemon=True)
        self._spooler.start()
        self._thread.start()
        self._decisions = _DecisionWriter(store, redactor, max_samples, batch_size, project)

    @property
    def spool_path(self) -> Path | None:
        return self._spool.path if self._spool is not None else None

    def _replay(self, orphans: list[_Spool]) -> None:
        """What our file and the gone recorders' files hold goes to the writer; the orphans' records
        are copied into our file first, so a crash now still loses nothing."""
        assert self._spool is not None
        records, torn = self._spool.read()
        names = [str(self._spool.path), *(str(o.path) for o in orphans)]
        for spool in orphans:
            theirs, their_torn = spool.read()
            self._spool.append(theirs, fsync=True)
            records += theirs
            torn += their_torn
            spool.close(remove=True)
        for record in records:
            self._ticket += 1
            if isinstance(record, Usage):
                self._spooled_usage.append((self._ticket, record))
            else:
                self._spooled_samples.append((self._ticket, record))
        self._replayed = len(records)
        if records or torn:
            log.warning(
                "recorder: replaying %d record(s) spooled before a restart (%s)%s",
                len(records),
                ", ".join(names),
                f"; {torn} torn line(s) skipped" if torn else "",
            )

    # -- the request path ------------------------------------------------------------------

    def record(self, usage: Usage, sample: Sample | None = None) -> int:
        """Queue one request's usage and, when samples are collected, its training sample.

        Returns the request's ticket (see `written_through`). Never waits on I/O, never raises."""
        try:
            if not self.collect_samples:
                sample = None
            if usage.record_id is None:
                usage = usage.model_copy(update={"record_id": fresh_hex()})
            if sample is not None and sample.record_id is None:
                sample = sample.model_copy(update={"record_id": fresh_hex()})
            with self._cond:
                if self._closing:
                    if not self._late_logged:
                        log.error("recorder: requests are being recorded after close(); they are not written")
                        self._late_logged = True
                    self._drop("recorded after close", usage=[usage], samples=[sample] if sample else [], quiet=True)
                    return 0
                self._ticket += 1
                wake = not self._usage and not self._samples
                self._usage.append((self._ticket, usage))
                if len(self._usage) + len(self._spooled_usage) > self.max_usage:
                    oldest = (self._spooled_usage or self._usage).popleft()[1]
                    self._drop("queue full", usage=[oldest])
                if sample is not None:
                    self._samples.append((self._ticket, sample))
                    if len(self._samples) + len(self._spooled_samples) > self.max_samples:
                        self._drop("queue full", samples=[(self._spooled_samples or self._samples).popleft()[1]])
                # The spooler needs waking for a first record (its flush_interval starts) and for a
                # full batch; in between it is either waiting out the interval or spooling.
                if wake or len(self._usage) == self.batch_size or len(self._samples) == self.batch_size:
                    self._cond.notify_all()
                return self._ticket
        except Exception:  # the caller is serving a request: losing a record beats failing it
            log.exception("recorder: a record could not be queued")
            return 0

    def record_decision(self, decision: Callable[[], RoutingDecision]) -> None:
        """Queue a routing decision, as the call that makes it (see `_DecisionWriter`). Never waits,
        never raises."""
        try:
            self._decisions.add(decision)
        except Exception:
            log.exception("recorder: a routing decision could not be queued")

    # -- for the caller's bookkeeping and shutdown -----------------------------------------

    def written_through(self) -> int:
        """Every ticket up to this one is in the store, or was dropped."""
        with self._cond:
            return self._written_through()

    def _written_through(self) -> int:
        queues = (self._usage, self._samples, self._spooled_usage, self._spooled_samples)
        heads = [queue[0][0] for queue in queues if queue]
        heads += [busy[0] for busy in (self._inflight, self._spooling) if busy is not None]
        return min(heads) - 1 if heads else self._ticket

    def flush(self, timeout: float | None = None) -> bool:
        """Write everything recorded so far, now; True once it is in the store (or dropped)."""
        with self._cond:
            target = self._ticket
            self._flushing += 1
            self._cond.notify_all()
            started = time.monotonic()
            try:
                written = self._cond.wait_for(
                    lambda: self._written_through() >= target and not self._to_settle and not self._settling, timeout
                )
            finally:
                self._flushing -= 1
        left = None if timeout is None else max(0.0, timeout - (time.monotonic() - started))
        return self._decisions.flush(left) and written

    def close(self, timeout: float = 10.0) -> bool:
        """Stop accepting records and write everything queued, for up to `timeout` seconds.

        True when all of it is in the store; what is not stays in the spool for the next start
        (without a spool it is counted as dropped); either way it is logged."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        self._decisions.close(timeout)
        self._spooler.join(max(0.0, deadline - time.monotonic()))
        self._thread.join(max(0.0, deadline - time.monotonic()))
        with self._cond:
            if not self._thread.is_alive():
                if self._spool is not None:
                    self._spool.close(remove=True)  # everything in it is in the store
                    self._spool = None
                return True
            self._abandoned = True
            _, inflight_usage, inflight_samples = self._inflight or (0, 0, 0)
            lost_usage = len(self._usage) + len(self._spooled_usage) + inflight_usage
            lost_samples = len(self._samples) + len(self._spooled_samples) + inflight_samples
            kept = self._spool is not None and not self._usage and not self._samples
            kept_in = self.spool_path
            for queue in (self._usage, self._samples, self._spooled_usage, self._spooled_samples):
                queue.clear()
            self._inflight = None
            if self._spool is not None:  # kept as it is for the next recorder (its lock released)
                self._spool.close()
                self._spool = None
            if not kept:
                self._count("usage", "store unavailable at shutdown", lost_usage)
                self._count("sample", "store unavailable at shutdown", lost_samples)
            self._cond.notify_all()
        if kept:
            log.error(
                "recorder: closed after %.1fs with %d usage records and %d samples not written (store unavailable); "
                "they are kept in %s and written at the next start",
                timeout,
                lost_usage,
                lost_samples,
                kept_in,
            )
        else:
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
            _, spooling_usage, spooling_samples = self._spooling or (0, 0, 0)
            spooled = len(self._spooled_usage) + len(self._spooled_samples) + inflight_usage + inflight_samples
            return RecorderStats(
                queued=len(self._usage) + len(self._samples) + spooling_usage + spooling_samples + spooled,
                written_usage=self._written_usage,
                written_samples=self._written_samples,
                dropped_usage=sum(n for (kind, _), n in self._dropped.items() if kind == "usage"),
                dropped_samples=sum(n for (kind, _), n in self._dropped.items() if kind == "sample"),
                errors=self._errors,
                dropped=dict(self._dropped),
                replayed=self._replayed,
                spooled=spooled if self._spool is not None else 0,
            )

    def _drop(
        self, reason: str, *, usage: Sequence[Usage] = (), samples: Sequence[Sample] = (), quiet: bool = False
    ) -> None:
        """Count records that will never be written (lock held); log the first of a burst per reason."""
        for kind, items in (("usage", usage), ("sample", samples)):
            if not items:
                continue
            self._count(kind, reason, len(items))
            if not quiet and (kind, reason) not in self._drops_logged:
                log.warning("recorder: dropping %s records: %s (counted in /metrics)", kind, reason)
                self._drops_logged.add((kind, reason))
        # its cost must still count against the budget: the writer settles its reservation
        self._to_settle.extend(item for item in usage if item.reservation is not None)
        if self._to_settle:
            self._cond.notify_all()

    def _count(self, kind: str, reason: str, n: int) -> None:
        if n:
            self._dropped[(kind, reason)] = self._dropped.get((kind, reason), 0) + n

    def _settle(self, usage: Usage) -> None:
        assert usage.reservation is not None
        try:
            self.store.settle_reservation(
                usage.project, usage.reservation, usage.role, round(usage.cost_usd * 1_000_000), usage.at
            )
        except Exception as error:
            log.warning("recorder: a dropped record's reservation could not be settled (%s)", type(error).__name__)

    # -- the spooler thread ----------------------------------------------------------------

    def _spool_loop(self) -> None:
        while (taken := self._take_recorded()) is not None:
            usage, samples = taken
            redacted_usage, redacted_samples = self._redacted(usage, samples)
            spool = self._spool
            try:
                if spool is not None:
                    spool.append([*(u for _, u in redacted_usage), *(s for _, s in redacted_samples)], fsync=self.fsync)
            except OSError as error:  # a full or failing disk: the records still go to the store
                log.error(
                    "recorder: the spool %s cannot be written (%s); records go to the store only",
                    self.spool_path,
                    error,
                )
            except Exception:  # a bug in a line's encoding must not end recording: same way out
                log.exception("recorder: the spool %s cannot be written; records go to the store only", self.spool_path)
            with self._cond:
                self._spooled_usage.extend(redacted_usage)
                self._spooled_samples.extend(redacted_samples)
                self._spooling = None
                self._cond.notify_all()
        with self._cond:
            self._spooler_done = True
            self._cond.notify_all()

    def _take_recorded(self) -> tuple[list[tuple[int, Usage]], list[tuple[int, Sample]]] | None:
        """What to spool next; None once closed and everything recorded is spooled."""
        with self._cond:
            while True:
                while not self._usage and not self._samples:
                    if self._closing:
                        return None
                    self._cond.wait()
                if not self._full() and not self._flushing and not self._closing:
                    # Let a batch fill: record() wakes us when it is full, flush() and close()
                    # at once. The thread's own wait, never the request's.
                    self._cond.wait(self.flush_interval)
                usage = list(self._usage)
                samples = list(self._samples)
                self._usage.clear()
                self._samples.clear()
                if usage or samples:
                    lowest = min(queue[0][0] for queue in (usage, samples) if queue)
                    self._spooling = (lowest, len(usage), len(samples))
                    return usage, samples

    def _full(self) -> bool:
        return len(self._usage) >= self.batch_size or len(self._samples) >= self.batch_size

    def _redacted(
        self, usage: list[tuple[int, Usage]], samples: list[tuple[int, Sample]]
    ) -> tuple[list[tuple[int, Usage]], list[tuple[int, Sample]]]:
        # The redactor does not raise: a value that cannot be scrubbed is replaced whole and the
        # sample says so in meta["redaction"]. Should it anyway, only that record pays.
        out_usage: list[tuple[int, Usage]] = []
        out_samples: list[tuple[int, Sample]] = []
        for ticket, u in usage:
            try:
                out_usage.append(
                    (ticket, u if u.reason is None else u.model_copy(update={"reason": self.redactor.text(u.reason)}))
                )
            except Exception:
                log.exception("recorder: a usage reason could not be redacted; it is left out")
                out_usage.append((ticket, u.model_copy(update={"reason": "[unredactable]"})))
        for ticket, s in samples:
            try:
                out_samples.append((ticket, self.redactor.sample(s)))
            except Exception:
                log.exception("recorder: a sample could not be redacted; it is dropped")
                with self._cond:
                    self._drop("redaction failed", samples=[s])
        return out_usage, out_samples

    # -- the writer thread -----------------------------------------------------------------

    def _settle_dropped(self) -> None:
        with self._cond:
            dropped, self._to_settle = self._to_settle, []
            self._settling = len(dropped)
        try:
            for item in dropped:
                self._settle(item)
        finally:
            with self._cond:
                self._settling = 0
                self._cond.notify_all()
        if dropped and self.on_write is not None:
            self.on_write()

    def _run(self) -> None:
        while (batch := self._take()) is not None:
            self._settle_dropped()
            if batch == ([], []):
                continue
            usage, samples = batch
            try:
                self._write(usage, samples)
            except _Abandoned:
                return
            except Exception:  # a bug here must not kill the writer: the queue would only grow
                log.exception("recorder: a batch could not be written; trying its records one by one")
                try:
                    usage, samples = self._one_by_one(usage, samples)
                    if usage or samples:
                        with self._cond:
                            self._drop("write failed", usage=usage, samples=samples)
                except Exception:
                    log.exception("recorder: a batch is dropped")
                    with self._cond:
                        self._drop("write failed", usage=usage, samples=samples)
            finally:
                with self._cond:
                    self._inflight = None
                    self._compact()
                    self._cond.notify_all()

    def _compact(self) -> None:
        """Empty the spool file once everything in it is in the store (lock held)."""
        if self._spool is None or self._abandoned or self._spooling is not None or self._inflight is not None:
            return
        if self._spooled_usage or self._spooled_samples:
            return
        try:
            self._spool.truncate()
        except OSError as error:
            log.warning("recorder: the spool %s could not be emptied (%s)", self.spool_path, error)

    def _take(self) -> tuple[list[Usage], list[Sample]] | None:
        """The next batch to write; None once closed and drained."""
        with self._cond:
            while True:
                while not self._spooled_usage and not self._spooled_samples:
                    if self._to_settle:
                        return [], []
                    if self._spooler_done:
                        return None
                    self._cond.wait()
                usage = [self._spooled_usage.popleft() for _ in range(min(self.batch_size, len(self._spooled_usage)))]
                samples = [
                    self._spooled_samples.popleft() for _ in range(min(self.batch_size, len(self._spooled_samples)))
                ]
                if usage or samples:  # else close() gave up on them while we waited
                    lowest = min(queue[0][0] for queue in (usage, samples) if queue)
                    self._inflight = (lowest, len(usage), len(samples))
                    return [u for _, u in usage], [s for _, s in samples]

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
                if store_down:
                    self._recreate_tables()
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
                self._drops_logged.clear()
            if usage and self.on_write is not None:
                self.on_write()
            return

    def _recreate_tables(self) -> None:
        """A database with none of the store's tables was dropped and created again under us: make
        them, so what we hold can be written."""
        try:
            if self.store.recreate_if_empty():
                log.warning(
                    "recorder: the state database %s had none of its tables (dropped and created again?); created them",
                    self.store.display_url,
                )
        except Exception as error:  # the store is down: the retry says so
            log.debug("recorder: could not check the store's tables (%s)", error)

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
                f"refused by the store ({type(error).__name__})",
                usage=[i for i in items if isinstance(i, Usage)],
                samples=[i for i in items if isinstance(i, Sample)],
                quiet=True,
            )

    def _backoff(self, delay: float) -> None:
        with self._cond:
            if not self._abandoned:
                # flush() and close() notify: a retry then comes sooner, which is what they want.
                self._cond.wait(delay)
            if self._abandoned:
                raise _Abandoned
