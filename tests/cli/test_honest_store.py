"""What the commands say of a store that is empty, damaged or read-only (reliability test 9):
the file and what is wrong with it, exit 1, nothing started afresh; on a read-only store the
commands that only read still read."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import Run
from tests.support.project import edit

ROOT = Path(__file__).resolve().parents[2]
READERS = [["status"], ["plan"], ["costs", "report"], ["events"]]
#: what each reader prints that it can only have read from the store (or, for plan, the world)
READ = {"status": "should_respond", "plan": "Project quickstart", "costs report": "should_respond", "events": "create"}


@pytest.fixture
def applied(run: Run, quickstart: Path) -> Path:
    """The quickstart applied, its store in a folder of its own (`store/state.db`)."""
    edit(quickstart, "sqlite:///.reasoning/state.db", "sqlite:///store/state.db")
    result = run("apply", "-f", str(quickstart), "--auto-approve", "--no-wait")
    assert result.code == 0, result.text
    return quickstart


def database(manifest: Path) -> Path:
    return manifest.parent / "store" / "state.db"


def damage_a_table(path: Path, table: str) -> None:
    """Overwrite the table's root page past its header, as a bad sector or a stray write would."""
    opened = sqlite3.connect(path)
    opened.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = opened.execute("PRAGMA page_size").fetchone()[0]
    root = opened.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    opened.close()
    with path.open("r+b") as file:
        file.seek((root - 1) * page + 8)
        file.write(b"\xa5" * (page - 8))


class TestDamagedOrLost:
    @pytest.mark.parametrize("command", READERS, ids=" ".join)
    def test_an_emptied_file_is_named_and_never_started_afresh(
        self, run: Run, applied: Path, command: list[str]
    ) -> None:
        database(applied).write_bytes(b"")
        result = run(*command, "-f", str(applied))
        assert result.code == 1
        assert f"error: the state database sqlite:///{database(applied)} is an empty file (0 bytes)" in result.err
        assert database(applied).stat().st_size == 0

    def test_a_table_gone_is_named(self, run: Run, applied: Path) -> None:
        with sqlite3.connect(database(applied)) as opened:
            opened.execute("DROP TABLE applied_roles")
        result = run("status", "-f", str(applied))
        assert result.code == 1
        assert "has lost tables it had: applied_roles" in result.err

    @pytest.mark.parametrize("command", READERS, ids=" ".join)
    def test_a_file_that_is_no_database_is_named_corrupt(self, run: Run, applied: Path, command: list[str]) -> None:
        with database(applied).open("r+b") as file:
            file.write(b"no database header here")
        result = run(*command, "-f", str(applied))
        assert result.code == 1
        assert f"{database(applied)} is corrupt: file is not a database" in result.err

    @pytest.mark.parametrize("command", [*READERS, ["apply", "--auto-approve"]], ids=" ".join)
    def test_damage_to_a_table_no_command_reads_still_stops_every_command(
        self, run: Run, applied: Path, command: list[str]
    ) -> None:
        damage_a_table(database(applied), "applied_roles")  # costs report never reads it
        result = run(*command, "-f", str(applied))
        assert result.code == 1
        assert f"{database(applied)} is corrupt: " in result.err and ".recover" in result.err


def read_only_run(folder: Path, manifest: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`reasoning ARGS` in a process for which `folder` is read-only: its mode for a user, a
    read-only bind mount for root (whom modes do not stop)."""
    command = [sys.executable, "-c", "from controlplane.cli import main; main()", *args, "-f", str(manifest)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if os.geteuid() != 0:
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=manifest.parent)
    if shutil.which("unshare") is None:
        pytest.skip("root, and no unshare for a read-only mount")
    mounted = ["unshare", "-m", "sh", "-c", 'mount --bind -o ro "$0" "$0" && exec "$@"', str(folder), *command]
    done = subprocess.run(mounted, capture_output=True, text=True, env=env, cwd=manifest.parent)
    if "mount:" in done.stderr or "unshare:" in done.stderr:
        pytest.skip(f"root may not mount here: {done.stderr.strip()}")
    return done


class TestReadOnly:
    @pytest.fixture
    def read_only(self, applied: Path) -> Path:
        folder = database(applied).parent
        sqlite3.connect(database(applied)).execute("PRAGMA wal_checkpoint(TRUNCATE)").connection.close()
        if os.geteuid() != 0:
            for path in [*folder.iterdir(), folder]:
                path.chmod(0o555 if path.is_dir() else 0o444)
        yield applied
        for path in [folder, *folder.iterdir()]:
            path.chmod(0o755 if path.is_dir() else 0o644)

    @pytest.mark.parametrize("command", READERS, ids=" ".join)
    def test_the_commands_that_only_read_still_read(self, read_only: Path, command: list[str]) -> None:
        done = read_only_run(database(read_only).parent, read_only, *command)
        assert done.returncode == 0, done.stderr
        assert READ[" ".join(command)] in done.stdout

    def test_a_command_that_writes_names_the_read_only_file(self, read_only: Path) -> None:
        done = read_only_run(database(read_only).parent, read_only, "apply", "--auto-approve")
        assert done.returncode == 1
        assert f"cannot lock the state database sqlite:///{database(read_only)}: it is read-only here" in done.stderr
