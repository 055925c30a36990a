"""`reasoning data export | stats | cleanup | label`: the training data the runtime recorded.

A thin skin over `controlplane.api.data_*`: they read (and `cleanup` and `label` write) the store
only, so they work offline. `export`'s flags are the original service's (`-m/--model-type`,
`-f/--format`, `-o/--output`, `-l/--limit`, `--start-date`, `--end-date`), so `-f` is the format
here and the manifest is `--file`.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from controlplane.cli.options import FILE
from controlplane.cli.output import err, out, show
from controlplane.cli.process import short_lived

if TYPE_CHECKING:
    from rich.table import Table

    from controlplane.values.data import Cleanup, DataStats, ExportReport

app = typer.Typer(help="Training data: export it for a fine-tune, see what there is, label it, clean it up.",
                  no_args_is_help=True)  # fmt: skip

MANIFEST = typer.Option(Path("reasoning.yaml"), "--file", help="The manifest (-f is --format here).")
FORMATS = ("jsonl", "json")
SOURCES = ("all", "custom", "fallback")
LABELS = ("usable", "good", "bad", "unlabeled", "any")


@app.command()
def export(
    file: Path = MANIFEST,
    model_type: str = typer.Option(
        None, "-m", "--model-type", help="Only this role (should_respond, planning, coding)."
    ),
    fmt: str = typer.Option("jsonl", "-f", "--format", help="jsonl (what Together takes) or json (one array)."),
    output: Path = typer.Option(
        None, "-o", "--output", help="The file. Default: training-data-<role|all>-<YYYY-MM-DD>.jsonl here."
    ),
    limit: int = typer.Option(None, "-l", "--limit", help="At most this many lines."),
    start_date: str = typer.Option(None, "--start-date", help="From this day on (YYYY-MM-DD, UTC)."),
    end_date: str = typer.Option(None, "--end-date", help="Up to and including this day (YYYY-MM-DD, UTC)."),
    source: str = typer.Option(
        "all",
        "--source",
        help="custom (the role's own model), fallback (the larger model it falls back on: the distillation"
        " set) or all.",
    ),
    label: str = typer.Option(
        "usable", "--label", help="usable (all but those labeled bad), good, bad, unlabeled or any."
    ),
    split: float = typer.Option(
        None, "--split", help="Send this share (e.g. 0.1) to a validation file, <output>-validation.jsonl."
    ),
    force: bool = typer.Option(False, "--force", help="Replace the output file if it exists."),
    keep_duplicates: bool = typer.Option(False, "--keep-duplicates", help="Keep samples of the same content."),
    max_seq_length: int = typer.Option(
        None, "--max-seq-length", help="Skip samples longer than this many tokens (estimated): the base model's."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as versioned JSON."),
) -> None:
    """Export samples as Together's fine-tuning format: one {"messages": [...]} per line."""
    _choice(fmt, FORMATS, "--format")
    _choice(source, SOURCES, "--source")
    _choice(label, LABELS, "--label")
    since = _day(start_date, "--start-date")
    until = _day(end_date, "--end-date")
    with short_lived():
        from controlplane import api

        manifest = api.load(file)
        with _Progress(not as_json) as progress:
            report = api.data_export(
                manifest,
                role=model_type,
                output=output,
                fmt=fmt,  # type: ignore[arg-type]  # checked by _choice
                limit=limit,
                since=since,
                until=until + timedelta(days=1) if until is not None else None,
                source=source,  # type: ignore[arg-type]
                label=label,  # type: ignore[arg-type]
                split=split,
                force=force,
                dedup=not keep_duplicates,
                max_seq_length=max_seq_length,
                on_progress=progress,
            )
    if as_json:
        out.print(json.dumps(report.model_dump(mode="json"), indent=2), markup=False)
        return
    for text in export_lines(report):
        out.print(text, markup=False)


@app.command()
def stats(
    file: Path = FILE,
    max_seq_length: int = typer.Option(
        None, "--max-seq-length", help="The base model's limit in tokens, for the length check (default 8192)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print versioned JSON."),
) -> None:
    """Per role: samples, dates, last 24 h, custom vs fallback, duplicates, labels, and readiness."""
    with short_lived():
        from controlplane import api

        result = api.data_stats(api.load(file), max_seq_length=max_seq_length)
    if as_json:
        data = result.model_dump(mode="json")
        for role, shown in zip(result.roles, data["roles"], strict=True):
            shown["custom_share"] = round(role.custom_share, 4)
        out.print(json.dumps(data, indent=2), markup=False)
        return
    show(stats_table(result))
    for role in result.roles:
        out.print(f"{role.role}: {role.readiness.verdict}", markup=False)
        for reason in role.readiness.reasons:
            out.print(f"  - {reason}", markup=False)


@app.command()
def cleanup(
    file: Path = FILE,
    days: int = typer.Option(None, "--days", help="Delete samples older than this (default: retention_days)."),
    keep: int = typer.Option(
        None, "--keep", help="Then keep each role's newest this many (default: max_samples_per_model)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would go; delete nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print versioned JSON."),
) -> None:
    """Delete old training samples by the retention rule reconcile runs, and say what went."""
    with short_lived():
        from controlplane import api

        result = api.data_cleanup(api.load(file), days=days, keep=keep, dry_run=dry_run)
    if as_json:
        out.print(json.dumps(result.model_dump(mode="json"), indent=2), markup=False)
        return
    for text in cleanup_lines(result):
        out.print(text, markup=False)


@app.command()
def label(
    sample_id: int = typer.Argument(..., help="The sample's id (export's skip report and --json show ids)."),
    verdict: str = typer.Argument(..., help="good, bad, or none to clear the label."),
    note: str = typer.Option(None, "--note", help="Why, in a few words."),
    file: Path = FILE,
) -> None:
    """Label a sample good or bad: `export --label good` takes the good ones, and bad ones never go."""
    _choice(verdict, ("good", "bad", "none"), "VERDICT")
    with short_lived():
        from controlplane import api

        sample = api.label_sample(
            api.load(file),
            sample_id,
            None if verdict == "none" else verdict,  # type: ignore[arg-type]
            note=note,
        )
    shown = sample.label or "unlabeled"
    out.print(f"sample {sample.id} ({sample.role}, {sample.at:%Y-%m-%d %H:%M} UTC): {shown}"
              + (f" ({sample.note})" if sample.note else ""), markup=False)  # fmt: skip


# -- for people ---------------------------------------------------------------------------------


def export_lines(report: ExportReport) -> list[str]:
    lines = [f"Wrote {report.written:,} line(s) to {report.output} ({report.read:,} sample(s) read)."]
    if report.validation_output is not None:
        lines.append(f"Wrote {report.validation_written:,} validation line(s) to {report.validation_output}.")
    for skip in report.skipped:
        ids = ", ".join(str(i) for i in skip.sample_ids)
        lines.append(f"skipped {skip.count:,}: {skip.reason} (e.g. sample {ids})")
    if report.written == 0:
        lines.append("Nothing to train on: see `reasoning data stats`.")
    return lines


def cleanup_lines(result: Cleanup) -> list[str]:
    verb = "would delete" if result.dry_run else "deleted"
    if not result.deletions:
        return [f"Nothing to delete: no sample older than {result.days} days, no role over {result.keep:,}."]
    lines = [
        f"{d.role or 'all roles'}: " + (d.reason.replace("deleted", verb, 1) if result.dry_run else d.reason)
        for d in result.deletions
    ]
    decisions = sum(d.decisions for d in result.deletions)
    also = f" and {decisions:,} routing decision(s)" if decisions else ""
    return [*lines, f"{'Would delete' if result.dry_run else 'Deleted'} {result.samples:,} sample(s){also}."]


def stats_table(result: DataStats) -> Table:
    from rich.table import Table

    table = Table(title=f"Training data of {result.project}", title_justify="left")
    for column in ("role", "samples", "first (UTC)", "last (UTC)", "last 24 h", "custom", "fallback",
                   "duplicates", "good", "bad", "too long", "verdict"):  # fmt: skip
        table.add_column(column, justify="left" if column in ("role", "verdict") else "right")
    for role in result.roles:
        table.add_row(
            role.role,
            f"{role.samples:,}",
            f"{role.first_at:%Y-%m-%d %H:%M}" if role.first_at else "-",
            f"{role.last_at:%Y-%m-%d %H:%M}" if role.last_at else "-",
            f"{role.last_24h:,}",
            f"{role.custom:,} ({role.custom_share:.0%})" if role.samples else "0",
            f"{role.fallback:,}",
            f"{role.duplicates:,}",
            f"{role.good:,}",
            f"{role.bad:,}",
            f"{role.too_long:,}",
            role.readiness.verdict,
        )
    return table


def _choice(value: str, allowed: tuple[str, ...], option: str) -> None:
    if value not in allowed:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}", param_hint=option)


def _day(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d")
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a day (YYYY-MM-DD)", param_hint=option) from None
    return day.replace(tzinfo=timezone.utc)


class _Progress:
    """A progress bar on stderr while export reads, when stderr is a terminal; quiet otherwise."""

    def __init__(self, wanted: bool) -> None:
        self.wanted = wanted
        self.bar: Any = None

    def __enter__(self) -> _Progress | None:
        if not (self.wanted and err.is_terminal):
            return None
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.bar = Progress(SpinnerColumn(), TextColumn("exporting: {task.completed:,} samples read"),
                            TimeElapsedColumn(), console=err, transient=True)  # fmt: skip
        self.bar.__enter__()
        self.task = self.bar.add_task("export", total=None)
        return self

    def __call__(self, read: int) -> None:
        self.bar.update(self.task, completed=read)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
