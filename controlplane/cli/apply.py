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


def register(app: typer.Typer) -> None:
    app.command()(apply)
    app.command()(destroy)


def apply(
    planfile: Path = typer.Argument(None, help="A plan saved by `reasoning plan --out`; applied exactly."),
    file: Path = FILE,
    auto_approve: bool = AUTO_APPROVE,
    no_wait: bool = NO_WAIT,
    lock_timeout: str = LOCK_TIMEOUT,
) -> None:
    """Make the provider match the manifest (or a saved plan)."""
    _run(file, planfile=planfile, auto_approve=auto_approve, no_wait=no_wait, lock_timeout=lock_timeout)


def destroy(
    file: Path = FILE,
    auto_approve: bool = AUTO_APPROVE,
    no_wait: bool = NO_WAIT,
    lock_timeout: str = LOCK_TIMEOUT,
) -> None:
    """Delete every endpoint of the project (its training data and history stay in the store)."""
    _run(file, destroy=True, auto_approve=auto_approve, no_wait=no_wait, lock_timeout=lock_timeout)


def _run(
    file: Path, *, planfile: Path | None = None, destroy: bool = False, auto_approve: bool, no_wait: bool,
    lock_timeout: str,
) -> None:  # fmt: skip
    """Under the lock: plan (or check the saved plan), show it, confirm, execute."""
    from controlplane.errors import LockHeld

    with short_lived():
        from controlplane import api

        manifest = api.load(file)
        wait_for_lock = parse_span(lock_timeout, "--lock-timeout")
        progress = _Progress()

        def review(plan: Plan) -> bool:
            show_plan(plan)
            if not plan.has_changes:
                return False
            if planfile is None and not auto_approve:
                _confirm(f"Delete every endpoint of project {manifest.project}?" if destroy else "Apply these changes?")
            err.print()
            long_lived()  # executing may mean waiting long for deployments
            progress.start()
            return True

        try:
            result = api.apply(
                manifest,
                plan_file=planfile,
                destroy=destroy,
                lock_timeout=wait_for_lock,
                wait=not no_wait,
                review=review,
                on_step=_step,
                on_progress=progress.show,
            )
        except LockHeld as error:
            unlock = f"; if nothing holds it any more: reasoning force-unlock {error.lock_id}" if error.lock_id else ""
            hint = f"wait for it to finish, or retry with --lock-timeout 10m{unlock}"
            raise LockHeld(str(error), hint=hint, lock_id=error.lock_id) from None
        finally:
            progress.stop()
    if not result.executed:
        return
    counts = result.plan.counts()
    done = ", ".join(f"{counts[k]} {PAST[k]}" for k in counts if k != "noop" and counts[k])
    waiting = " Not waiting: `reasoning status` shows progress." if no_wait else ""
    out.print(f"\nApply complete: {done}.{waiting}")


def _step(role: str, text: str) -> None:
    err.print(f"  {role}: {text}", markup=False)


class _Progress:
    """The deployments' states as apply waits for them, redrawn in place on a terminal."""

    def __init__(self) -> None:
        self.live: Live | None = None
        self.started: datetime | None = None
        self.shown = False

    def start(self) -> None:
        from rich.live import Live

        from controlplane import clock

        self.started = clock.now()
        self.live = Live(console=err, transient=False, auto_refresh=False)
        self.live.start()

    def show(self, states: dict[str, tuple[str, int, int]]) -> None:
        from rich.table import Table

        from controlplane import clock

        assert self.live is not None and self.started is not None
        self.shown = True
        table = Table.grid(padding=(0, 2))
        elapsed = int((clock.now() - self.started).total_seconds())
        for role, (state, ready, wanted) in sorted(states.items()):
            table.add_row(role, state, f"{ready}/{wanted} ready", f"{elapsed}s")
        self.live.update(table, refresh=True)

    def stop(self) -> None:
        if self.live is None:
            return
        self.live.stop()
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
