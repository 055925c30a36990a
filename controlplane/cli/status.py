"""`reasoning status`: every role's state, replicas, cost per hour and drift."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from controlplane.cli.options import FILE
from controlplane.cli.output import out, show
from controlplane.cli.process import short_lived


def register(app: typer.Typer) -> None:
    app.command()(status)


def status(
    file: Path = FILE,
    as_json: bool = typer.Option(False, "--json", help="Print versioned JSON."),
) -> None:
    """Show each role as it runs now, and where it drifted from the last apply."""
    with short_lived():
        from controlplane import api

        result = api.status(api.load(file))
    if as_json:
        out.print(json.dumps(result.model_dump(mode="json"), indent=2), markup=False)
        return
    from controlplane.cli.output import PIPE_WIDTH
    from controlplane.cli.render import status_table

    show(status_table(result, width=out.width if out.is_terminal else PIPE_WIDTH))
    out.print(
        f"Running cost {result.usd_per_hour}."
        + (f" {result.pending} change(s) pending: `reasoning plan` shows them." if result.pending else "")
    )
