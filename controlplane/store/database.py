"""The one engine a store shares among its repositories, and the one place database errors
become `StoreError` (sqlalchemy never leaks out of `store/`).

Every repository call opens and closes its own transaction: none is held across a network call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from controlplane.errors import StoreError
from controlplane.store.tables import metadata


class Database:
    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.display_url = parsed.render_as_string(hide_password=True)
        sqlite = parsed.drivername.startswith("sqlite")
        try:
            if sqlite and parsed.database not in (None, "", ":memory:"):
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(url, connect_args=_connect_args(sqlite))
            if sqlite:
                event.listen(self.engine, "connect", _sqlite_pragmas)
            metadata.create_all(self.engine)
        except (SQLAlchemyError, OSError) as error:
            raise self.error("open", error) from None

    def recreate_if_empty(self) -> bool:
        """Create the tables in a database that has none of them (one dropped and created again
        under a running process); True if it did. A database with some of them is left alone:
        that is not a store to fill in silently."""
        try:
            if set(inspect(self.engine).get_table_names()) & set(metadata.tables):
                return False
            metadata.create_all(self.engine)
        except SQLAlchemyError as error:
            raise self.error("check", error) from None
        return True

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
