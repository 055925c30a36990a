"""The CLI's one error boundary: usage mistakes, prompts and signals end the way click's own tools do.

Usage errors exit 2 with typer's (click's) own message, a declined prompt says "Aborted." and exits
1, Ctrl-C at a prompt says "Interrupted." and exits 130, and none of them is called a bug. These
run against the typer a fresh install resolves (pinned in pyproject.toml, and checked below). The
prompt only appears on a terminal, so those tests run the CLI as a subprocess on a pseudo-terminal.
"""

from __future__ import annotations

import os
import platform
import pty
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import click
import pytest
import typer

from controlplane.cli import DISTRIBUTION, app
from tests.support.cli import Run

BUG = "this is a bug"
PROMPT = b"Apply these changes? [y/N]: "
#: how long the subprocess may take to plan and reach the prompt: a guard against a hang, not a wait
PROMPT_DEADLINE_SECONDS = 120


def command_paths() -> list[tuple[str, ...]]:
    """Every command and group under `reasoning`, as the words that name it."""
    paths: list[tuple[str, ...]] = []

    def walk(command: click.Command, path: tuple[str, ...]) -> None:
        paths.append(path)
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())  # type: ignore[arg-type]
    return paths


class TestUsageErrors:
    def test_bare_reasoning_shows_the_help_and_exits_2_as_click_does(self, run: Run) -> None:
        result = run()
        assert result.code == 2
        assert result.err.startswith("Usage: reasoning [OPTIONS] COMMAND [ARGS]...")
        assert "plan " in result.err and "apply " in result.err and BUG not in result.text

    def test_an_unknown_option_exits_2_with_clicks_message(self, run: Run) -> None:
        result = run("plan", "--bogus")
        assert result.code == 2
        assert "Error: No such option: --bogus" in result.err
        assert "Try 'reasoning plan -h' for help." in result.err and BUG not in result.text

    def test_an_unknown_command_exits_2(self, run: Run) -> None:
        result = run("plna")
        assert result.code == 2 and "No such command 'plna'" in result.err and BUG not in result.text

    def test_a_bad_option_value_exits_2_naming_the_option(self, run: Run) -> None:
        result = run("reconcile", "--max-rounds", "many")
        assert result.code == 2 and "'--max-rounds'" in result.err and BUG not in result.text

    def test_clicks_own_exceptions_from_below_are_read_like_typers(
        self, run: Run, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import controlplane.manifest

        def refuse(*args: object) -> None:
            raise click.BadParameter("not today", param_hint="'-f'")

        monkeypatch.setattr(controlplane.manifest, "load", refuse)
        result = run("validate")
        assert result.code == 2 and "Invalid value for '-f': not today" in result.err and BUG not in result.text


class TestInterrupts:
    def test_ctrl_c_during_a_command_exits_130_saying_interrupted(
        self, run: Run, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import controlplane.manifest

        def interrupted(*args: object) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(controlplane.manifest, "load", interrupted)
        result = run("validate")
        assert result.code == 130 and result.err == "Interrupted.\n"


class TestHelpAndVersion:
    @pytest.mark.parametrize("path", command_paths(), ids=lambda path: " ".join(path) or "reasoning")
    def test_dash_h_is_help_on_every_command(self, run: Run, path: tuple[str, ...]) -> None:
        result = run(*path, "-h")
        assert result.code == 0, result.text
        assert result.out.startswith(f"Usage: {' '.join(('reasoning', *path))} ")
        assert run(*path, "--help").out == result.out

    def test_version_prints_the_installed_distributions_version(self, run: Run) -> None:
        result = run("--version")
        assert result.code == 0 and result.out == f"reasoning {version(DISTRIBUTION)}\n"

    def test_version_wins_over_a_command(self, run: Run) -> None:
        assert run("--version", "plan").out.startswith("reasoning ")


class TestStartUp:
    def test_help_imports_no_library_nor_rich_nor_click(self) -> None:
        """`reasoning --help` is typer and the command modules: the library loads when a command runs."""
        script = (
            "import sys\n"
            "sys.argv = ['reasoning', '--help']\n"
            "from controlplane.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
        )
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
        loaded = set(done.stderr.split())
        heavy = {"rich", "click", "pydantic", "sqlalchemy", "sqlmodel", "httpx", "jinja2", "ruamel", "runtime"}
        assert {name.split(".")[0] for name in loaded} & heavy == set()
        ours = {name for name in loaded if name.startswith("controlplane.") and not name.startswith("controlplane.cli")}
        assert ours <= {"controlplane.errors"}, ours

    def test_plan_on_the_quickstart_loads_only_what_it_uses_and_starts_no_process(self, quickstart: Path) -> None:
        """`reasoning plan` as a new user runs it, once the store is there: no templates, no
        migrations, no SQLAlchemy (the SQLite store's check and plan's reads are the stdlib's), no
        command-line programs of its libraries (httpx's pulls click, rich's syntax and pygments),
        and no subprocess (croniter's import would run `file -b` on the interpreter)."""
        script = (
            "import subprocess, sys\n"
            "started = []\n"
            "real = subprocess.Popen.__init__\n"
            "def spy(self, args, *rest, **named):\n"
            "    started.append(args)\n"
            "    real(self, args, *rest, **named)\n"
            "subprocess.Popen.__init__ = spy\n"
            "sys.argv = ['reasoning', 'plan']\n"
            "from controlplane.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(repr(started), file=sys.stderr)\n"
            "print(' '.join(sorted(name for name, module in sys.modules.items() if module)), file=sys.stderr)\n"
        )
        first = subprocess.run(
            [sys.executable, "-c", script], cwd=quickstart.parent, capture_output=True, text=True, check=True
        )
        assert "Plan:" in first.stdout  # it made the store (SQLAlchemy's work); the second plan reads it
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=quickstart.parent, capture_output=True, text=True, check=True
        )
        started, modules = done.stderr.strip().splitlines()[-2:]
        assert "Plan:" in done.stdout
        assert started == "[]"
        loaded = {name.split(".")[0] for name in modules.split()} | set(modules.split())
        unneeded = {"alembic", "jinja2", "click", "pygments", "httpx._main", "rich.syntax", "rich.progress", "uvicorn"}
        unneeded |= {"starlette", "aiohttp", "runtime", "controlplane.apply", "controlplane.reconcile"}
        unneeded |= {"controlplane.values.data", "controlplane.values.shadow", "controlplane.values.reconcile"}
        unneeded |= {"sqlalchemy", "sqlmodel"}
        assert loaded & unneeded == set()

    @pytest.mark.parametrize(("setting", "scans"), [(None, False), ("", True)])
    def test_the_command_reads_no_plugin_entry_points_unless_the_environment_asks(
        self, quickstart: Path, setting: str | None, scans: bool
    ) -> None:
        """`reasoning plan` as installed (`controlplane.command.run`) leaves pydantic's plugin
        scan of every installed distribution out, unless PYDANTIC_DISABLE_PLUGINS is set already."""
        script = (
            "import importlib.metadata, sys\n"
            "groups = []\n"
            "real = importlib.metadata.entry_points\n"
            "def spy(**named):\n"
            "    groups.append(named.get('group'))\n"
            "    return real(**named)\n"
            "importlib.metadata.entry_points = spy\n"
            "sys.argv = ['reasoning', 'plan']\n"
            "from controlplane.command import run\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            "print(repr(groups), file=sys.stderr)\n"
        )
        env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
        if setting is not None:
            env["PYDANTIC_DISABLE_PLUGINS"] = setting
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=quickstart.parent, env=env, capture_output=True, text=True, check=True
        )
        assert "Plan:" in done.stdout
        assert ("'pydantic'" in done.stderr.strip().splitlines()[-1]) is scans


class TestCompletion:
    def test_the_completion_script_is_offered_for_the_shell_it_runs_in(self) -> None:
        # --show-completion is a flag: typer detects the shell from the process's parents, so the
        # test runs it as a user does, from bash (whatever shell, if any, started the suite); the
        # second statement keeps bash from exec-ing the command in its own place
        command = f"{sys.executable} -c 'from controlplane.cli import main; main()' --show-completion; exit $?"
        result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "_reasoning_completion()" in result.stdout and "_REASONING_COMPLETE" in result.stdout

    def test_completing_a_command_and_an_option(self, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("_REASONING_COMPLETE", "complete_bash")
        monkeypatch.setenv("COMP_WORDS", "reasoning pl")
        monkeypatch.setenv("COMP_CWORD", "1")
        assert run().out.split() == ["plan"]
        monkeypatch.setenv("COMP_WORDS", "reasoning plan --mark")
        monkeypatch.setenv("COMP_CWORD", "2")
        assert run().out.split() == ["--markdown"]


#: read(2)'s number, by machine: what `/proc/PID/syscall` shows first while a process waits in it
READ_SYSCALL = {"x86_64": "0", "aarch64": "63"}.get(platform.machine())


def _reading_stdin(pid: int) -> bool:
    fields = Path(f"/proc/{pid}/syscall").read_text().split()
    return len(fields) > 1 and fields[0] == READ_SYSCALL and fields[1] == "0x0"


def _interruptible() -> None:
    # A terminal's foreground process takes Ctrl-C at SIGINT's default. A job a non-interactive shell
    # started in the background (as CI may run the suite) inherits SIGINT ignored, and Python then
    # installs no handler: the child would sleep through the test's Ctrl-C.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class AtThePrompt:
    """`reasoning apply` on the quickstart in a subprocess whose stdin is a terminal, stopped at the prompt."""

    def __init__(self, directory: Path) -> None:
        self.terminal, replica = pty.openpty()
        environment = {key: value for key, value in os.environ.items() if key != "REASONING_STORE_URL"}
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from controlplane.cli import main; main()", "apply"],
            cwd=directory,
            stdin=replica,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
            preexec_fn=_interruptible,
        )
        os.close(replica)
        self.out = self._read_until(PROMPT)

    def _read_until(self, marker: bytes) -> bytes:
        assert self.process.stdout is not None
        seen = b""
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while marker not in seen:
                if not selector.select(timeout=PROMPT_DEADLINE_SECONDS):
                    raise AssertionError(f"no prompt within {PROMPT_DEADLINE_SECONDS} s; stdout so far: {seen!r}")
                chunk = os.read(self.process.stdout.fileno(), 4096)
                if not chunk:
                    _, err = self.process.communicate()
                    raise AssertionError(f"exited {self.process.returncode} before the prompt: {seen!r} {err!r}")
                seen += chunk
        return seen

    def type(self, keys: bytes) -> None:
        os.write(self.terminal, keys)  # the terminal holds them until the prompt reads

    def interrupt(self) -> None:
        """Ctrl-C once the prompt blocks reading the terminal: a signal sent a moment earlier, after
        the prompt is written but before its read() starts, is taken before the read and lost to it
        (as it would be for a person, who never types that fast). `/proc/PID/syscall` names the
        system call a blocked process is in: the read of fd 0 is the prompt waiting for a key."""
        deadline = time.monotonic() + PROMPT_DEADLINE_SECONDS
        while not _reading_stdin(self.process.pid):
            assert time.monotonic() < deadline, "the prompt never blocked on the terminal"
            time.sleep(0.001)  # polls the kernel's view of the child; no result depends on how long
        self.process.send_signal(signal.SIGINT)

    def finish(self) -> tuple[int, str]:
        _, err = self.process.communicate(timeout=PROMPT_DEADLINE_SECONDS)
        os.close(self.terminal)
        return self.process.returncode, err.decode()


class TestPrompt:
    @pytest.fixture
    def prompt(self, quickstart: Path) -> Iterator[AtThePrompt]:
        at = AtThePrompt(quickstart.parent)
        yield at
        if at.process.poll() is None:
            at.process.kill()
            at.process.wait()

    def test_answering_n_aborts_with_exit_1(self, prompt: AtThePrompt) -> None:
        assert b"Plan: " in prompt.out
        prompt.type(b"n\n")
        code, err = prompt.finish()
        assert code == 1 and err.strip() == "Aborted."

    def test_end_of_input_at_the_prompt_aborts_with_exit_1(self, prompt: AtThePrompt) -> None:
        prompt.type(b"\x04")  # Ctrl-D: the terminal's end of input
        code, err = prompt.finish()
        assert code == 1 and err == "\nAborted.\n"

    @pytest.mark.skipif(
        READ_SYSCALL is None or not Path("/proc/self/syscall").exists(),
        reason="reads the blocked system call from Linux's /proc on x86_64 or aarch64",
    )
    def test_ctrl_c_at_the_prompt_is_interrupted_with_exit_130(self, prompt: AtThePrompt) -> None:
        prompt.interrupt()
        code, err = prompt.finish()
        assert code == 130 and err == "\nInterrupted.\n"

    def test_a_declined_apply_changed_nothing(self, prompt: AtThePrompt, quickstart: Path, run: Run) -> None:
        prompt.type(b"n\n")
        assert prompt.finish()[0] == 1
        assert run("plan", "-f", str(quickstart), "--detailed-exitcode").code == 2, "changes still pending"
