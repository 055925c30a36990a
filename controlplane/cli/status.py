"""`reasoning status`: every role's state, replicas, cost per hour and drift."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from controlplane.cli.output import out, show

FILE = typer.Option(Path("reasoning.yaml"), "-f", "--file", help="The manifest.")


def register(app: typer.Typer) -> None:
    app.command()(status)


def status(
    file: Path = FILE,
    as_json: bool = typer.Option(False, "--json", help="Print versioned JSON."),
) -> None:
    """Show each role as it runs now, and where it drifted from the last apply."""
    from controlplane.apply import prepare
    from controlplane.cli.render import status_table
    from controlplane.manifest import load
    from controlplane.project import open_project

    manifest = load(file)
    with open_project(manifest) as project:
        result, _ = prepare(project)
    if as_json:
        roles = []
        for action in result.actions:
            live = action.actual.live if action.actual else None
            roles.append(
                {
                    "role": action.role,
                    "state": live.state if live else "ABSENT",
                    "ready_replicas": live.ready_replicas if live else 0,
                    "spec": live.spec.model_dump() if live else None,
                    "usd_per_hour": action.cost_before.model_dump(),
                    "drift": [c.model_dump() for c in action.drift],
                    "pending": None if action.kind == "noop" else {"kind": action.kind, "reason": action.reason},
                }
            )
        out.print(
            json.dumps(
                {
                    "format_version": "1",
                    "project": result.project,
                    "roles": roles,
                    "usd_per_hour": result.cost_before.model_dump(),
                },
                indent=2,
            ),
            markup=False,
        )
        return
    show(status_table(result))
    out.print(
        f"Running cost {result.cost_before}."
        + (f" {len(result.changes)} change(s) pending: `reasoning plan` shows them." if result.has_changes else "")
    )
