"""Plan's reads of an SQLite store through the stdlib: the same SQL as the repositories', the
same values back, and SQLAlchemy left unimported until something else asks for it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from controlplane.store import Store, compile, reads
from controlplane.store.applied import AppliedRoles
from controlplane.store.database import plain_sqlite_file
from controlplane.store.events import Events
from controlplane.store.ledger import Ledger
from controlplane.store.overrides import Overrides
from controlplane.store.records import Records
from controlplane.store.tables import metadata
from controlplane.values import AppliedRole, Billing, Event, Spec
from controlplane.values.override import Override

NOW = datetime(2026, 11, 24, 9, 0, 0, 250_000, tzinfo=timezone.utc)
BERLIN = timezone(timedelta(hours=1))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An SQLite store with rows of every kind plan reads, in two projects, written through SQLAlchemy."""
    made = Store(f"sqlite:///{tmp_path}/state.db")
    for project in ("demo", "other"):
        for i, role in enumerate(("planning", "coding")):
            made.record_applied(
                project,
                AppliedRole(
                    role=role,
                    enabled=i == 0,
                    endpoint_id=None if i else "ep_1",
                    deployment_id="dep_1",
                    applied_at=NOW + timedelta(minutes=i),
                    spec=Spec(model="org/m", hardware="h", min_replicas=i, max_replicas=1),
                ),
            )
            made.set_override(
                project,
                Override(role=role, run=bool(i), until=None if i else NOW, actor="ana", set_at=NOW.astimezone(BERLIN)),
            )
            for k, kind in enumerate(("create", "stop", "scale")):
                made.add_event(
                    Event(
                        at=NOW + timedelta(hours=k),
                        project=project,
                        role=role if k < 2 else None,
                        actor="apply",
                        kind=kind,
                        reason="ü",
                        detail={"policy": "idle", "n": k},
                    )
                )
            made.ledger_sync(
                project,
                role,
                [Billing(deployment_id=f"dep_{i}", hardware="h", replicas=1, cents_per_hour=399)],
                at=NOW,
                by="apply",
            )
            made.ledger_sync(project, role, [], at=NOW + timedelta(hours=2), by="observe")
            made.ledger_sync(
                project,
                role,
                [Billing(deployment_id=f"dep_{i}", hardware="h", replicas=2, cents_per_hour=399)],
                at=NOW + timedelta(hours=3),
                by="apply",
            )
            for n in range(3):
                made.record_usage(
                    project,
                    role,
                    at=NOW + timedelta(minutes=10 * n),
                    input_tokens=n,
                    output_tokens=2 * n,
                    cost_usd=0.001 * n,
                )
    yield made
    made.close()


SINCE = NOW + timedelta(minutes=15)
UNTIL = NOW + timedelta(hours=2, minutes=30)
#: the values each optional argument takes in the comparisons (every compiled combination is run)
OPTIONAL = {
    "since": SINCE.astimezone(BERLIN),
    "until": UNTIL,
    "role": "coding",
    "kinds": {"stop", "create"},
    "open_only": True,
}


def combinations(read: str) -> Iterator[dict[str, object]]:
    for key in reads.READS:
        name, _, given = key.partition(":")
        if name == read:
            yield {arg: OPTIONAL[arg] for arg in given.split(",") if arg}


class TestTheStdlibReads:
    def test_the_compiled_sql_is_what_the_repositories_statements_compile_to(self) -> None:
        assert Path(compile.TARGET).read_text(encoding="utf-8") == compile.source()
        assert frozenset(metadata.tables) == reads.TABLES

    def test_an_sqlite_store_reads_through_the_stdlib(self, store: Store) -> None:
        assert store.database.reader is not None
        assert store.applied.__self__ is store.database.reader  # type: ignore[attr-defined]

    @pytest.mark.parametrize("read", ["events", "ledger", "usage_totals"])
    def test_every_combination_reads_what_the_repository_reads(self, store: Store, read: str) -> None:
        database = store.database
        repository = {"events": Events, "ledger": Ledger, "usage_totals": Records}[read](database)
        reader = database.reader
        assert reader is not None
        checked = 0
        for project in ("demo", "other", "nobody"):
            for args in combinations(read):
                theirs = getattr(repository, read)(project, **args)
                ours = getattr(reader, read)(project, **args)
                assert ours == theirs, (project, args)
                checked += bool(theirs)
        assert checked >= len(list(combinations(read)))  # not a comparison of empty answers

    def test_applied_roles_overrides_and_last_requests_read_what_the_repositories_read(self, store: Store) -> None:
        reader = store.database.reader
        assert reader is not None
        for project in ("demo", "other", "nobody"):
            assert reader.applied(project) == AppliedRoles(store.database).applied(project)
            assert reader.overrides(project) == Overrides(store.database).overrides(project)
            assert reader.last_requests(project) == Records(store.database).last_requests(project)
        assert reader.applied("demo")["planning"].applied_at.tzinfo == timezone.utc
        assert reader.events("demo", kinds=()) == []

    def test_a_lost_table_is_the_same_error_through_the_stdlib(self, store: Store) -> None:
        from controlplane.errors import StoreStateLost

        with store.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE ledger")
        with pytest.raises(StoreStateLost, match="a table it had is gone"):
            store.ledger("demo")

    @pytest.mark.parametrize(
        "url",
        [
            "sqlite:////tmp/a/state.db",
            "sqlite:///relative/state.db",
            "sqlite+pysqlite:////tmp/x_y-z.1/state.db",
            "sqlite:////tmp/with space/state.db",
        ],
    )
    def test_a_plain_url_is_parsed_as_sqlalchemy_parses_it(self, url: str) -> None:
        parsed = make_url(url)
        assert plain_sqlite_file(url) == (parsed.drivername, parsed.database)
        assert parsed.render_as_string(hide_password=True) == url

    @pytest.mark.parametrize(
        "url",
        [
            "sqlite://",
            "sqlite:///:memory:",
            "sqlite:////tmp/a%20b.db",
            "sqlite:////tmp/x@y.db",
            "sqlite:////t.db?mode=ro",
        ],
    )
    def test_any_other_url_is_left_to_sqlalchemy(self, url: str) -> None:
        assert plain_sqlite_file(url) is None

    def test_opening_and_reading_loads_no_sqlalchemy_until_a_write(self, tmp_path: Path) -> None:
        Store(f"sqlite:///{tmp_path}/state.db").close()  # made (that takes SQLAlchemy), in this process
        script = (
            "import sys\n"
            "from controlplane.store import Store\n"
            f"store = Store('sqlite:///{tmp_path}/state.db')\n"
            "store.applied('demo'), store.ledger('demo'), store.overrides('demo')\n"
            "store.events('demo', kinds={'stop'}), store.last_requests('demo')\n"
            "print('sqlalchemy' in sys.modules)\n"
            "store.lock('demo')\n"
            "print('sqlalchemy' in sys.modules)\n"
            "store.close()\n"
        )
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
        assert done.stdout.split() == ["False", "True"]
