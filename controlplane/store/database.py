"""The one engine a store shares among its repositories, and the one place database errors
become `StoreError` (sqlalchemy never leaks out of `store/`).

Every repository call opens and closes its own transaction: none is held across a network call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from controlplane.errors import StoreError


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
        self.connect_args = _connect_args(sqlite)
        try:
            self.engine: Engine = create_engine(url, connect_args=self.connect_args)
        except SQLAlchemyError as error:
            raise self.error("open", error) from None
        if sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        try:
            schema.ensure(self)
        except BaseException as error:
            self.engine.dispose()
            if isinstance(error, (SQLAlchemyError, OSError)):
                raise self.error("open", error) from None
            raise

    def recreate_lost_tables(self) -> frozenset[str]:
        """Recreate the tables this database lost (see `schema.recreate_lost_tables`); their names."""
        from controlplane.store import schema

        try:
            return schema.recreate_lost_tables(self)
        except (SQLAlchemyError, OSError) as error:
            raise self.error("recreate the tables of", error) from None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def error(self, doing: str, error: Exception) -> StoreError:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
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


def _connect_args(sqlite: bool) -> dict[str, Any]:
    # SQLite: wait for a concurrent writer rather than failing at once; allow use across threads.
    return {"timeout": 30, "check_same_thread": False} if sqlite else {}


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
