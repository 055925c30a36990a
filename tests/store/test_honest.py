"""The store tells the truth: lost tables are named (and recreated only when a writer asks),
an empty file is never started afresh, damage is found on opening, a read-only file is read."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from controlplane.errors import StoreCorrupt, StoreReadOnly, StoreStateLost
from controlplane.store import Store, Usage
from controlplane.store.tables import metadata

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
USAGE = Usage(project="demo", role="coding", at=NOW, input_tokens=4, output_tokens=13, cost_usd=0.17)


def drop(url: str, *tables: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        for table in tables:
            connection.execute(text(f"DROP TABLE {table}"))
    engine.dispose()


class TestLostTables:
    def test_a_store_that_lost_tables_is_refused_naming_them(self, store_url: str) -> None:
        Store(store_url).close()
        drop(store_url, "usage", "samples")
        with pytest.raises(StoreStateLost, match="has lost tables it had: samples, usage"):
            Store(store_url)
        engine = create_engine(store_url)
        with engine.connect() as connection:
            names = set(connection.dialect.get_table_names(connection))
        engine.dispose()
        assert "usage" not in names and "samples" not in names

    def test_a_writer_finds_its_table_gone_then_recreates_it_and_writes(self, store_url: str) -> None:
        with Store(store_url) as store:
            drop(store_url, "usage", "samples")  # under the open store, as a dropped database does
            with pytest.raises(StoreStateLost, match="a table it had is gone"):
                store.record([USAGE])
            assert store.recreate_lost_tables() == {"usage", "samples"}
            store.record([USAGE])
            assert store.usage("demo")[0].cost_usd == pytest.approx(0.17)
            assert store.recreate_lost_tables() == frozenset()

    def test_a_postgresql_database_made_again_empty_is_rebuilt_by_the_writer(self, store_url: str) -> None:
        if not store_url.startswith("postgresql"):
            pytest.skip("a database dropped and created again: PostgreSQL")
        with Store(store_url) as store:
            engine = create_engine(store_url)
            with engine.begin() as connection:
                schema = connection.execute(text("SELECT current_schema()")).scalar()
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            engine.dispose()
            assert store.recreate_lost_tables() == set(metadata.tables)
            store.record([USAGE])
            assert len(store.usage("demo")) == 1


class TestSQLiteFiles:
    def test_an_empty_file_is_refused_and_left_as_it_was(self, tmp_path: Path) -> None:
        path = tmp_path / "state.db"
        path.touch()
        with pytest.raises(StoreStateLost, match=rf"{path} is an empty file \(0 bytes\).*will not start it afresh"):
            Store(f"sqlite:///{path}")
        assert path.stat().st_size == 0

    def test_a_database_file_with_none_of_our_tables_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "state.db"
        sqlite3.connect(path).execute("CREATE TABLE other (x)").connection.commit()
        with pytest.raises(StoreStateLost, match="has none of reasoning's tables"):
            Store(f"sqlite:///{path}")

    def test_a_file_that_is_not_a_database_is_named_corrupt(self, tmp_path: Path) -> None:
        path = tmp_path / "state.db"
        Store(f"sqlite:///{path}").close()
        with path.open("r+b") as file:
            file.write(b"this is no database header")
        with pytest.raises(StoreCorrupt, match=rf"{path} is corrupt: file is not a database") as caught:
            Store(f"sqlite:///{path}")
        assert caught.value.hint is not None and ".recover" in caught.value.hint

    def test_damage_in_the_middle_of_a_page_is_found_on_opening(self, tmp_path: Path) -> None:
        path = tmp_path / "state.db"
        with Store(f"sqlite:///{path}") as store:
            store.record([USAGE])
        damage_a_table(path, "usage")
        with pytest.raises(StoreCorrupt, match=rf"{path} is corrupt: .*page"):
            Store(f"sqlite:///{path}")

    def test_a_file_this_process_may_not_write_is_read_and_a_write_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "state.db"
        with Store(f"sqlite:///{path}") as store:
            store.record([USAGE])
        with read_only(tmp_path), Store(f"sqlite:///{path}") as store:
            assert store.usage("demo")[0].input_tokens == 4
            with pytest.raises(StoreReadOnly, match=rf"cannot write the state database .*{path}: it is read-only"):
                store.record([USAGE])


def damage_a_table(path: Path, table: str) -> None:
    """Overwrite the table's root page past its header (its cell pointers and rows), as a bad
    sector or a stray write would; the file's first page, its header and schema stay whole."""
    database = sqlite3.connect(path)
    database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = database.execute("PRAGMA page_size").fetchone()[0]
    root = database.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    database.close()
    with path.open("r+b") as file:
        file.seek((root - 1) * page + 8)
        file.write(b"\xa5" * (page - 8))


class read_only:
    """The folder made read-only for this process: by its mode, which root ignores, so as root
    by a read-only mount (skips where the test may not unshare a mount namespace)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __enter__(self) -> None:
        if os.geteuid() == 0:
            pytest.skip("root writes whatever the mode says; the CLI tests mount the store read-only")
        for path in [self.folder, *self.folder.iterdir()]:
            path.chmod(0o555 if path.is_dir() else 0o444)

    def __exit__(self, *exc: object) -> None:
        for path in [self.folder, *self.folder.iterdir()]:
            path.chmod(0o755 if path.is_dir() else 0o644)
