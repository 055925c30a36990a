"""Plan's reads of an SQLite store through the stdlib `sqlite3`, so `reasoning plan` (and status,
and every command that only reads what plan reads) never imports SQLAlchemy.

Where it sits: `Store` takes these six reads from here when its database is an SQLite file
(`database.py` says which); every other read and every write still goes through the
repositories and SQLAlchemy, which the first of them imports. The SQL is the repositories' own
statements compiled by SQLAlchemy's SQLite dialect (`reads.py`, written and checked by
`python -m controlplane.store.compile`); parameters are bound and columns converted as the
engine's types do (`rows.py`), and the rows become values through the same functions the
repositories use. Errors become `StoreError` through `Database.error`, as the engine's do.
Connections are kept for the store's life, one per concurrent reader, like SQLAlchemy's pool
(a read-only store's for one read, like its engine's).
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from controlplane.errors import StoreError
from controlplane.store import rows
from controlplane.store.reads import READS
from controlplane.values import AppliedRole, Event, LedgerInterval, UsageTotals
from controlplane.values.override import Override

_COLUMNS: dict[str, Callable[[Any], Any]] = {
    "datetime": rows.from_sqlite_datetime,
    "bool": lambda value: None if value is None else bool(value),
    "json": rows.json_object,
}


class Reader:
    """The stdlib's connections to one SQLite file, and the reads `Store` takes from them."""

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        error: Callable[[str, Exception], StoreError],
        *,
        pooled: bool = True,
    ) -> None:
        self.connect = connect
        self.error = error
        #: keep connections between reads (a read-only store's are not, as the engine's NullPool)
        self.pooled = pooled
        self._idle: list[sqlite3.Connection] = []
        self._shapes: dict[str, Callable[..., Any]] = {}

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection of the pool (a new one when every one is in use), given back after."""
        try:
            connection = self._idle.pop()
        except IndexError:
            connection = self.connect()
        try:
            yield connection
        finally:
            if self.pooled:
                self._idle.append(connection)
            else:
                connection.close()

    def scalars(self, sql: str) -> list[Any]:
        """The first column of every row of `sql` (no parameters), errors as they come."""
        with self.connection() as connection:
            return [row[0] for row in connection.execute(sql).fetchall()]

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()

    def _run(self, key: str, **args: Any) -> list[Any]:
        sql, parameters, columns = READS[key]
        values: list[Any] = []
        for name, kind in parameters:
            value = args[name]
            if kind == "list":
                sql = sql.replace("{" + name + "}", ", ".join("?" * len(value)))
                values.extend(value)
            else:
                values.append(rows.sqlite_datetime(value) if kind == "datetime" else value)
        converters = [(i, _COLUMNS[kind]) for i, (_, kind) in enumerate(columns) if kind]
        shape = self._shapes.get(key)
        if shape is None:
            shape = self._shapes[key] = _row_type([name for name, _ in columns])
        try:
            with self.connection() as connection:
                found = connection.execute(sql, values).fetchall()
        except sqlite3.Error as error:
            raise self.error("read", error) from None
        if not converters:
            return [shape(row) for row in found]
        made = []
        for row in found:
            cells = list(row)
            for i, convert in converters:
                cells[i] = convert(cells[i])
            made.append(shape(cells))
        return made

    # the reads, with the repositories' signatures

    def applied(self, project: str) -> dict[str, AppliedRole]:
        return rows.applied_roles(self._run("applied", project=project))

    def overrides(self, project: str) -> dict[str, Override]:
        return rows.overrides(self._run("overrides", project=project))

    def events(
        self,
        project: str,
        *,
        since: datetime | None = None,
        role: str | None = None,
        kinds: Collection[str] | None = None,
    ) -> list[Event]:
        if kinds is not None and not kinds:
            return []  # of no kind: none (SQLAlchemy compiles an IN that matches nothing)
        given = {"since": since, "role": role, "kinds": None if kinds is None else sorted(kinds)}
        return rows.events(self._run(_key("events", given), project=project, **_present(given)))

    def ledger(
        self,
        project: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        role: str | None = None,
        open_only: bool = False,
    ) -> list[LedgerInterval]:
        given = {"since": since, "until": until, "role": role, "open_only": open_only or None}
        return rows.ledger_intervals(self._run(_key("ledger", given), project=project, **_present(given)))

    def usage_totals(
        self, project: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, UsageTotals]:
        given = {"since": since, "until": until}
        return rows.usage_totals(self._run(_key("usage_totals", given), project=project, **_present(given)))

    def last_requests(self, project: str) -> dict[str, datetime]:
        """When each role last had a request: what idle shutdown measures from."""
        return {role: totals.last_at for role, totals in self.usage_totals(project).items()}


def _row_type(names: list[str]) -> Callable[[Any], Any]:
    """What makes a row of these columns: a named tuple, as SQLAlchemy's rows are to read."""
    make: Callable[..., Any] = namedtuple  # the names are the compiled statement's, known only here
    made: Callable[[Any], Any] = make("Row", names, rename=True)._make
    return made


def _key(read: str, given: dict[str, Any]) -> str:
    """The compiled statement for the optional arguments given (in the order `compile.py` names them)."""
    chosen = [name for name, value in given.items() if value is not None]
    return f"{read}:{','.join(chosen)}" if chosen else read


def _present(given: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in given.items() if value is not None}
