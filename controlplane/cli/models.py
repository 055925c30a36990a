"""`reasoning models ...`: the roles as the original service's CLI showed and switched them.

`list` and `status` read the world (like `status`); `enable` and `disable` edit `reasoning.yaml`
in place and show the diff (GitOps: commit it, or `--apply` it now); `deploy` and `undeploy` are
temporary overrides kept in the store, with an expiry (`--for 2h`), that every plan counts until
reconcile drops them. Role names are accepted as `should-respond` or `should_respond`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from controlplane.cli.options import FILE, parse_span
from controlplane.cli.output import err, out, show
from controlplane.cli.process import short_lived

if TYPE_CHECKING:
    from rich.table import Table

    from controlplane.manifest.editor import Edit
    from controlplane.values.models import ModelsReport

app = typer.Typer(help="The roles' models: list, enable or disable, deploy or undeploy for a while.",
                  no_args_is_help=True)  # fmt: skip

ROLE = typer.Argument(..., help="The role (coding, should-respond or should_respond), or its model's name.")
AS_JSON = typer.Option(False, "--json", help="Print versioned JSON.")
QUIET = typer.Option(False, "-q", "--quiet", help="Print nothing but errors.")
AUTO_APPROVE = typer.Option(False, "--auto-approve", help="With --apply: do not ask for confirmation.")


@app.command("list")
def list_(file: Path = FILE, as_json: bool = AS_JSON) -> None:
    """Each role: state, replicas, endpoint name to call, $/h, last request, why it is stopped."""
    result = _report(file)
    if as_json:
        out.print(json.dumps(result.model_dump(mode="json"), indent=2), markup=False)
        return
    show(models_table(result))
    out.print(f"Running cost {result.usd_per_hour}.")


@app.command()
def status(file: Path = FILE, as_json: bool = AS_JSON) -> None:
    """Each role in detail: model, revision, hardware, endpoint, override, what is pending."""
    result = _report(file)
    if as_json:
        out.print(json.dumps(result.model_dump(mode="json"), indent=2), markup=False)
        return
    for line in result.models:
        out.print(f"{line.role}: {line.state}", markup=False)
        rows = [
            ("endpoint", line.endpoint + "  (the name an agent calls)"),
            ("model", line.model),
            ("revision", line.revision or "-"),
            ("hardware", line.hardware),
            ("replicas", f"{line.ready_replicas} ready of {line.min_replicas}..{line.max_replicas}"),
            ("cost", str(line.usd_per_hour)),
            ("enabled", "yes" if line.enabled else "no (enabled: false)"),
            ("last request", _when(line.last_request)),
        ]
        if line.why_stopped:
            rows.append(("stopped", line.why_stopped))
        if line.override is not None:
            rows.append(("override", line.override.describe()))
        if line.pending:
            rows.append(("pending", line.pending))
        for label, value in rows:
            out.print(f"  {label + ':':<14}{value}", markup=False)
    out.print(f"Running cost {result.usd_per_hour}.")


@app.command()
def enable(
    role: str = ROLE,
    file: Path = FILE,
    apply: bool = typer.Option(False, "--apply", help="Apply the edited manifest now."),
    auto_approve: bool = AUTO_APPROVE,
    quiet: bool = QUIET,
) -> None:
    """Set `enabled: true` for ROLE in reasoning.yaml (comments and layout kept); show the diff."""
    _switch(file, role, True, apply=apply, auto_approve=auto_approve, quiet=quiet)


@app.command()
def disable(
    role: str = ROLE,
    file: Path = FILE,
    apply: bool = typer.Option(False, "--apply", help="Apply the edited manifest now."),
    auto_approve: bool = AUTO_APPROVE,
    quiet: bool = QUIET,
) -> None:
    """Set `enabled: false` for ROLE in reasoning.yaml (comments and layout kept); show the diff."""
    _switch(file, role, False, apply=apply, auto_approve=auto_approve, quiet=quiet)


@app.command()
def deploy(
    role: str = ROLE,
    file: Path = FILE,
    for_: str = typer.Option(
        None, "--for", help="How long (e.g. 2h, 30m); then reconcile reverts it. Default: until cleared."
    ),
    auto_approve: bool = typer.Option(False, "--auto-approve", help="Do not ask for confirmation."),
    no_apply: bool = typer.Option(
        False, "--no-apply", help="Record the override; let the next apply or reconcile act."
    ),
    quiet: bool = QUIET,
) -> None:
    """Run ROLE now, whatever reasoning.yaml says (idle, windows, enabled: false), for a while.

    A spent budget or max_cost_per_hour_usd still stops it. Recorded in the store; plan and
    status show it; reconcile returns the role to the manifest once it expires.
    """
    _override(file, role, True, for_, auto_approve=auto_approve, no_apply=no_apply, quiet=quiet)


@app.command()
def undeploy(
    role: str = ROLE,
    file: Path = FILE,
    for_: str = typer.Option(
        None, "--for", help="How long (e.g. 2h, 30m); then reconcile reverts it. Default: until cleared."
    ),
    auto_approve: bool = typer.Option(False, "--auto-approve", help="Do not ask for confirmation."),
    no_apply: bool = typer.Option(
        False, "--no-apply", help="Record the override; let the next apply or reconcile act."
    ),
    quiet: bool = QUIET,
) -> None:
    """Stop ROLE now (scaled to 0, costs nothing), whatever reasoning.yaml says, for a while."""
    _override(file, role, False, for_, auto_approve=auto_approve, no_apply=no_apply, quiet=quiet)


@app.command()
def reset(role: str = ROLE, file: Path = FILE, quiet: bool = QUIET) -> None:
    """Drop ROLE's deploy/undeploy override: reasoning.yaml decides again (at the next apply)."""
    with short_lived():
        from controlplane import api

        gone = api.clear_override(api.load(file), role)
    if not quiet:
        out.print("Override dropped; `reasoning apply` returns the role to reasoning.yaml." if gone
                  else "No override to drop.")  # fmt: skip


# -- shared ------------------------------------------------------------------------------------------


def _report(file: Path) -> ModelsReport:
    with short_lived():
        from controlplane import api

        return api.models(api.load(file))


def _switch(file: Path, role: str, enabled: bool, *, apply: bool, auto_approve: bool, quiet: bool) -> None:
    from controlplane import api

    edit = api.set_enabled(file, role, enabled)
    word = "enabled" if enabled else "disabled"
    show_edit(edit, quiet=quiet, unchanged=f"{role} is already {word} in {file}.")
    if apply:
        from controlplane.cli.apply import run_apply

        run_apply(file, auto_approve=auto_approve)


def show_edit(edit: Edit, *, quiet: bool, unchanged: str) -> None:
    """Write the edit and print its diff (or say nothing changed)."""
    if not edit.has_changes:
        if not quiet:
            out.print(unchanged, markup=False)
        return
    edit.save()
    if not quiet:
        out.print(edit.diff(), markup=False, end="")
        err.print(f"Wrote {edit.path}; `reasoning plan` shows what it changes, `reasoning apply` makes it so.")


def _override(file: Path, role: str, run: bool, span: str | None, *, auto_approve: bool, no_apply: bool,
              quiet: bool) -> None:  # fmt: skip
    import getpass

    from controlplane import api

    manifest = api.load(file)
    wait = parse_span(span, "--for") if span else None
    previous = api.models(manifest)
    made = api.override(
        manifest, role, run=run, span=wait, actor=f"{getpass.getuser()} (models {'deploy' if run else 'undeploy'})"
    )
    if not quiet:
        err.print(f"{made.role} is {made.describe()}.")
    if no_apply:
        return
    from controlplane.cli.apply import run_apply

    try:
        run_apply(file, auto_approve=auto_approve, target=[made.role], quiet=quiet)
    except BaseException:
        # declined or failed before anything changed: the override would surprise the next apply
        before = next((m.override for m in previous.models if m.role == made.role), None)
        if before is None:
            api.clear_override(manifest, made.role)
        else:
            api.override(manifest, made.role, run=before.run, span=None, actor=before.actor)
        raise


def models_table(report: ModelsReport) -> Table:
    from rich.table import Table

    table = Table(title=f"Project {report.project}", title_justify="left", expand=False)
    table.add_column("role", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("replicas", no_wrap=True)
    table.add_column("endpoint", overflow="fold")
    table.add_column("$/h", no_wrap=True, justify="right")
    table.add_column("last request", no_wrap=True)
    table.add_column("why stopped", overflow="fold")
    for line in report.models:
        note = line.why_stopped or ""
        if line.override is not None:
            note = (note + "; " if note else "") + line.override.describe()
        table.add_row(
            line.role,
            line.state if line.enabled or line.state != "ABSENT" else "disabled",
            f"{line.ready_replicas}/{line.min_replicas}..{line.max_replicas}",
            line.endpoint,
            str(line.usd_per_hour).removesuffix("/h"),
            _when(line.last_request),
            note,
        )
    return table


def _when(moment: object) -> str:
    from datetime import datetime

    return f"{moment:%Y-%m-%d %H:%M} UTC" if isinstance(moment, datetime) else "never"
