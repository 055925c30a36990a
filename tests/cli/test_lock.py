"""The apply lock from the command line: a holder killed with -9 frees it at once, the lock-held
error names the lock's id, and `reasoning force-unlock LOCK_ID` removes it (Terraform's way)."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from controlplane import clock
from controlplane.cli import main
from controlplane.store import Store
from tests.support.cli import Result, Run

ROOT = Path(__file__).resolve().parents[2]

#: holds the quickstart project's lock as apply does, says so, and waits to be killed
HOLDER = """
import sys
from controlplane.lock import locked
from controlplane.store import open_store
from pathlib import Path
store = open_store("sqlite:///.reasoning/state.db", Path(sys.argv[1]))
with locked(store, "quickstart") as lock:
    print(lock.id, flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def store(quickstart: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{quickstart.parent}/.reasoning/state.db") as opened:
        yield opened


def held_elsewhere(store: Store, lock_id: str = "c0ffee01") -> None:
    """A lock an apply on another machine holds (its pid means nothing here)."""
    store.acquire_lock(
        "quickstart",
        "ci@runner-3 pid 4242 #c0ffee01",
        now=clock.now(),
        ttl=timedelta(minutes=15),
        lock_id=lock_id,
        host="runner-3",
        pid=4242,
    )


def at_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], answer: str, *args: str
) -> Result:
    """`reasoning ARGS` with stdin a terminal that types `answer`."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", Terminal(answer))
    monkeypatch.setattr(sys, "argv", ["reasoning", *args])
    try:
        main()
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


class TestAHolderThatDied:
    def test_a_lock_whose_holder_was_killed_is_taken_over_at_once_and_logged(
        self, quickstart: Path, store: Store
    ) -> None:
        from controlplane.lock import locked

        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(quickstart.parent)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout is not None
        dead_id = holder.stdout.readline().strip()
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        held = store.lock("quickstart")
        assert held is not None and held.id == dead_id and held.pid == holder.pid  # left behind by kill -9

        with locked(store, "quickstart") as lock:  # no timeout: it must be free now
            assert lock.id != dead_id
        takeover = [event for event in store.events("quickstart") if event.kind == "lock.takeover"]
        assert len(takeover) == 1
        assert f"lock {dead_id} of " in takeover[0].reason
        assert f"pid {holder.pid} on " in takeover[0].reason and "is no longer running" in takeover[0].reason


class TestLockHeld:
    def test_apply_names_the_lock_id_and_how_to_force_unlock_it(self, run: Run, quickstart: Path, store: Store) -> None:
        held_elsewhere(store)
        result = run("apply", "-f", str(quickstart), "--auto-approve")
        assert result.code == 3
        error, hint = result.err.strip().splitlines()
        assert error.startswith("error: project quickstart is locked by ci@runner-3 pid 4242 #c0ffee01 since ")
        assert error.endswith("; lock id c0ffee01")
        assert hint == (
            "hint: wait for it to finish, or retry with --lock-timeout 10m; "
            "if nothing holds it any more: reasoning force-unlock c0ffee01"
        )


class TestForceUnlock:
    def test_with_force_it_shows_the_lock_removes_it_and_records_who(
        self, run: Run, quickstart: Path, store: Store
    ) -> None:
        held_elsewhere(store)
        result = run("force-unlock", "c0ffee01", "-f", str(quickstart), "--force")
        assert result.code == 0, result.text
        assert result.out.strip() == "Lock c0ffee01 of project quickstart removed."
        assert "Lock:    c0ffee01 (project quickstart)" in result.err
        assert "Owner:   ci@runner-3 pid 4242 #c0ffee01" in result.err
        assert "Process: pid 4242 on runner-3" in result.err
        assert store.lock("quickstart") is None
        unlocked = [event for event in store.events("quickstart") if event.kind == "lock.force-unlock"]
        assert len(unlocked) == 1 and "lock c0ffee01 of ci@runner-3 pid 4242" in unlocked[0].reason
        assert run("apply", "-f", str(quickstart), "--auto-approve", "--no-wait").code == 0

    @pytest.mark.parametrize("flag", ["-force", "--yes", "-y"])
    def test_terraforms_spelling_and_yes_skip_the_question(
        self, run: Run, quickstart: Path, store: Store, flag: str
    ) -> None:
        held_elsewhere(store)
        assert run("force-unlock", "c0ffee01", "-f", str(quickstart), flag).code == 0
        assert store.lock("quickstart") is None

    def test_at_a_terminal_it_asks_and_a_no_keeps_the_lock(
        self, quickstart: Path, store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        held_elsewhere(store)
        result = at_a_terminal(monkeypatch, capsys, "n\n", "force-unlock", "c0ffee01", "-f", str(quickstart))
        assert result.code == 1
        assert "Do you really want to force-unlock? [y/N]" in result.err and "Aborted." in result.err
        assert store.lock("quickstart") is not None

    def test_at_a_terminal_a_yes_removes_it(
        self, quickstart: Path, store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        held_elsewhere(store)
        result = at_a_terminal(monkeypatch, capsys, "y\n", "force-unlock", "c0ffee01", "-f", str(quickstart))
        assert result.code == 0, result.text
        assert store.lock("quickstart") is None

    def test_without_a_terminal_or_force_it_refuses(self, run: Run, quickstart: Path, store: Store) -> None:
        held_elsewhere(store)
        result = run("force-unlock", "c0ffee01", "-f", str(quickstart))
        assert result.code == 1
        assert "error: refusing to force-unlock without confirmation: stdin is not a terminal" in result.err
        assert "hint: pass --force to remove lock c0ffee01" in result.err
        assert store.lock("quickstart") is not None

    def test_another_id_is_refused_naming_the_one_held(self, run: Run, quickstart: Path, store: Store) -> None:
        held_elsewhere(store)
        result = run("force-unlock", "deadbeef", "-f", str(quickstart), "--force")
        assert result.code == 1
        assert result.err.splitlines() == [
            "error: project quickstart's lock is c0ffee01 (held by ci@runner-3 pid 4242 #c0ffee01), not deadbeef",
            "hint: reasoning force-unlock c0ffee01, if that is the one to remove",
        ]
        assert store.lock("quickstart") is not None

    def test_an_unlocked_project_is_an_error(self, run: Run, quickstart: Path) -> None:
        result = run("force-unlock", "c0ffee01", "-f", str(quickstart), "--force")
        assert result.code == 1
        assert result.err.splitlines() == ["error: project quickstart is not locked", "hint: nothing to unlock"]

    def test_a_missing_lock_id_is_a_usage_error(self, run: Run, quickstart: Path) -> None:
        result = run("force-unlock", "-f", str(quickstart))
        assert result.code == 2 and "LOCK_ID" in result.err
