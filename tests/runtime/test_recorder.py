"""The recorder: batches on SQLite and PostgreSQL, redaction before the store, draining on close,
retries through a store failure, and a bounded queue that drops samples before usage.

No test waits on a timer: the writer's `flush_interval` is set far beyond a test's run, so
records are written exactly when the test calls `flush()` or `close()`.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from controlplane.store import Sample, Store, Usage
from controlplane.store.tables import metadata
from runtime.recorder import Recorder
from runtime.redact import Redactor

AT = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
NEVER = 3600.0  # a flush interval no test reaches: writes happen on flush() and close() only
SECRET = "sk-proj-Abc123def456ghi789jkl012"


def usage(i: int = 0, reason: str | None = None) -> Usage:
    return Usage(
        project="demo",
        role="planning",
        at=AT + timedelta(seconds=i),
        input_tokens=10 + i,
        output_tokens=5,
        latency_ms=12.5,
        cost_usd=0.001,
        outcome="ok" if reason is None else "fallback",
        reason=reason,
    )


def sample(i: int = 0, text: str = "hello") -> Sample:
    return Sample(
        project="demo",
        role="planning",
        at=AT + timedelta(seconds=i),
        source="custom",
        prompt={"messages": [{"role": "user", "content": f"{text} #{i}"}]},
        answer=f"answer #{i}",
        meta={"i": i},
    )


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store(store_url) as opened:
        yield opened


@pytest.fixture
def sqlite_store(tmp_path: Any) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path}/state.db") as opened:
        yield opened


def recorder(store: Store, **options: Any) -> Recorder:
    settings: dict[str, Any] = {"collect_samples": True, "flush_interval": NEVER, **options}
    return Recorder(store, "demo", Redactor(["email", "api_key", "token", "phone"]), **settings)


class Captured(logging.Handler):
    """The recorder's log lines; `wait(n)` returns once `n` of them contain `waiting_for`."""

    def __init__(self, waiting_for: str) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.waiting_for = waiting_for
        self.seen = threading.Condition()

    def emit(self, record: logging.LogRecord) -> None:
        with self.seen:
            self.lines.append(record.getMessage())
            self.seen.notify_all()

    def wait(self, times: int = 1) -> bool:
        with self.seen:
            return self.seen.wait_for(lambda: sum(self.waiting_for in line for line in self.lines) >= times, 30)


@pytest.fixture
def captured() -> Iterator[Captured]:
    handler = Captured("retrying")
    logger = logging.getLogger("runtime.recorder")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def down(store: Store, *tables: str) -> None:
    """Make the database refuse writes to `tables`, as a database that is down does."""
    with store.engine.begin() as connection:
        for table in tables:
            connection.execute(text(f"DROP TABLE {table}"))


class TestWriting:
    def test_batches_land_in_the_store(self, store: Store) -> None:
        with recorder(store, batch_size=200) as rec:
            tickets = [rec.record(usage(i), sample(i)) for i in range(450)]
            assert rec.flush(timeout=30)
            stats = rec.stats()
        assert tickets == list(range(1, 451))
        assert len(store.usage("demo")) == 450
        assert [s.meta["i"] for s in store.samples("demo")] == list(range(450))
        assert (stats.written_usage, stats.written_samples, stats.queued, stats.errors) == (450, 450, 0, 0)
        written = store.usage("demo")[7]
        assert written.record_id and written.model_copy(update={"record_id": None}) == usage(7)

    def test_close_drains_everything_queued(self, store: Store) -> None:
        rec = recorder(store, batch_size=1000)
        for i in range(300):
            rec.record(usage(i), sample(i))
        assert rec.stats().queued == 600  # nothing written yet: the batch is not full, no flush
        assert rec.close(timeout=30)
        assert len(store.usage("demo")) == 300
        assert len(store.samples("demo")) == 300
        assert rec.stats().queued == 0

    def test_written_through_follows_the_writer(self, sqlite_store: Store) -> None:
        with recorder(sqlite_store) as rec:
            assert rec.written_through() == 0
            rec.record(usage(1))
            second = rec.record(usage(2))
            assert rec.written_through() == 0
            rec.flush(timeout=30)
            assert rec.written_through() == second

    def test_samples_are_not_kept_when_collection_is_off(self, sqlite_store: Store) -> None:
        with recorder(sqlite_store, collect_samples=False) as rec:
            rec.record(usage(1), sample(1))
            rec.flush(timeout=30)
        assert len(sqlite_store.usage("demo")) == 1
        assert sqlite_store.samples("demo") == []

    def test_a_record_after_close_is_counted_and_never_raises(self, sqlite_store: Store) -> None:
        rec = recorder(sqlite_store)
        rec.close()
        rec.record(usage(1), sample(1))
        assert (rec.stats().dropped_usage, rec.stats().dropped_samples) == (1, 1)
        assert sqlite_store.usage("demo") == []


class TestRedaction:
    def test_nothing_unredacted_reaches_the_store(self, store: Store) -> None:
        leaky = Sample(
            project="demo",
            role="planning",
            at=AT,
            source="fallback",
            prompt={
                "system": "You are ana@example.com's assistant",
                "messages": [{"role": "user", "content": [{"type": "text", "text": f"my key: {SECRET}"}]}],
            },
            answer="Call me on +44 20 7946 0958",
            meta={"headers": {"authorization": "Bearer abcdefghijklmnop1234"}},
        )
        with recorder(store) as rec:
            rec.record(usage(1, reason=f"upstream said: invalid x-api-key {SECRET}"), leaky)
            rec.flush(timeout=30)
        [written] = store.samples("demo")
        assert written.prompt == {
            "system": "You are [REDACTED:email]'s assistant",
            "messages": [{"role": "user", "content": [{"type": "text", "text": "my key: [REDACTED:api_key]"}]}],
        }
        assert written.answer == "Call me on [REDACTED:phone]"
        assert written.meta == {"headers": {"authorization": "Bearer [REDACTED:token]"}}
        assert store.usage("demo")[0].reason == "upstream said: invalid x-api-key [REDACTED:api_key]"

    def test_nul_characters_postgresql_cannot_store_are_replaced(self, store: Store) -> None:
        with recorder(store) as rec:
            rec.record(usage(1, reason="bad\x00byte"), sample(1).model_copy(update={"answer": "a\x00b"}))
            assert rec.flush(timeout=30)
        assert store.samples("demo")[0].answer == "a\ufffdb"
        assert store.usage("demo")[0].reason == "bad\ufffdbyte"


class TestFailures:
    def test_a_failing_store_is_retried_without_losing_the_batch(self, sqlite_store: Store, captured: Captured) -> None:
        down(sqlite_store, "usage", "samples")
        rec = recorder(sqlite_store, retry_delay=0.001, max_retry_delay=0.002)
        rec.record(usage(1, reason=f"key {SECRET}"), sample(1))
        rec.record(usage(2), sample(2))
        threading.Thread(target=rec.flush, daemon=True).start()  # writes now; fails and retries
        assert captured.wait()
        assert rec.stats().errors >= 1
        assert rec.stats().queued == 4
        metadata.create_all(sqlite_store.engine)  # the database is back
        assert rec.close(timeout=30)
        assert [u.input_tokens for u in sqlite_store.usage("demo")] == [11, 12]
        assert len(sqlite_store.samples("demo")) == 2
        assert (rec.stats().dropped_usage, rec.stats().dropped_samples) == (0, 0)
        assert any("no such table: usage" in line for line in captured.lines)
        assert not any(SECRET in line for line in captured.lines)

    def test_close_gives_up_after_its_timeout_and_counts_what_is_lost(
        self, sqlite_store: Store, captured: Captured
    ) -> None:
        down(sqlite_store, "usage", "samples")
        rec = recorder(sqlite_store, retry_delay=0.001, max_retry_delay=0.002)
        for i in range(3):
            rec.record(usage(i), sample(i))
        assert not rec.close(timeout=0.05)
        stats = rec.stats()
        assert (stats.dropped_usage, stats.dropped_samples, stats.queued) == (3, 3, 0)
        assert any("3 usage records and 3 samples not written" in line for line in captured.lines)

    def test_a_table_that_is_down_loses_nothing_while_the_others_are_written(
        self, sqlite_store: Store, captured: Captured
    ) -> None:
        down(sqlite_store, "usage")
        rec = recorder(sqlite_store, retry_delay=0.001, max_retry_delay=0.002)
        rec.record(usage(1), sample(1))
        rec.record(usage(2), sample(2))
        threading.Thread(target=rec.flush, daemon=True).start()
        # The third failure has the records tried one by one; the retry after it is logged.
        assert captured.wait(times=3)
        stats = rec.stats()
        assert (stats.written_samples, stats.written_usage, stats.dropped_usage, stats.queued) == (2, 0, 0, 2)
        metadata.create_all(sqlite_store.engine)
        assert rec.close(timeout=30)
        assert len(sqlite_store.usage("demo")) == 2
        assert len(sqlite_store.samples("demo")) == 2
        assert (rec.stats().dropped_usage, rec.stats().dropped_samples) == (0, 0)

    def test_a_value_the_store_cannot_serialize_is_kept_as_text_and_marked(self, sqlite_store: Store) -> None:
        unserializable = sample(2).model_copy(update={"meta": {"i": 2, "when": object()}, "prompt": {"x": object()}})
        with recorder(sqlite_store) as rec:
            rec.record(usage(1), sample(1))
            rec.record(usage(2), unserializable)
            rec.record(usage(3), sample(3))
            assert rec.flush(timeout=30)
            stats = rec.stats()
        assert len(sqlite_store.usage("demo")) == 3
        assert [s.meta["i"] for s in sqlite_store.samples("demo")] == [1, 2, 3]
        assert sqlite_store.samples("demo")[1].meta["redaction"] == ["not_json"]
        assert (stats.dropped_usage, stats.dropped_samples) == (0, 0)


class TestBoundedMemory:
    def test_a_full_queue_drops_the_oldest_samples_and_keeps_every_usage_record(self, sqlite_store: Store) -> None:
        with recorder(sqlite_store, max_samples=3) as rec:
            for i in range(10):
                rec.record(usage(i), sample(i))
            assert rec.stats().dropped_samples == 7
            rec.flush(timeout=30)
        assert len(sqlite_store.usage("demo")) == 10
        assert [s.meta["i"] for s in sqlite_store.samples("demo")] == [7, 8, 9]

    def test_usage_is_dropped_only_past_its_own_bound(self, sqlite_store: Store) -> None:
        with recorder(sqlite_store, max_samples=2, max_usage=5) as rec:
            for i in range(8):
                rec.record(usage(i))
            stats = rec.stats()
            rec.flush(timeout=30)
        assert (stats.dropped_usage, stats.dropped_samples, stats.queued) == (3, 0, 5)
        assert [u.input_tokens - 10 for u in sqlite_store.usage("demo")] == [3, 4, 5, 6, 7]


class TestSpool:
    """What is spooled survives the process: a new recorder on the same directory writes it, once."""

    def test_records_kept_in_the_spool_are_written_by_the_next_recorder_once(
        self, sqlite_store: Store, tmp_path: Path
    ) -> None:
        spool = tmp_path / "spool"
        down(sqlite_store, "usage", "samples")
        first = recorder(sqlite_store, spool_dir=spool, retry_delay=0.001, max_retry_delay=0.002)
        for i in range(3):
            first.record(usage(i), sample(i))
        assert not first.close(timeout=0.2)  # the store is down: what is queued stays in the spool
        assert first.stats().dropped == {}
        (kept,) = spool.glob("demo.*.spool")
        assert len(kept.read_text().splitlines()) == 6
        metadata.create_all(sqlite_store.engine)  # the store is back
        with recorder(sqlite_store, spool_dir=spool) as second:
            assert second.stats().replayed == 6
            assert second.flush(timeout=30)
        assert [u.input_tokens for u in sqlite_store.usage("demo")] == [10, 11, 12]
        assert [s.meta["i"] for s in sqlite_store.samples("demo")] == [0, 1, 2]
        assert list(spool.glob("*.spool")) == []  # written and closed: nothing left to replay
        with recorder(sqlite_store, spool_dir=spool) as third:
            assert third.stats().replayed == 0

    def test_a_replayed_record_the_store_already_holds_is_not_written_again(
        self, sqlite_store: Store, tmp_path: Path
    ) -> None:
        spool = tmp_path / "spool"
        spool.mkdir()
        written = usage(1).model_copy(update={"record_id": "u-1"})
        sqlite_store.record(usage=[written])  # written just before a crash left it in the spool
        lines = [
            json.dumps({"u": written.model_dump(mode="json")}),
            json.dumps({"u": usage(2).model_copy(update={"record_id": "u-2"}).model_dump(mode="json")}),
            '{"u": {"project": "demo", "ro',  # the crash tore the last write
        ]
        (spool / "demo.crashed.spool").write_text("\n".join(lines))
        with recorder(sqlite_store, spool_dir=spool) as rec:
            assert rec.stats().replayed == 2
            assert rec.flush(timeout=30)
        assert [u.record_id for u in sqlite_store.usage("demo")] == ["u-1", "u-2"]

    def test_a_living_recorders_spool_is_left_to_it(self, sqlite_store: Store, tmp_path: Path) -> None:
        spool = tmp_path / "spool"
        with recorder(sqlite_store, spool_dir=spool) as one, recorder(sqlite_store, spool_dir=spool) as other:
            assert one.spool_path != other.spool_path
            one.record(usage(1))
            other.record(usage(2))
            assert one.flush(timeout=30) and other.flush(timeout=30)
            assert one.stats().replayed == other.stats().replayed == 0
        assert len(sqlite_store.usage("demo")) == 2

    def test_a_spool_that_fails_for_any_reason_leaves_the_records_to_the_store(
        self, sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        from runtime import recorder as module

        def broken(record: Any) -> bytes:
            raise ValueError("a bug in a line's encoding")

        monkeypatch.setattr(module, "_spool_line", broken)
        with recorder(sqlite_store, spool_dir=tmp_path / "spool") as rec:
            rec.record(usage(1), sample(1))
            assert rec.flush(timeout=30)
            rec.record(usage(2))  # the spooler thread is still there for the next ones
            assert rec.flush(timeout=30)
        assert [u.input_tokens for u in sqlite_store.usage("demo")] == [11, 12]
        assert len(sqlite_store.samples("demo")) == 1
        assert "cannot be written; records go to the store only" in caplog.text

    def test_records_are_spooled_redacted(self, sqlite_store: Store, tmp_path: Path) -> None:
        spool = tmp_path / "spool"
        down(sqlite_store, "usage", "samples")
        rec = recorder(sqlite_store, spool_dir=spool, retry_delay=0.001, max_retry_delay=0.002)
        rec.record(usage(1, reason=f"upstream said {SECRET}"), sample(1, text=f"my key is {SECRET}"))
        assert not rec.close(timeout=0.2)
        (kept,) = spool.glob("demo.*.spool")
        assert SECRET not in kept.read_text() and "key" in kept.read_text()

    def test_a_spool_line_reads_back_the_record_it_was_made_from(self, tmp_path: Path) -> None:
        from runtime.recorder import _Spool, _spool_line

        plain, accented = usage(1), sample(2, text="café — 東京")
        lonely = usage(3).model_copy(update={"reason": "half a pair: \ud800"})  # a client's "\ud800"
        assert b"\xc3\xa9" in _spool_line(accented)  # UTF-8 as it is, not escaped
        assert b"\\ud800" in _spool_line(lonely)  # what UTF-8 cannot hold: escaped, not an error
        spool = _Spool._lock(tmp_path / "demo.x.spool")
        assert spool is not None
        spool.append([plain, accented, lonely], fsync=False)
        assert spool.read() == ([plain, accented, lonely], 0)
        spool.close()


class TestAStoreThatLostItsTables:
    def test_a_database_emptied_under_the_recorder_gets_its_tables_and_the_records(
        self, store: Store, caplog: pytest.LogCaptureFixture
    ) -> None:
        with recorder(store, retry_delay=0.001, max_retry_delay=0.002) as rec:
            rec.record(usage(1), sample(1))
            assert rec.flush(timeout=30)
            metadata.drop_all(store.engine)  # the database dropped and created again, empty
            rec.record(usage(2), sample(2))
            assert rec.flush(timeout=30)
            stats = rec.stats()
        assert [u.input_tokens for u in store.usage("demo")] == [12]
        assert len(store.samples("demo")) == 1
        assert stats.dropped == {}
        assert "had none of its tables" in caplog.text


class TestOneBadRecord:
    def test_a_record_the_store_refuses_costs_no_other_and_is_counted_with_its_reason(
        self, sqlite_store: Store, caplog: pytest.LogCaptureFixture
    ) -> None:
        with sqlite_store.engine.begin() as connection:  # a store that refuses one request's usage
            connection.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON usage WHEN NEW.input_tokens = 13 "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        with recorder(sqlite_store) as rec:
            for i in range(6):
                rec.record(usage(i))
            assert rec.flush(timeout=30)
            stats = rec.stats()
        assert [u.input_tokens for u in sqlite_store.usage("demo")] == [10, 11, 12, 14, 15]
        assert stats.dropped == {("usage", "refused by the store (IntegrityError)"): 1}
        assert "refused 1 record(s)" in caplog.text

    def test_a_dropped_usage_record_still_settles_its_reservation(self, sqlite_store: Store) -> None:
        at = datetime.now(timezone.utc)
        refusal, _ = sqlite_store.reserve(
            "demo", id="r-1", role="planning", micros=5_000, holder="me", now=at,
            expires_at=at + timedelta(minutes=1), since_day=0, decide=lambda held: None,
        )  # fmt: skip
        assert refusal is None
        with recorder(sqlite_store, max_usage=1) as rec:
            rec.record(usage(1).model_copy(update={"reservation": "r-1", "at": at}))
            rec.record(usage(2))  # the first is dropped: the queue holds one
            assert rec.flush(timeout=30)
            assert rec.stats().dropped == {("usage", "queue full"): 1}
        held = sqlite_store.budget_held("demo", since_day=0, now=at)
        assert held.reserved == {}  # its estimate is no longer held...
        assert held.spent_since(0) == 1_000 + 1_000  # ...its cost is counted, as is the other's


class TestADatabaseDroppedAndCreatedAgain:
    def test_postgresql_dropped_under_the_recorder_gets_its_tables_and_the_records(
        self, _postgres: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        from sqlalchemy import create_engine

        from tests.support.stores import POSTGRES_URL

        name = f"t_drop_{uuid.uuid4().hex[:10]}"
        server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
        try:
            with Store(url) as store, recorder(store, retry_delay=0.001, max_retry_delay=0.01) as rec:
                rec.record(usage(1), sample(1))
                assert rec.flush(timeout=30)
                with server.connect() as connection:  # the database goes, with the recorder's connections
                    connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                    connection.execute(text(f'CREATE DATABASE "{name}"'))
                rec.record(usage(2), sample(2))
                assert rec.flush(timeout=30)
                assert [u.input_tokens for u in store.usage("demo")] == [12]
                assert rec.stats().dropped == {}
            assert "had none of its tables" in caplog.text
        finally:
            with server.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            server.dispose()
