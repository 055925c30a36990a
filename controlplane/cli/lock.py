"""`reasoning force-unlock LOCK_ID`: remove a project's apply lock that nothing holds any more.

As `terraform force-unlock`: it shows the lock and asks, unless `--force` (or `--yes`) says yes
already; it removes only the lock whose id it is given (the LockHeld message names it), and
records a `lock.force-unlock` event. A lock whose holder died on the same host needs none of
this: the next apply or reconcile takes it over by itself.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from controlplane.cli.options import FILE
from controlplane.cli.output import err, out

if TYPE_CHECKING:
    from controlplane.values.records import Lock


def register(app: typer.Typer) -> None:
    app.command("force-unlock")(force_unlock)


def force_unlock(
    lock_id: str = typer.Argument(
        ..., metavar="LOCK_ID", help="The lock's id, as `locked by ...; lock id ID` names it."
    ),
    file: Path = FILE,
    force: bool = typer.Option(False, "--force", "-force", "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Remove the project's apply lock LOCK_ID, whoever holds it (after a crash on another host)."""
    from controlplane import api

    def confirm(lock: Lock) -> bool:
        show_lock(lock)
        if force:
            return True
        if not sys.stdin.isatty():
            from controlplane.errors import ReasoningError

            raise ReasoningError(
                "refusing to force-unlock without confirmation: stdin is not a terminal",
                hint=f"pass --force to remove lock {lock.id}",
            )
        err.print("Removing it lets another apply or reconcile run beside its holder, if that still runs.")
        if not typer.confirm("Do you really want to force-unlock?", default=False, err=True):
            raise typer.Abort()
        return True

    removed = api.force_unlock(api.load(file), lock_id, confirm=confirm)
    assert removed is not None  # confirm says yes or raises
    out.print(f"Lock {removed.id} of project {removed.project} removed.", markup=False)


def show_lock(lock: Lock) -> None:
    holder = f"pid {lock.pid} on {lock.host}" if lock.pid is not None else "unknown"
    for label, value in (
        ("Lock", f"{lock.id} (project {lock.project})"),
        ("Owner", lock.owner),
        ("Process", holder),
        ("Since", f"{lock.acquired_at:%Y-%m-%d %H:%M:%S} UTC"),
        ("Expires", f"{lock.expires_at:%Y-%m-%d %H:%M:%S} UTC"),
    ):
        err.print(f"{label + ':':9}{value}", markup=False, highlight=False)
