"""The one engine a store shares among its repositories, and the one place database errors
become `StoreError` (sqlalchemy never leaks out of `store/`).

Every repository call opens and closes its own transaction: none is held across a network call.
Opening checks the schema (`schema.ensure`). An SQLite file this process cannot write (a
read-only file, directory or mount) is opened read-only: what reads it works, a write is a
`StoreReadOnly` naming the file. A file that is not a database, or a damaged one, is a
`StoreCorrupt`, found on opening (`PRAGMA quick_check`) rather than by whichever query happens
to touch the damaged page.

An SQLite file named by a plain URL is opened without SQLAlchemy: the schema is checked and
plan's reads run through the stdlib `sqlite3` (`reader`, `sqlite.py`); the engine is made when a
repository first asks for it. Any other URL (PostgreSQL, `:memory:`, a path SQLAlchemy would
quote or unquote) makes the engine at once, as before.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from controlplane.errors import StoreCorrupt, StoreError, StoreReadOnly, StoreStateLost

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from controlplane.store.sqlite import Reader

#: what SQLite says of a file that is not a database, or a damaged one
CORRUPT = ("file is not a database", "database disk image is malformed", "malformed database schema")
#: what SQLite and PostgreSQL say of a write they may not do
READ_ONLY = ("attempt to write a readonly database", "read-only transaction", "readonly database")
#: an SQLite URL whose path SQLAlchemy takes as it is written (nothing it would unquote or quote)
PLAIN_SQLITE = re.compile(r"(sqlite(?:\+pysqlite)?):///([\w./ -]+)", re.ASCII)


def plain_sqlite_file(url: str) -> tuple[str, str] | None:
    """(driver, path) of an SQLite file URL that needs no parsing by SQLAlchemy; None otherwise."""
    matched = PLAIN_SQLITE.fullmatch(url)
    return None if matched is None else (matched[1], matched[2])


class Database:
    def __init__(self, url: str) -> None:
        from controlplane.store import schema

        self.url = url
        plain = plain_sqlite_file(url)
        database: str | None
        if plain is not None:
            self.display_url = url
            sqlite, database = True, plain[1]
        else:
            from sqlalchemy.engine import make_url

            parsed = make_url(url)
            self.display_url = parsed.render_as_string(hide_password=True)
            sqlite, database = parsed.drivername.startswith("sqlite"), parsed.database
        self.memory = sqlite and database in (None, "", ":memory:")
        #: the file of an SQLite store (None: PostgreSQL, or in memory)
        self.sqlite_file = Path(database) if sqlite and not self.memory and database else None
        #: opened read-only: this process may not write the file (or its directory)
        self.read_only = self.sqlite_file is not None and not _writable(self.sqlite_file)
        self.connect_args = _connect_args(sqlite)
        self._engine: Engine | None = None
        self._making = threading.Lock()
        #: plan's reads through the stdlib (None: through the engine, like every other query)
        self.reader: Reader | None = None
        if plain is not None:
            from controlplane.store.sqlite import Reader

            self.reader = Reader(self._stdlib_connection, self.error, pooled=not self.read_only)
        else:
            self.engine  # noqa: B018 (made now: a URL SQLAlchemy cannot use fails on opening)
        try:
            schema.ensure(self)
        except BaseException as error:
            self.close()
            if isinstance(error, (OSError, sqlite3.Error)) or (isinstance(error, Exception) and _sqlalchemy(error)):
                raise self.error("open", error) from None
            raise

    @property
    def engine(self) -> Engine:
        """SQLAlchemy's engine, made on first use (for a plain SQLite file: by the first query
        that is not one of plan's reads, or a schema change); once, whichever thread asks first."""
        engine = self._engine
        if engine is None:
            with self._making:
                if self._engine is None:
                    self._engine = self._make_engine()
                engine = self._engine
        return engine

    def _make_engine(self) -> Engine:
        from sqlalchemy import create_engine, event
        from sqlalchemy.exc import SQLAlchemyError

        try:
            if self.read_only:
                assert self.sqlite_file is not None
                engine = _read_only_engine(self.sqlite_file)
            else:
                engine = create_engine(self.url, connect_args=self.connect_args)
        except SQLAlchemyError as error:
            raise self.error("open", error) from None
        if (self.sqlite_file is not None or self.memory) and not self.read_only:
            event.listen(engine, "connect", _sqlite_pragmas)
        return engine

    def _stdlib_connection(self) -> sqlite3.Connection:
        """A connection as the engine would make it: read-only as `_read_only_engine`, or
        waiting for a writer and in WAL mode as `_connect_args` and `_sqlite_pragmas` say."""
        assert self.sqlite_file is not None
        if self.read_only:
            return _read_only_connection(self.sqlite_file)
        connection: sqlite3.Connection = sqlite3.connect(self.sqlite_file, **self.connect_args)
        _sqlite_pragmas(connection, None)
        return connection

    def recreate_lost_tables(self) -> frozenset[str]:
        """Create the tables this database lost, at the schema's head; their names (none: it
        lost nothing). The runtime's recorder calls it when a write finds its table gone (a
        PostgreSQL database dropped and made again), and logs what it recreated."""
        from sqlalchemy.exc import SQLAlchemyError

        from controlplane.store import schema

        if self.read_only:
            raise self.error("recreate the tables of", OSError("attempt to write a readonly database"))
        try:
            return schema.recreate_lost_tables(self)
        except (SQLAlchemyError, OSError) as error:
            raise self.error("recreate the tables of", error) from None

    def recreate_if_empty(self) -> bool:
        """Create the tables in a database that has none of them (one dropped and created again
        under a running process); True if it did. A database with some of them is left alone:
        that is not a store to fill in silently."""
        from sqlalchemy import inspect
        from sqlalchemy.exc import SQLAlchemyError

        from controlplane.store.tables import metadata

        try:
            if set(inspect(self.engine).get_table_names()) & set(metadata.tables):
                return False
        except SQLAlchemyError as error:
            raise self.error("check", error) from None
        return bool(self.recreate_lost_tables())  # every table, at the schema's head (schema.py)

    @property
    def dialect(self) -> str:
        return "sqlite" if self.reader is not None else self.engine.dialect.name

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
        if self._engine is not None:
            self._engine.dispose()

    def error(self, doing: str, error: Exception) -> StoreError:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        if self.sqlite_file is not None and any(words in reason for words in CORRUPT):
            return StoreCorrupt(
                f"the state database {self.display_url} is corrupt: {reason}",
                hint=f"restore {self.sqlite_file} from a backup (`sqlite3 {self.sqlite_file} .recover` saves what "
                "is readable), or move it away to start afresh",
            )
        if self.read_only or any(words in reason for words in READ_ONLY):
            where = self.sqlite_file or "it"
            return StoreReadOnly(
                f"cannot {doing} the state database {self.display_url}: it is read-only here ({reason})",
                hint=f"run this where {where} can be written (its file and directory), or as a user who may; "
                "status, plan, events and costs report only read",
            )
        # SQLite: "no such table: usage"; PostgreSQL: relation "usage" does not exist (psycopg's UndefinedTable)
        if "no such table" in reason or type(getattr(error, "orig", error)).__name__ == "UndefinedTable":
            return StoreStateLost(
                f"cannot {doing} the state database {self.display_url}: a table it had is gone ({reason})",
                hint="restore it from a backup; a writer that must go on calls Store.recreate_lost_tables()",
            )
        return StoreError(
            f"cannot {doing} the state database {self.display_url}: {reason}",
            hint="check store.url in reasoning.yaml and that the database is reachable",
        )

    @contextmanager
    def transaction(self, doing: str) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back if it raises.

        An `IntegrityError` passes through as it is: the repositories that expect one (a lock
        already taken, a ledger interval opened concurrently) decide what it means.
        """
        try:
            with self.engine.begin() as connection:
                yield connection
        except Exception as error:
            # imported here, on failure only: an import in a function costs every call (~10k
            # instructions, a write's budget), and a failure has made the engine, so SQLAlchemy is loaded
            from sqlalchemy.exc import IntegrityError, SQLAlchemyError

            if isinstance(error, SQLAlchemyError) and not isinstance(error, IntegrityError):
                raise self.error(doing, error) from None
            raise


def _writable(path: Path) -> bool:
    """Whether this process may write an existing store and its directory (WAL makes files beside it)."""
    if not path.exists():
        return True  # a new store: making it says whether the directory can be written
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _read_only_connection(path: Path) -> sqlite3.Connection:
    # mode=ro reads a WAL database when its -shm can be used; a directory nobody may write holds
    # no -shm to use, and SQLite reads the file as it is (`immutable`): nothing can change it anyway
    shm = path.with_name(path.name + "-shm")
    immutable = not os.access(path.parent, os.W_OK) and not shm.exists()
    uri = f"file:{quote(str(path))}?mode=ro" + ("&immutable=1" if immutable else "")
    return sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)


def _read_only_engine(path: Path) -> Engine:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    return create_engine("sqlite://", creator=lambda: _read_only_connection(path), poolclass=NullPool)


def _sqlalchemy(error: Exception) -> bool:
    """Whether `error` is SQLAlchemy's (asked without importing it when nothing did)."""
    import sys

    exc = sys.modules.get("sqlalchemy.exc")
    return exc is not None and isinstance(error, exc.SQLAlchemyError)


def _connect_args(sqlite: bool) -> dict[str, Any]:
    # SQLite: wait for a concurrent writer rather than failing at once; allow use across threads.
    return {"timeout": 30, "check_same_thread": False} if sqlite else {}


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
