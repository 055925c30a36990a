"""`reasoning events`: the audit timeline — who changed what, when and why.

Reads the store only (apply, reconcile and the lock write events there), so it works offline.
Each event is one change to one role (create, update, replace, start, stop, delete, with the
plan's or the policy's reason), a retention run, or a lock taken over.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from controlplane.cli.options import FILE, parse_when
from controlplane.cli.output import out, show
from controlplane.cli.process import short_lived

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.table import Table

    from controlplane.values import Event


def register(app: typer.Typer) -> None:
    app.command()(events)


def events(
    file: Path = FILE,
    since: str = typer.Option(
        None, "--since", help="Only events from then on: a span back from now (2h, 7d) or an ISO time in UTC."
    ),
    role: str = typer.Option(None, "--role", help="Only this role's events."),
    as_json: bool = typer.Option(False, "--json", help="Print versioned JSON."),
) -> None:
    """Show the audit timeline: who started, stopped or changed which role, when and why."""
    with short_lived():
        from controlplane import api, clock

        start = parse_when(since, "--since", clock.now())
        log = api.events(api.load(file), since=start, role=role)
    if as_json:
        out.print(json.dumps(log.model_dump(mode="json"), indent=2), markup=False)
        return
    if not log.events:
        out.print(f"No events for project {log.project}" + (f" and role {log.role}" if log.role else "") + ".")
        return
    show(timeline(log.events))


def timeline(found: Sequence[Event]) -> Table:
    from rich.table import Table

    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("when (UTC)", "role", "who", "what", "why"):
        table.add_column(column, no_wrap=column != "why")
    for event in found:
        table.add_row(
            f"{event.at:%Y-%m-%d %H:%M:%S}",
            event.role or "-",
            event.actor,
            event.kind,
            event.reason,
        )
    return table
