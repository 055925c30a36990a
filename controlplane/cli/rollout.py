"""`reasoning rollout shadow|start|status|promote|abort ROLE`: a role's candidate first shadows it (a
share of its requests compared, off the request path), then canaries on Together's native rollouts;
promote and abort also edit reasoning.yaml (comments and layout kept) and show the diff, so the
file says what serves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from controlplane.cli.options import FILE, parse_span
from controlplane.cli.output import err, out

if TYPE_CHECKING:
    from controlplane.values.shadow import ShadowSummary

app = typer.Typer(
    help="Prove a role's candidate in shadow, then in a canary; promote or abort it.", no_args_is_help=True
)

ROLE = typer.Argument(..., help="The role, e.g. planning or should-respond.")


@app.command()
def shadow(role: str = ROLE, file: Path = FILE) -> None:
    """Deploy the candidate beside what serves, out of the split, and compare a share of the requests."""
    from controlplane import api

    manifest = api.load(file)
    name = api.role_name(manifest, role)
    shadowing = api.rollout_shadow(manifest, name)
    declared = manifest.models[name].shadow
    share = f"{declared.share:.0%}" if declared is not None else "a share"
    out.print(
        f"{shadowing.model} shadows {name} on {shadowing.deployment_name} (out of the split); "
        f"the runtime compares {share} of the requests (`reasoning rollout status {name}`)",
        markup=False,
    )


@app.command()
def start(
    role: str = ROLE,
    steps: str = typer.Option(None, "--steps", help="Traffic percent per step, e.g. 5,25,50,100 (Together's default)."),
    step_interval: str = typer.Option(None, "--step-interval", help="Time on each step, e.g. 10m (default 3m)."),
    file: Path = FILE,
) -> None:
    """Deploy the candidate beside what serves and start a canary to it."""
    from controlplane import api

    ladder = _steps(steps)
    interval = int(parse_span(step_interval, "--step-interval").total_seconds()) if step_interval else None
    manifest = api.load(file)
    started = api.rollout_start(manifest, api.role_name(manifest, role), steps=ladder, step_interval_seconds=interval)
    out.print(
        f"rollout {started.id} {started.short_state}: {started.traffic}% of the traffic on the candidate", markup=False
    )


@app.command()
def status(
    role: str = ROLE, file: Path = FILE, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """The candidate, what serves, and the rollout's state, step and share."""
    from controlplane import api

    manifest = api.load(file)
    seen = api.rollout_view(manifest, api.role_name(manifest, role))
    rollout = seen.rollout
    if as_json:
        document = {
            "format_version": "1",
            "role": seen.role,
            "model": seen.model,
            "candidate": seen.candidate,
            "serving": seen.serving,
            "rollout": rollout.model_dump(mode="json", by_alias=False) if rollout else None,
            "shadow": seen.shadow.model_dump(mode="json") if seen.shadow else None,
            "agreement": _agreement_json(seen.agreement),
        }
        out.print(json.dumps(document, indent=2), markup=False)
        return
    out.print(
        f"{seen.role}: model {seen.model}; candidate {seen.candidate or 'none'}; serving {seen.serving or 'nothing'}",
        markup=False,
    )
    if seen.shadow is not None:
        out.print(f"shadow: {seen.shadow.model} on {seen.shadow.deployment_name}, out of the split", markup=False)
    if seen.agreement is not None:
        out.print(f"shadow {seen.agreement.describe()}", markup=False)
    if rollout is None:
        out.print("no rollout yet", markup=False)
        return
    step = (
        f"step {rollout.current_step + 1} of {len(rollout.status.steps)}"
        if rollout.current_step is not None
        else "not started"
    )
    out.print(
        f"rollout {rollout.id}: {rollout.short_state}, {step}, {rollout.traffic or 0}% on the candidate", markup=False
    )
    if rollout.status.condition is not None and rollout.status.condition.category:
        why = rollout.status.condition.category.removeprefix("ROLLOUT_FAILURE_CATEGORY_").lower().replace("_", " ")
        out.print(f"  {why}: {rollout.status.condition.message or ''}", markup=False)


@app.command()
def promote(role: str = ROLE, file: Path = FILE) -> None:
    """All traffic to the candidate now, and reasoning.yaml names it as the model."""
    from controlplane import api

    manifest = api.load(file)
    name = api.role_name(manifest, role)
    promoted = api.rollout_promote(manifest, name)
    edit = api.promote_candidate(file, name)
    out.print(edit.diff(), markup=False, end="")
    edit.save()
    err.print(
        f"rollout {promoted.id} {promoted.short_state}; commit {file}: the next apply deletes the old deployment",
        markup=False,
    )


@app.command()
def abort(
    role: str = ROLE,
    reason: str = typer.Option("aborted by operator", "--reason", help="Why (kept in the rollout and the events)."),
    file: Path = FILE,
) -> None:
    """Cancel the canary: all traffic back, the candidate's deployment stopped, the candidate dropped."""
    from controlplane import api

    manifest = api.load(file)
    name = api.role_name(manifest, role)
    canceled = api.rollout_abort(manifest, name, reason)
    edit = api.drop_candidate(file, name)
    out.print(edit.diff(), markup=False, end="")
    edit.save()
    err.print(f"rollout {canceled.id} {canceled.short_state}; commit {file}", markup=False)


def _agreement_json(summary: ShadowSummary | None) -> dict[str, object] | None:
    if summary is None:
        return None
    return {
        "model": summary.model,
        "n": summary.n,
        "agreed": summary.agreed,
        "rate": summary.rate,
        "ci95": [summary.low, summary.high],
        "candidate_p95_ms": summary.candidate_p95_ms,
        "served_p95_ms": summary.served_p95_ms,
        "failures": summary.failures,
    }


def _steps(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise typer.BadParameter("percentages separated by commas, e.g. 5,25,50,100", param_hint="--steps") from None
