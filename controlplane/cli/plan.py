"""`reasoning plan`: what apply would do, for people, for CI (exit codes) and for PR comments."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from controlplane.cli.options import FILE
from controlplane.cli.output import out
from controlplane.cli.process import short_lived

if TYPE_CHECKING:
    from controlplane.values.plan import Plan

CHANGES_PENDING = 2


def register(app: typer.Typer) -> None:
    app.command()(plan)


def plan(
    file: Path = FILE,
    as_json: bool = typer.Option(False, "--json", help="Print the plan as versioned JSON."),
    markdown: bool = typer.Option(False, "--markdown", help="Print the plan as markdown for a PR comment."),
    out_file: Path = typer.Option(None, "--out", help="Save the plan for `reasoning apply PLANFILE`."),
    detailed_exitcode: bool = typer.Option(
        False, "--detailed-exitcode", help="Exit 2 when changes are pending, 0 when none, 1 on error."
    ),
    verbose: bool = typer.Option(False, "-v", "--verbose", help="Also list unchanged roles."),
    target: list[str] = typer.Option(None, "--target", help="Only this role (repeatable); the others as they are."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="Print only the summary line (and warnings)."),
) -> None:
    """Show what `apply` would change on the provider, and what it would cost."""
    with short_lived():
        from controlplane import api

        result = api.plan(api.load(file), out=out_file, target=target or None)
        if quiet and not (as_json or markdown):
            for warning in result.warnings:
                out.print(f"Warning: {warning}", markup=False)
            out.print(result.summary(), markup=False)
        else:
            show_plan(result, as_json=as_json, markdown=markdown, verbose=verbose)
    if out_file is not None and not (as_json or markdown or quiet):
        out.print(f"\nSaved the plan to {out_file}; apply exactly it with `reasoning apply {out_file}`.")
    if detailed_exitcode and result.has_changes:
        raise typer.Exit(CHANGES_PENDING)


def show_plan(result: Plan, *, as_json: bool = False, markdown: bool = False, verbose: bool = False) -> None:
    from controlplane.cli.render import plan_markdown, plan_text

    if as_json:
        out.print(result.model_dump_json(indent=2), markup=False)
    elif markdown:
        out.print(plan_markdown(result), markup=False, end="")
    else:
        out.print(plan_text(result, verbose=verbose))
