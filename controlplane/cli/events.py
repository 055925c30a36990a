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

from controlplane.cli.output import out, show

if TYPE_CHECKING:
    from rich.table import Table

    from controlplane.store import Event

FILE = typer.Option(Path("reasoning.yaml"), "-f", "--file", help="The manifest.")
FORMAT_VERSION = "1"


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
    from controlplane import clock
    from controlplane.cli.options import parse_when
    from controlplane.manifest import load
    from controlplane.manifest.schema import normalize_role
    from controlplane.project import store_url
    from controlplane.store import open_store

    start = parse_when(since, "--since", clock.now())
    manifest = load(file)
    wanted = normalize_role(role) if role else None
    with open_store(store_url(manifest), manifest.path(".")) as store:
        found = store.events(manifest.project, since=start, role=wanted)
    if as_json:
        data = {
            "format_version": FORMAT_VERSION,
            "project": manifest.project,
            "since": start.isoformat() if start else None,
            "role": wanted,
            "events": [e.model_dump(mode="json", exclude={"project"}) for e in found],
        }
        out.print(json.dumps(data, indent=2), markup=False)
        return
    if not found:
        out.print(f"No events for project {manifest.project}" + (f" and role {wanted}" if wanted else "") + ".")
        return
    show(timeline(found))


def timeline(found: list[Event]) -> Table:
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
