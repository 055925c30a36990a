"""`reasoning apply` and `reasoning destroy`: plan (or read a saved plan), confirm, execute."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from controlplane.cli.output import err, out
from controlplane.cli.plan import show_plan

if TYPE_CHECKING:
    from controlplane.apply import ProjectLock
    from controlplane.catalog import Catalog
    from controlplane.plan import Plan
    from controlplane.project import Project

FILE = typer.Option(Path("reasoning.yaml"), "-f", "--file", help="The manifest.")
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
    from controlplane.apply import locked, prepare
    from controlplane.manifest import load
    from controlplane.project import open_project

    manifest = load(file)
    wait_for_lock = _duration(lock_timeout, "--lock-timeout")
    saved = read_plan(planfile, manifest.project) if planfile is not None else None
    with open_project(manifest) as project, locked(project.store, manifest.project, timeout=wait_for_lock) as lock:
        result, catalog = prepare(project, saved=saved, destroy=destroy)
        show_plan(result)
        if not result.has_changes:
            return
        if saved is None and not auto_approve:
            _confirm(f"Delete every endpoint of project {manifest.project}?" if destroy else "Apply these changes?")
        _execute(project, result, catalog, lock, wait=not no_wait)


def _execute(project: Project, result: Plan, catalog: Catalog, lock: ProjectLock, *, wait: bool) -> None:
    from rich.live import Live
    from rich.table import Table

    from controlplane import clock
    from controlplane.apply import Applier

    def report(role: str, text: str) -> None:
        err.print(f"  {role}: {text}", markup=False)

    live = Live(console=err, transient=False, auto_refresh=False)
    started = clock.now()

    shown: list[bool] = []

    def progress(states: dict[str, tuple[str, int, int]]) -> None:
        shown.append(True)
        table = Table.grid(padding=(0, 2))
        elapsed = int((clock.now() - started).total_seconds())
        for role, (state, ready, wanted) in sorted(states.items()):
            table.add_row(role, state, f"{ready}/{wanted} ready", f"{elapsed}s")
        live.update(table, refresh=True)

    err.print()
    applier = Applier(project.provider, project.store, catalog, lock, report=report, progress=progress)
    try:
        with live:
            applier.run(result, wait=wait)
    finally:
        if shown and not err.is_terminal:
            err.print()  # off a terminal, Live leaves its last line open: an error would join it
    counts = result.counts()
    done = ", ".join(f"{counts[k]} {PAST[k]}" for k in counts if k != "noop" and counts[k])
    out.print(f"\nApply complete: {done}." + ("" if wait else " Not waiting: `reasoning status` shows progress."))


def read_plan(path: Path, project: str) -> Plan:
    from pydantic import ValidationError

    from controlplane.errors import PlanError
    from controlplane.plan import FORMAT_VERSION, Plan

    try:
        saved = Plan.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise PlanError(f"{path}: no such plan file") from None
    except ValidationError as error:
        raise PlanError(f"{path}: not a plan saved by `reasoning plan --out` ({error.errors()[0]['msg']})") from None
    if saved.format_version != FORMAT_VERSION:
        raise PlanError(f"{path}: plan format {saved.format_version}, this reasoning reads {FORMAT_VERSION}")
    if saved.project != project:
        raise PlanError(f"{path}: the plan is for project {saved.project}, the manifest is for {project}")
    return saved


def _confirm(question: str) -> None:
    from controlplane.errors import ReasoningError

    if not sys.stdin.isatty():
        raise ReasoningError(
            "refusing to apply without confirmation: stdin is not a terminal",
            hint="pass --auto-approve (as CI does), or apply a saved plan file",
        )
    if not typer.confirm(question, default=False):
        raise typer.Abort()


def _duration(text: str, option: str) -> timedelta:
    from controlplane.errors import ReasoningError
    from controlplane.manifest.schema import parse_duration

    try:
        return parse_duration(text)
    except ValueError as error:
        raise ReasoningError(f"{option}: {error}") from None
