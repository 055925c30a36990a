"""`reasoning apply` and `reasoning destroy`: plan (or read a saved plan), confirm, execute."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from controlplane.cli.options import FILE, parse_span
from controlplane.cli.output import err, out
from controlplane.cli.plan import show_plan
from controlplane.cli.process import long_lived, short_lived

if TYPE_CHECKING:
    from rich.live import Live

    from controlplane.manifest import Manifest
    from controlplane.values.plan import Plan

AUTO_APPROVE = typer.Option(False, "--auto-approve", help="Do not ask for confirmation.")
NO_WAIT = typer.Option(False, "--no-wait", help="Return once changes are requested, without waiting for READY.")
PAST = {
    "create": "created",
    "update": "updated",
    "replace": "replaced",
    "start": "started",
    "stop": "stopped",
    "delete": "deleted",
}
LOCK_TIMEOUT = typer.Option("0s", "--lock-timeout", help="Wait this long for another apply's lock (e.g. 5m).")
TARGET = typer.Option(None, "--target", help="Only this role (repeatable); the others are left as they are.")
QUIET = typer.Option(False, "-q", "--quiet", help="Print only errors and the final line.")


def register(app: typer.Typer) -> None:
    app.command()(apply)
    app.command()(destroy)


def apply(
    planfile: Path = typer.Argument(None, help="A plan saved by `reasoning plan --out`; applied exactly."),
    file: Path = FILE,
    auto_approve: bool = AUTO_APPROVE,
    no_wait: bool = NO_WAIT,
    lock_timeout: str = LOCK_TIMEOUT,
    target: list[str] = TARGET,
    quiet: bool = QUIET,
) -> None:
    """Make the provider match the manifest (or a saved plan).

    Ctrl-C stops between two steps (a second Ctrl-C at once) and says what was left running.
    """
    run_apply(file, planfile=planfile, auto_approve=auto_approve, no_wait=no_wait, lock_timeout=lock_timeout,
              target=target or None, quiet=quiet)  # fmt: skip


def destroy(
    file: Path = FILE,
    auto_approve: bool = AUTO_APPROVE,
    no_wait: bool = NO_WAIT,
    lock_timeout: str = LOCK_TIMEOUT,
    quiet: bool = QUIET,
) -> None:
    """Delete every endpoint of the project (its training data and history stay in the store)."""
    run_apply(file, destroy=True, auto_approve=auto_approve, no_wait=no_wait, lock_timeout=lock_timeout, quiet=quiet)


def run_apply(
    file: Path, *, planfile: Path | None = None, destroy: bool = False, auto_approve: bool, no_wait: bool = False,
    lock_timeout: str = "0s", target: list[str] | None = None, quiet: bool = False,
) -> None:  # fmt: skip
    """Under the lock: plan (or check the saved plan), show it, confirm, execute."""
    from controlplane.errors import ApplyInterrupted, LockHeld

    with short_lived():
        from controlplane import api

        manifest = api.load(file)
        wait_for_lock = parse_span(lock_timeout, "--lock-timeout")
        progress = _Progress(quiet=quiet)
        interrupt = _Interrupt()

        def review(plan: Plan) -> bool:
            if not quiet:
                show_plan(plan)
            if not plan.has_changes:
                return False
            if planfile is None and not auto_approve:
                _confirm(f"Delete every endpoint of project {manifest.project}?" if destroy else "Apply these changes?")
            if not quiet:
                err.print()
            long_lived()  # executing may mean waiting long for deployments
            progress.start()
            interrupt.arm()
            return True

        try:
            result = api.apply(
                manifest,
                plan_file=planfile,
                destroy=destroy,
                lock_timeout=wait_for_lock,
                wait=not no_wait,
                review=review,
                on_step=(lambda role, text: None) if quiet else _step,
                on_progress=progress.show,
                target=target,
                stop_requested=interrupt.requested,
            )
        except LockHeld as error:
            unlock = f"; if nothing holds it any more: reasoning force-unlock {error.lock_id}" if error.lock_id else ""
            hint = f"wait for it to finish, or retry with --lock-timeout 10m{unlock}"
            raise LockHeld(str(error), hint=hint, lock_id=error.lock_id) from None
        except ApplyInterrupted as error:
            progress.stop()
            interrupt.disarm()
            raise ApplyInterrupted(str(error), hint=_left_running(manifest) + "; " + (error.hint or "")) from None
        finally:
            progress.stop()
            interrupt.disarm()
    if not result.executed:
        return
    counts = result.plan.counts()
    done = ", ".join(f"{counts[k]} {PAST[k]}" for k in counts if k != "noop" and counts[k])
    waiting = " Not waiting: `reasoning status` shows progress." if no_wait else ""
    out.print(f"\nApply complete: {done}.{waiting}")


def _step(role: str, text: str) -> None:
    err.print(f"  {role}: {text}", markup=False)


def _left_running(manifest: Manifest) -> str:
    """What runs (and bills) on the provider now, after an interrupted apply."""
    from controlplane import api

    try:
        report = api.models(manifest)
    except Exception:  # the provider may be what failed; the hint must not hide the interruption
        return "`reasoning status` shows what is running"
    running = [f"{m.role} {m.state} {m.usd_per_hour}" for m in report.models if m.usd_per_hour.high > 0]
    return ("left running: " + ", ".join(running)) if running else "nothing is left running"


class _Interrupt:
    """Ctrl-C during execution: the first asks apply to stop after the step it is in, a second
    one (impatience) interrupts at once, as Python does by default."""

    def __init__(self) -> None:
        self.pressed = False
        self._previous: object = None

    def arm(self) -> None:
        import signal
        import threading

        if threading.current_thread() is not threading.main_thread():
            return
        self._previous = signal.signal(signal.SIGINT, self._handle)

    def disarm(self) -> None:
        import signal

        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]
            self._previous = None

    def _handle(self, signum: int, frame: object) -> None:
        if self.pressed:
            raise KeyboardInterrupt
        self.pressed = True
        err.print("\nInterrupted: stopping after the current step (Ctrl-C again to stop at once).")

    def requested(self) -> bool:
        return self.pressed


class _Progress:
    """The deployments' states as apply waits for them, redrawn in place on a terminal; a role
    that is done stays in the table with its final state."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.live: Live | None = None
        self.started: datetime | None = None
        self.shown = False
        self.quiet = quiet
        self.seen: dict[str, tuple[str, int, int]] = {}

    def start(self) -> None:
        if self.quiet:
            return
        from rich.live import Live

        from controlplane import clock

        self.started = clock.now()
        self.live = Live(console=err, transient=False, auto_refresh=False)
        self.live.start()

    def show(self, states: dict[str, tuple[str, int, int]]) -> None:
        from rich.table import Table

        from controlplane import clock

        if self.live is None or self.started is None:
            return
        self.shown = True
        self.seen.update(states)
        table = Table.grid(padding=(0, 2))
        elapsed = int((clock.now() - self.started).total_seconds())
        for role, (state, ready, wanted) in sorted(self.seen.items()):
            table.add_row(role, state, f"{ready}/{wanted} ready", f"{elapsed}s")
        self.live.update(table, refresh=True)

    def stop(self) -> None:
        if self.live is None:
            return
        self.live.stop()
        self.live = None
        if self.shown and not err.is_terminal:
            err.print()  # off a terminal, Live leaves its last line open: an error would join it


def _confirm(question: str) -> None:
    from controlplane.errors import ReasoningError

    if not sys.stdin.isatty():
        raise ReasoningError(
            "refusing to apply without confirmation: stdin is not a terminal",
            hint="pass --auto-approve (as CI does), or apply a saved plan file",
        )
    if not typer.confirm(question, default=False):
        raise typer.Abort()
