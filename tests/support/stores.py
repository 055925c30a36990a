"""Stores for tests: a SQLite file, or an emptied PostgreSQL schema of the process's own.

PostgreSQL is the server this machine (and CI) runs at 127.0.0.1:5432. Each test process (each
pytest-xdist worker) makes one schema with a unique name and the store's tables in it, and every
test that asks for it gets it emptied (rows deleted, sequences restarted): tests never see each
other's rows, workers and other people's runs never meet, and the tables are built once instead
of once per test. A test that breaks the schema (drops a table to play a failing database) gets
it rebuilt for the next one. In CI PostgreSQL's absence is a failure, elsewhere a skip.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest

POSTGRES_URL = os.environ.get("REASONING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


class PostgresSchema:
    """One schema for this process; `empty()` hands it to the next test with no rows in it."""

    def __init__(self) -> None:
        from sqlalchemy import create_engine

        self.name = f"t_{uuid.uuid4().hex[:12]}"
        self.url = f"{POSTGRES_URL}?options=-csearch_path%3D{self.name}"
        self._server = create_engine(POSTGRES_URL)
        self._engine: Any = None

    def create(self, *, tables: bool = True) -> PostgresSchema:
        from sqlalchemy import create_engine, text
        from sqlalchemy.exc import OperationalError

        from controlplane.store import Store

        try:
            with self._server.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{self.name}"'))
        except OperationalError as error:
            self._server.dispose()
            if os.environ.get("CI"):
                raise
            pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {error.orig}")
        if tables:
            Store(self.url).close()  # the store makes its own tables, as it does for a user
        self._engine = create_engine(self.url)
        return self

    def empty(self) -> str:
        """The store URL, every table emptied and every sequence restarted."""
        from sqlalchemy import text
        from sqlalchemy.exc import DBAPIError

        from controlplane.store.tables import metadata

        try:
            with self._engine.begin() as connection:
                for table in reversed(metadata.sorted_tables):
                    connection.execute(text(f'DELETE FROM "{table.name}"'))
                sequences = connection.execute(
                    text("SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = :schema"),
                    {"schema": self.name},
                ).scalars()
                for sequence in list(sequences):
                    connection.execute(text(f'ALTER SEQUENCE "{self.name}"."{sequence}" RESTART'))
        except DBAPIError:  # a test dropped a table: build the schema again
            self.drop()
            self.create()
        return self.url

    def drop(self) -> None:
        from sqlalchemy import text

        if self._engine is not None:
            self._engine.dispose()
        with self._server.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))

    def close(self) -> None:
        self.drop()
        self._server.dispose()
