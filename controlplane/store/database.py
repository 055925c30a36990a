"""The one engine a store shares among its repositories, and the one place database errors
become `StoreError` (sqlalchemy never leaks out of `store/`).

Every repository call opens and closes its own transaction: none is held across a network call.
Opening checks the schema (`schema.ensure`). An SQLite file this process cannot write (a
read-only file, directory or mount) is opened read-only: what reads it works, a write is a
`StoreReadOnly` naming the file. A file that is not a database, or a damaged one, is a
`StoreCorrupt`, found on opening (`PRAGMA quick_check`) rather than by whichever query happens
to touch the damaged page.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from controlplane.errors import StoreCorrupt, StoreError, StoreReadOnly, StoreStateLost

#: what SQLite says of a file that is not a database, or a damaged one
CORRUPT = ("file is not a database", "database disk image is malformed", "malformed database schema")
#: what SQLite and PostgreSQL say of a write they may not do
READ_ONLY = ("attempt to write a readonly database", "read-only transaction", "readonly database")


class Database:
    def __init__(self, url: str) -> None:
        from controlplane.store import schema

        parsed = make_url(url)
        self.url = url
        self.display_url = parsed.render_as_string(hide_password=True)
        sqlite = parsed.drivername.startswith("sqlite")
        self.memory = sqlite and parsed.database in (None, "", ":memory:")
        #: the file of an SQLite store (None: PostgreSQL, or in memory)
        self.sqlite_file = Path(parsed.database) if sqlite and not self.memory and parsed.database else None
        #: opened read-only: this process may not write the file (or its directory)
        self.read_only = self.sqlite_file is not None and not _writable(self.sqlite_file)
        self.connect_args = _connect_args(sqlite)
        try:
            if self.read_only:
                assert self.sqlite_file is not None
                self.engine: Engine = _read_only_engine(self.sqlite_file)
            else:
                self.engine = create_engine(url, connect_args=self.connect_args)
        except SQLAlchemyError as error:
            raise self.error("open", error) from None
        if sqlite and not self.read_only:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        try:
            schema.ensure(self)
        except BaseException as error:
            self.engine.dispose()
            if isinstance(error, (SQLAlchemyError, OSError)):
                raise self.error("open", error) from None
            raise

    def recreate_lost_tables(self) -> frozenset[str]:
        """Create the tables this database lost, at the schema's head; their names (none: it
        lost nothing). The runtime's recorder calls it when a write finds its table gone (a
        PostgreSQL database dropped and made again), and logs what it recreated."""
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
        from controlplane.store.tables import metadata

        try:
            if set(inspect(self.engine).get_table_names()) & set(metadata.tables):
                return False
        except SQLAlchemyError as error:
            raise self.error("check", error) from None
        return bool(self.recreate_lost_tables())  # every table, at the schema's head (schema.py)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

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
        except IntegrityError:
            raise
        except SQLAlchemyError as error:
            raise self.error(doing, error) from None


def _writable(path: Path) -> bool:
    """Whether this process may write an existing store and its directory (WAL makes files beside it)."""
    if not path.exists():
        return True  # a new store: making it says whether the directory can be written
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _read_only_engine(path: Path) -> Engine:
    import sqlite3

    # mode=ro reads a WAL database when its -shm can be used; a directory nobody may write holds
    # no -shm to use, and SQLite reads the file as it is (`immutable`): nothing can change it anyway
    shm = path.with_name(path.name + "-shm")
    immutable = not os.access(path.parent, os.W_OK) and not shm.exists()
    uri = f"file:{quote(str(path))}?mode=ro" + ("&immutable=1" if immutable else "")

    def connect() -> Any:
        return sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)

    return create_engine("sqlite://", creator=connect, poolclass=NullPool)


def _connect_args(sqlite: bool) -> dict[str, Any]:
    # SQLite: wait for a concurrent writer rather than failing at once; allow use across threads.
    return {"timeout": 30, "check_same_thread": False} if sqlite else {}


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
