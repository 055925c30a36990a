"""The database's schema, checked on every open and brought up to date when it is behind.

The check is the hot path (`reasoning plan` pays it): one query for the table names and one for
the revision in `alembic_version`, compared with `migrations.HEAD`; alembic is not imported, nor
SQLAlchemy for an SQLite file (the stdlib's connection runs them, `sqlite.py`).
Only a database that is new, from before migrations, or at an older revision takes the slow
path, under a lock every process opening the same store respects (PostgreSQL: an advisory lock
for the transaction; SQLite: BEGIN EXCLUSIVE), so concurrent first starts build it once:

- nothing there (a new PostgreSQL database, `:memory:`): `create_all` and stamp `HEAD`;
- a new SQLite file: built beside its path and linked into place, so a file that exists is
  always one someone made (an empty one is state that was lost, never a store being born);
- our tables without `alembic_version` (made before migrations): adopted at the baseline and
  upgraded; an older revision: upgraded;
- a revision this version does not know: refused, it was written by a newer reasoning;
- some of our tables missing: refused, naming them (`recreate_lost_tables` is the runtime's way
  to carry on writing).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from controlplane.errors import StoreCorrupt, StoreNewer, StoreStateLost
from controlplane.store import migrations
from controlplane.store.reads import TABLES as TABLES

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Connection

    from controlplane.store.database import Database

#: the names of SQLite's tables
SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"
#: an SQLite file up to this size is checked whole on every open (PRAGMA quick_check)
CHECK_WHOLE_BYTES = 8 * 1024 * 1024
#: pg_advisory_xact_lock's key for schema changes: "reasoning" in ASCII, as one bigint
ADVISORY_KEY = 0x726561736F6E696E


@dataclass(frozen=True)
class Found:
    """What a database holds of ours: its table names and its revision (None: no alembic_version)."""

    tables: frozenset[str]
    revision: str | None

    @property
    def ours(self) -> frozenset[str]:
        return self.tables & TABLES

    @property
    def missing(self) -> frozenset[str]:
        return TABLES - self.tables

    @property
    def current(self) -> bool:
        return self.revision == migrations.HEAD and not self.missing


def read(connection: Connection) -> Found:
    """The table names and the revision, in two cheap queries."""
    from sqlalchemy import text

    if connection.dialect.name == "sqlite":
        return read_with(_scalars(connection))
    names = connection.execute(
        text("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()")
    ).scalars()
    return read_with(_scalars(connection), frozenset(names))


def read_with(scalars: Callable[[str], list[Any]], tables: frozenset[str] | None = None) -> Found:
    """`read`, by `scalars`; the table names SQLite's catalogue holds unless `tables` says them."""
    if tables is None:
        tables = frozenset(scalars(SQLITE_TABLES))
    revision = None
    if migrations.VERSION_TABLE in tables:
        revision = next(iter(scalars(f"SELECT version_num FROM {migrations.VERSION_TABLE}")), None)
    return Found(tables, revision)


def _scalars(connection: Connection) -> Callable[[str], list[Any]]:
    return lambda sql: list(connection.exec_driver_sql(sql).scalars().all())


def ensure(database: Database) -> None:
    """Check the schema; create, adopt or upgrade it if needed, refuse it if it cannot be used."""
    if database.sqlite_file is not None and not database.sqlite_file.exists():
        born(database.sqlite_file)
    if database.sqlite_file is not None and database.sqlite_file.stat().st_size == 0:
        raise lost(database, Found(frozenset(), None))  # said before SQLite writes a header into it
    if database.reader is not None:  # an SQLite file, checked without SQLAlchemy
        found = read_with(database.reader.scalars)
        if found.ours:
            check_with(database.reader.scalars, database, found)
    else:
        with database.engine.connect() as connection:
            found = read(connection)
            if database.sqlite_file is not None and found.ours:
                check(connection, database, found)
    if found.current:
        return
    refuse(database, found)
    if database.read_only:
        raise database.error(
            f"bring the schema to revision {migrations.HEAD} (it is at {found.revision or 'none'}) of",
            OSError("attempt to write a readonly database"),
        )
    with exclusive(database) as connection:
        found = read(connection)  # again: another process may have done it while we waited
        if found.current:
            return
        refuse(database, found)
        if found.ours or found.revision is not None:
            # made before migrations (the baseline creates only what it lacks), or behind HEAD
            migrations.upgrade(connection)
        elif database.sqlite_file is not None:
            raise lost(database, found)  # a file that was there, with none of our tables in it
        else:
            create(connection)


def check(connection: Connection, database: Database, found: Found) -> None:
    """SQLite's own structural check, so damage is found before a query reads past it.

    The whole file up to `CHECK_WHOLE_BYTES` (~6 ms a MiB here), beyond that every table but the
    runtime's large ones (usage, samples), whose damaged pages their own queries run into."""
    check_with(_scalars(connection), database, found)


def check_with(scalars: Callable[[str], list[Any]], database: Database, found: Found) -> None:
    """`check`, by `scalars`."""
    assert database.sqlite_file is not None
    if database.sqlite_file.stat().st_size <= CHECK_WHOLE_BYTES:
        targets = [""]
    else:
        targets = [f"({name})" for name in sorted(found.ours - {"usage", "samples"})]
    for target in targets:
        results = scalars(f"PRAGMA quick_check{target}")
        if results != ["ok"]:
            lines = [line for text in results for line in str(text).splitlines()]
            said = [line for line in lines if not line.startswith("*** in database")]
            raise StoreCorrupt(
                f"the state database {database.display_url} is corrupt: {said[0]}"
                + (f" (and {len(said) - 1} more)" if len(said) > 1 else ""),
                hint=f"restore {database.sqlite_file} from a backup (`sqlite3 {database.sqlite_file} .recover` "
                "saves what is readable), or move it away to start afresh",
            )


def refuse(database: Database, found: Found) -> None:
    """Raise if the database is from a newer reasoning, or has lost tables it had."""
    refuse_newer(database, found)
    if found.revision == migrations.HEAD and found.missing:
        raise lost(database, found)


def refuse_newer(database: Database, found: Found) -> None:
    if found.revision is not None and found.revision != migrations.HEAD and found.revision not in migrations.known():
        raise StoreNewer(
            f"the state database {database.display_url} is at schema revision {found.revision}, which this "
            f"version of reasoning does not know (it knows up to {migrations.HEAD}): a newer version wrote it",
            hint="upgrade reasoning-gitops to the version that wrote it (or point store.url elsewhere)",
        )


def lost(database: Database, found: Found) -> StoreStateLost:
    if database.sqlite_file is not None and not found.ours:
        size = database.sqlite_file.stat().st_size if database.sqlite_file.exists() else 0
        what = "is an empty file (0 bytes)" if size == 0 else "has none of reasoning's tables"
        return StoreStateLost(
            f"the state database {database.display_url} {what}: the state it held (applied roles, ledger, "
            "lock, events, usage) is gone, and reasoning will not start it afresh on its own",
            hint=f"restore {database.sqlite_file} from a backup, or move it away to start afresh",
        )
    return StoreStateLost(
        f"the state database {database.display_url} has lost tables it had: {', '.join(sorted(found.missing))}",
        hint="restore it from a backup, or start afresh without what they held: move the file away (SQLite) or "
        "drop the remaining tables (PostgreSQL)",
    )


def create(connection: Connection) -> None:
    from controlplane.store.tables import metadata

    metadata.create_all(connection)
    migrations.stamp(connection, migrations.HEAD)


def recreate_lost_tables(database: Database) -> frozenset[str]:
    """Create whatever tables of ours are missing (all of them in a database dropped and made
    again), at `HEAD`; returns their names (none: nothing was lost). For a writer that must not
    lose what it holds, the runtime's recorder: the caller logs that it recreated them."""
    from controlplane.store.tables import metadata

    with exclusive(database) as connection:
        found = read(connection)
        if found.current:
            return frozenset()
        refuse_newer(database, found)
        if found.revision != migrations.HEAD and found.ours:
            migrations.upgrade(connection)
            found = read(connection)
        missing = found.missing
        metadata.create_all(connection, tables=[metadata.tables[name] for name in sorted(missing)])
        migrations.stamp(connection, migrations.HEAD)
        return missing


@contextmanager
def exclusive(database: Database) -> Iterator[Connection]:
    """One transaction that no other process changing the schema runs beside."""
    from sqlalchemy import create_engine, event, text
    from sqlalchemy.pool import NullPool

    if database.memory:  # one connection's database: no one else can change it
        with database.engine.begin() as connection:
            yield connection
        return
    if database.sqlite_file is not None and not database.sqlite_file.exists():
        born(database.sqlite_file)
    engine = create_engine(database.url, poolclass=NullPool, connect_args=database.connect_args)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _driver_transactions_off)
        event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN EXCLUSIVE"))
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY})
            yield connection
    finally:
        engine.dispose()


def born(path: Path) -> None:
    """A new SQLite store: built as a scratch file beside `path`, then linked into place.

    `os.link` fails if `path` exists, so of processes starting together one links its file and
    the rest drop theirs; nobody ever sees the file half made.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.new-{uuid.uuid4().hex[:8]}")
    engine = create_engine(f"sqlite:///{scratch}", poolclass=NullPool)
    try:
        with engine.begin() as connection:
            create(connection)
    finally:
        engine.dispose()
    try:
        os.link(scratch, path)
    except FileExistsError:
        pass  # another process made it first: theirs is the store
    except OSError:  # a file system without hard links
        if not path.exists():
            os.replace(scratch, path)
    finally:
        scratch.unlink(missing_ok=True)


def _driver_transactions_off(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite begins transactions itself, too late and too weakly; let SQLAlchemy's BEGIN EXCLUSIVE do it
    dbapi_connection.isolation_level = None
