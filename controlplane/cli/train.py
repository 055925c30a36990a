"""`reasoning train`: fine-tune a role's model on its samples; the output becomes the role's
candidate in reasoning.yaml, for review like any other change."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from controlplane.cli.options import FILE
from controlplane.cli.output import err, out
from controlplane.cli.process import long_lived

if TYPE_CHECKING:
    from controlplane.api import FineTuneEvent, Quote


def register(app: typer.Typer) -> None:
    app.command()(train)


def train(
    model_type: str = typer.Option(..., "-m", "--model-type", help="The role to train (e.g. should-respond)."),
    data: Path = typer.Option(None, "--data", help="Train on this JSONL file instead of exporting the role's samples."),
    source: str = typer.Option("all", "--source", help="Samples to export: custom, fallback (distillation) or all."),
    base_model: str = typer.Option(
        None, "--base-model", help="The public model to fine-tune (default: the role's base)."
    ),
    epochs: int = typer.Option(1, "--epochs", min=1, help="Passes over the data."),
    full: bool = typer.Option(False, "--full/--lora", help="Full fine-tuning instead of LoRA (the default)."),
    suffix: str = typer.Option(None, "--suffix", help="Names the output model (default: <role>-<data hash>)."),
    wait: bool = typer.Option(False, "--wait", help="Follow the job to its end and write the candidate."),
    auto_approve: bool = typer.Option(False, "--auto-approve", help="Do not ask before starting a paid job."),
    file: Path = FILE,
) -> None:
    """Fine-tune a role's model on Together; on success, write the output as the role's candidate."""
    from controlplane import api
    from controlplane.errors import ReasoningError

    long_lived()
    manifest = api.load(file)
    role = api.role_name(manifest, model_type)
    if source not in ("all", "custom", "fallback"):
        raise typer.BadParameter("custom, fallback or all", param_hint="--source")
    if data is None:
        # beside the store, not in the working directory: `train` keeps what it uploaded
        output = manifest.path(".reasoning") / "training" / api.training_file_name(role)
        output.parent.mkdir(parents=True, exist_ok=True)
        report = api.data_export(manifest, role=role, source=source, output=output, force=True)
        data = Path(report.output)
        err.print(f"exported {report.written} sample(s) of {role} to {data}", markup=False)
        if report.written == 0:
            raise ReasoningError(
                f"no samples of {role} to train on", hint="`reasoning data stats` shows what is recorded"
            )
    elif not data.is_file():
        raise ReasoningError(f"--data {data}: no such file", hint="export one with `reasoning data export`")

    def confirm(quote: Quote) -> bool:
        _show_quote(quote)
        if auto_approve:
            return True
        if not sys.stdin.isatty():
            raise ReasoningError(
                "refusing to start a paid fine-tune without confirmation: stdin is not a terminal",
                hint="pass --auto-approve",
            )
        return typer.confirm("Start this fine-tune?", default=False)

    trained = api.train(
        manifest,
        role,
        data,
        confirm=confirm,
        base_model=base_model,
        epochs=epochs,
        full=full,
        suffix=suffix,
        wait=wait,
        on_event=_show_event,
    )
    if trained is None:
        raise typer.Abort()
    job = trained.job
    out.print(f"fine-tune {job.id} {'found' if trained.resumed else 'started'}: {job.status}", markup=False)
    if trained.candidate is None:
        out.print(f"follow it: reasoning train -m {role} --data {data} --wait", markup=False)
        return
    edit = api.set_candidate(file, role, trained.candidate)
    out.print(edit.diff(), markup=False, end="")
    edit.save()
    out.print(
        f"models.{role}.candidate: {trained.candidate}; review and commit {file}, then "
        f"`reasoning rollout start {role}`",
        markup=False,
    )


def _show_quote(quote: Quote) -> None:
    estimate = quote.estimate
    if estimate.estimation_available and estimate.estimated_total_price is not None:
        price = f"${estimate.estimated_total_price:.2f} for {estimate.estimated_train_token_count or 0:,} tokens"
    else:
        price = f"not available ({estimate.unavailable_reason})"
    out.print(
        f"fine-tune {quote.base_model}: {quote.training_type}, {quote.epochs} epoch(s), {quote.lines} samples, "
        f"sequences up to {quote.limits.max_seq_length_sft:,} tokens; estimated price {price}",
        markup=False,
    )


def _show_event(event: FineTuneEvent) -> None:
    err.print(f"  {event.created_at}  {event.type}: {event.message}", markup=False)
