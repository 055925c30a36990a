"""The store's migrations: the revisions and tables.py agree, old databases are adopted or
upgraded, newer ones refused, and a current one is opened without loading alembic."""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, insert, inspect, text

from controlplane.errors import StoreNewer
from controlplane.store import Store, migrations
from controlplane.store.tables import applied_roles, metadata

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def engine(blank_url: str) -> Iterator[Engine]:
    made = create_engine(blank_url)
    yield made
    made.dispose()


def differences(engine: Engine) -> list[object]:
    """What alembic's autogenerate would write to make the database match tables.py."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": migrations.include_name, "compare_type": True}
        )
        return list(compare_metadata(context, metadata))


def revision_of(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def before_migrations(engine: Engine, *keep: str) -> None:
    """A database as opening a store made it before migrations (the baseline's tables, no
    alembic_version); with `keep`, only those tables, as an older version still made it."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(migrations.config(connection), migrations.BASELINE)
    built = set(inspect(engine).get_table_names())  # the baseline's tables: later ones are not there yet
    with engine.begin() as connection:
        for name in [
            migrations.VERSION_TABLE,
            *(sorted(built - {migrations.VERSION_TABLE} - set(keep)) if keep else []),
        ]:
            connection.execute(text(f"DROP TABLE {name}"))


def indexes(engine: Engine, table: str) -> set[str]:
    return {index["name"] or "" for index in inspect(engine).get_indexes(table)}


class TestRevisionsAndTables:
    def test_the_revisions_build_exactly_what_tables_py_declares(self, engine: Engine) -> None:
        with engine.begin() as connection:
            migrations.upgrade(connection)
        assert differences(engine) == []
        assert "ux_ledger_open" in indexes(engine, "ledger")
        assert revision_of(engine) == migrations.HEAD

    def test_a_new_store_is_made_from_tables_py_at_the_head_revision(self, blank_url: str, engine: Engine) -> None:
        Store(blank_url).close()
        assert differences(engine) == []
        assert "ux_ledger_open" in indexes(engine, "ledger")
        assert revision_of(engine) == migrations.HEAD

    def test_head_is_the_one_newest_revision(self) -> None:
        from alembic.script import ScriptDirectory

        heads = ScriptDirectory.from_config(migrations.config()).get_heads()
        assert heads == [migrations.HEAD]

    def test_the_migrations_ship_in_the_wheel(self) -> None:
        patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
        folder = ROOT / "controlplane" / "store" / "migrations"
        for path in folder.rglob("*"):
            if "__pycache__" in path.parts or path.is_dir():
                continue
            if path.suffix == ".py":  # a module: its folder must be a package for packages.find
                assert (path.parent / "__init__.py").exists(), path
            else:
                name = str(path.relative_to(ROOT / "controlplane"))
                assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns["controlplane"]), name


class TestOpening:
    def test_a_database_from_before_migrations_is_adopted_with_its_rows(self, blank_url: str, engine: Engine) -> None:
        before_migrations(engine)
        with engine.begin() as connection:
            connection.execute(
                insert(applied_roles).values(
                    project="demo",
                    role="planning",
                    model="org/m",
                    hardware="h",
                    min_replicas=1,
                    max_replicas=1,
                    enabled=True,
                    applied_at=NOW,
                )
            )
        with Store(blank_url) as store:
            assert list(store.applied("demo")) == ["planning"]
        assert revision_of(engine) == migrations.HEAD
        assert differences(engine) == []

    def test_a_database_older_still_gets_the_tables_it_lacks(self, blank_url: str, engine: Engine) -> None:
        before_migrations(engine, "applied_roles")
        Store(blank_url).close()
        assert differences(engine) == []
        assert revision_of(engine) == migrations.HEAD

    def test_a_database_at_an_older_revision_is_upgraded_with_its_rows(self, blank_url: str, engine: Engine) -> None:
        from alembic import command

        with engine.begin() as connection:
            command.upgrade(migrations.config(connection), migrations.BASELINE)
        with engine.begin() as connection:  # a lock an apply of that version held
            connection.execute(
                text(
                    "INSERT INTO locks (project, owner, acquired_at, expires_at) VALUES ('demo', 'old pid 7', :t, :t)"
                ),
                {"t": NOW},
            )
        with Store(blank_url) as store:
            lock = store.lock("demo")
        assert lock is not None and (lock.id, lock.owner, lock.pid) == ("00000000", "old pid 7", None)
        assert revision_of(engine) == migrations.HEAD
        assert differences(engine) == []

    def test_a_database_from_a_newer_version_is_refused_by_name(self, blank_url: str, engine: Engine) -> None:
        Store(blank_url).close()
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(
            StoreNewer, match=rf"schema revision 9999.*knows up to {migrations.HEAD}\).*newer version"
        ) as caught:
            Store(blank_url)
        assert caught.value.hint is not None and "upgrade reasoning-gitops" in caught.value.hint

    def test_opening_a_current_store_does_not_load_alembic(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path}/state.db"
        Store(url).close()
        probe = f"import sys; from controlplane.store import Store; Store({url!r}).close()\n"
        probe += "print('alembic' in sys.modules)"
        out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "False"


class TestAddingARevision:
    def test_one_command_writes_a_revision_that_brings_old_databases_to_the_new_tables(self, tmp_path: Path) -> None:
        # a copy of the package, as a developer's checkout with a column added to tables.py
        shutil.copytree(ROOT / "controlplane", tmp_path / "controlplane", ignore=shutil.ignore_patterns("__pycache__"))
        tables = tmp_path / "controlplane" / "store" / "tables.py"
        source = tables.read_text()
        anchor = '    Column("reason", String),\n'  # the usage table's (the first such line)
        assert anchor in source
        tables.write_text(source.replace(anchor, anchor + '    Column("note", Text),\n', 1))
        old = tmp_path / "old.db"
        env = {**os.environ, "PYTHONPATH": str(tmp_path)}
        # a store made before the change, by the copy's revisions as they were
        script = "from controlplane.store.migrations import upgrade\nfrom sqlalchemy import create_engine\n"
        script += f"with create_engine('sqlite:///{old}').begin() as c: upgrade(c)\n"
        subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, check=True)

        made = subprocess.run(
            [sys.executable, "-m", "controlplane.store.migrations", "revision", "usage: a note"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )

        after = f"{int(migrations.HEAD) + 1:04d}"
        written = list((tmp_path / "controlplane" / "store" / "migrations" / "versions").glob(f"{after}_*.py"))
        assert len(written) == 1 and str(written[0].name) in made.stdout
        assert "batch_op.add_column(sa.Column('note', sa.Text()" in written[0].read_text().replace('"', "'")
        head = (tmp_path / "controlplane" / "store" / "migrations" / "__init__.py").read_text()
        assert f'HEAD = "{after}"' in head
        # the old store opens at the new revision with the new column
        check = f"from controlplane.store import Store\nStore('sqlite:///{old}').close()\n"
        check += "import sqlite3\nc = sqlite3.connect(" + repr(str(old)) + ")\n"
        check += "print(c.execute('select version_num from alembic_version').fetchone()[0],"
        check += " [r[1] for r in c.execute('pragma table_info(usage)')][-1])\n"
        opened = subprocess.run(
            [sys.executable, "-c", check], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
        )
        assert opened.stdout.split() == [after, "note"]


#: a process that opens the store once every process is ready: each says so, then waits for a line
OPENER = """
import sys
from controlplane.errors import StoreError
print("ready", flush=True)
sys.stdin.readline()
from controlplane.store import Store
try:
    Store(sys.argv[1]).close()
except StoreError as error:
    print(f"error: {error}", flush=True)
    raise SystemExit(1)
print("opened", flush=True)
"""


def open_at_once(url: str, processes: int) -> list[tuple[int, str]]:
    """`processes` processes open the store at the same moment; their exit codes and output."""
    started = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, url],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(processes)
    ]
    for process in started:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    for process in started:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    results = []
    for process in started:
        out, _ = process.communicate(timeout=120)
        results.append((process.returncode, out.strip()))
    return results


class TestConcurrentFirstStart:
    def test_processes_opening_a_new_store_at_once_all_succeed(self, blank_url: str, engine: Engine) -> None:
        results = open_at_once(blank_url, 6)
        assert results == [(0, "opened")] * 6
        assert differences(engine) == [] and revision_of(engine) == migrations.HEAD

    def test_processes_adopting_a_database_from_before_migrations_at_once_all_succeed(
        self, blank_url: str, engine: Engine
    ) -> None:
        before_migrations(engine, "applied_roles", "locks")
        results = open_at_once(blank_url, 6)
        assert results == [(0, "opened")] * 6
        assert differences(engine) == [] and revision_of(engine) == migrations.HEAD
