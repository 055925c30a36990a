"""The library, one call per command: what `reasoning <command>` does, without the printing.

Each CLI command is a thin skin over one of these (sqlite-utils' shape): it parses options, calls
here, and renders the value it gets back; scripts and tests call the same functions. Each opens
the manifest's provider and store for the length of the call, and imports the modules it needs
when it is called, so `reasoning plan` never loads apply, nor `reasoning events` the provider.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from controlplane.manifest import Manifest, load

if TYPE_CHECKING:
    from controlplane.apply import OnProgress, OnStep
    from controlplane.data.export import ExportFormat
    from controlplane.data.export import OnProgress as OnRowsRead
    from controlplane.values import EventLog, Label, Sample
    from controlplane.values.data import Cleanup, DataStats, ExportReport, LabelFilter, SourceFilter
    from controlplane.values.plan import ApplyResult, Plan
    from controlplane.values.reconcile import Round
    from controlplane.values.report import CostReport, Grouping
    from controlplane.values.status import Status

__all__ = [
    "apply",
    "costs_report",
    "data_cleanup",
    "data_export",
    "data_stats",
    "destroy",
    "events",
    "label_sample",
    "load",
    "plan",
    "reconcile_round",
    "status",
]


def plan(manifest: Manifest, *, out: Path | None = None) -> Plan:
    """What `apply` would do now (the policy's decisions included); saved to `out` if given."""
    from controlplane.planning import prepare, save_plan
    from controlplane.project import open_project

    with open_project(manifest) as project:
        made = prepare(project).plan
    if out is not None:
        save_plan(made, out)
    return made


def status(manifest: Manifest) -> Status:
    """Every role as it runs now, where it drifted from the last apply, and what is pending."""
    from controlplane.planning import prepare
    from controlplane.project import open_project
    from controlplane.values.status import Status

    with open_project(manifest) as project:
        return Status.of(prepare(project).plan)


def apply(
    manifest: Manifest,
    *,
    plan_file: Path | None = None,
    destroy: bool = False,
    lock_timeout: timedelta = timedelta(0),
    wait: bool = True,
    review: Callable[[Plan], bool] | None = None,
    on_step: OnStep | None = None,
    on_progress: OnProgress | None = None,
) -> ApplyResult:
    """Under the project's lock: plan (or check the plan saved in `plan_file`), then execute it.

    `review` sees the plan before anything changes and returns whether to go on (none: go on);
    a plan without changes is never executed. `destroy` plans every endpoint's deletion. Waits
    up to `lock_timeout` for another apply's lock, and with `wait` for deployments to be READY.
    """
    from controlplane.apply import Applier
    from controlplane.lock import locked
    from controlplane.planning import prepare, read_plan
    from controlplane.project import open_project
    from controlplane.values.plan import ApplyResult

    saved = read_plan(plan_file, manifest.project) if plan_file is not None else None
    with open_project(manifest) as project, locked(project.store, manifest.project, timeout=lock_timeout) as lock:
        planned = prepare(project, saved=saved, destroy=destroy)
        go_on = review(planned.plan) if review is not None else True
        if not planned.plan.has_changes or not go_on:
            return ApplyResult(plan=planned.plan, executed=False)
        applier = Applier(project.provider, project.store, planned.catalog, lock)
        if on_step is not None:
            applier.on_step = on_step
        if on_progress is not None:
            applier.on_progress = on_progress
        applier.run(planned.plan, wait=wait)
    return ApplyResult(plan=planned.plan, executed=True)


def destroy(
    manifest: Manifest,
    *,
    lock_timeout: timedelta = timedelta(0),
    wait: bool = True,
    review: Callable[[Plan], bool] | None = None,
    on_step: OnStep | None = None,
    on_progress: OnProgress | None = None,
) -> ApplyResult:
    """Delete every endpoint of the project; its training data and history stay in the store."""
    return apply(
        manifest,
        destroy=True,
        lock_timeout=lock_timeout,
        wait=wait,
        review=review,
        on_step=on_step,
        on_progress=on_progress,
    )


def events(manifest: Manifest, *, since: datetime | None = None, role: str | None = None) -> EventLog:
    """The audit timeline, from the store alone: who changed which role, when and why."""
    from controlplane.manifest.schema import normalize_role
    from controlplane.store import open_for
    from controlplane.values import EventLog

    wanted = normalize_role(role) if role else None
    with open_for(manifest) as store:
        found = store.events(manifest.project, since=since, role=wanted)
    return EventLog(project=manifest.project, since=since, role=wanted, events=tuple(found))


def costs_report(
    manifest: Manifest,
    *,
    now: datetime | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    by: Grouping | str = "role",
) -> CostReport:
    """Spend per role (and per day or hour) against the budget, from the store alone."""
    from controlplane import clock, costs
    from controlplane.store import open_for

    with open_for(manifest) as store:
        return costs.report(store, manifest, now=now or clock.now(), since=since, until=until, by=by)


def reconcile_round(manifest: Manifest, *, dry_run: bool = False, on_step: OnStep | None = None) -> Round:
    """One reconcile round now; raises LockHeld when another apply or reconcile holds the lock."""
    from controlplane.project import open_project
    from controlplane.reconcile import reconcile

    with open_project(manifest) as project:
        return reconcile(project, dry_run=dry_run, on_step=on_step)


# -- training data --------------------------------------------------------------------------------


def data_stats(manifest: Manifest, *, now: datetime | None = None, max_seq_length: int | None = None) -> DataStats:
    """Per role: samples, dates, the last 24 h, sources, duplicates, labels, and whether the data
    is ready for a fine-tune (and why not), against `max_seq_length` tokens (default 8192)."""
    from controlplane import clock
    from controlplane.data.stats import DEFAULT_MAX_SEQ_LENGTH, stats
    from controlplane.store import open_for

    with open_for(manifest) as store:
        return stats(store, manifest.project, list(manifest.models), now or clock.now(),
                     max_seq_length=max_seq_length or DEFAULT_MAX_SEQ_LENGTH)  # fmt: skip


def data_export(
    manifest: Manifest,
    *,
    role: str | None = None,
    output: Path | None = None,
    fmt: ExportFormat = "jsonl",
    limit: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    source: SourceFilter = "all",
    label: LabelFilter = "usable",
    split: float | None = None,
    force: bool = False,
    dedup: bool = True,
    max_seq_length: int | None = None,
    now: datetime | None = None,
    on_progress: OnRowsRead | None = None,
) -> ExportReport:
    """Samples as Together's conversational fine-tuning file (`{"messages": [...]}` per line),
    in constant memory; `source="fallback"` is the distillation set: the larger model's answers
    to the prompts the small one is served. See `controlplane.data.export`."""
    from controlplane import clock
    from controlplane.data.export import default_name, export
    from controlplane.store import open_for
    from controlplane.values.data import SampleFilter

    now = now or clock.now()
    wanted = _known_role(manifest, role)
    selection = SampleFilter(role=wanted, since=since, until=until, source=source, label=label, dedup=dedup)
    target = output if output is not None else Path(default_name(wanted, now, fmt))
    with open_for(manifest) as store:
        return export(store, manifest.project, selection, target, now, fmt=fmt, limit=limit, split=split,
                      force=force, max_seq_length=max_seq_length, on_progress=on_progress)  # fmt: skip


def data_cleanup(
    manifest: Manifest, *, days: int | None = None, keep: int | None = None, dry_run: bool = False
) -> Cleanup:
    """Retention now, as reconcile runs it: samples older than `days` (default
    `training_data.retention_days`) go, then each role keeps its newest `keep` (default
    `max_samples_per_model`). Each deletion is an event; a dry run deletes nothing."""
    from controlplane import clock
    from controlplane.data.retention import retention
    from controlplane.errors import DataError
    from controlplane.store import Event, open_for
    from controlplane.values.data import Cleanup

    policy = manifest.training_data
    days = policy.retention_days if days is None else days
    keep = policy.max_samples_per_model if keep is None else keep
    if days < 1 or keep < 1:
        raise DataError(f"--days {days} --keep {keep}: both must be at least 1")
    now = clock.now()
    with open_for(manifest) as store:
        deleted = retention(store, manifest.project, now, days=days, keep=keep, dry_run=dry_run)
        for deletion in [] if dry_run else deleted:
            detail = {"samples": deletion.samples}
            store.add_event(Event(at=now, project=manifest.project, role=deletion.role, actor="data cleanup",
                                  kind="retention", reason=deletion.reason, detail=detail))  # fmt: skip
    return Cleanup(project=manifest.project, at=now, dry_run=dry_run, days=days, keep=keep, deletions=tuple(deleted))


def label_sample(manifest: Manifest, sample_id: int, label: Label | None, *, note: str | None = None) -> Sample:
    """Mark a sample `good` (export prefers it with `--label good`) or `bad` (export leaves it
    out unless asked), with an optional note; None clears the label. Returns the sample."""
    from controlplane.errors import DataError
    from controlplane.store import open_for

    if label not in ("good", "bad", None):
        raise DataError(f"label {label!r}: not good or bad")
    with open_for(manifest) as store:
        return store.label_sample(manifest.project, sample_id, label, note)


def _known_role(manifest: Manifest, role: str | None) -> str | None:
    from controlplane.errors import DataError
    from controlplane.manifest.schema import normalize_role

    if role is None:
        return None
    wanted = normalize_role(role)
    if wanted not in manifest.models:
        raise DataError(
            f"--model-type {role}: no such role in models ({manifest.where('models')})",
            hint=f"one of {', '.join(sorted(manifest.models))}",
        )
    return wanted
