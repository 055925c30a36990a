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
    from collections.abc import Collection

    from controlplane.apply import OnProgress, OnStep
    from controlplane.data.export import ExportFormat
    from controlplane.data.export import OnProgress as OnRowsRead
    from controlplane.manifest.editor import Edit
    from controlplane.manifest.effective import Entry
    from controlplane.manifest.setup import Answers, Imported
    from controlplane.project import Project
    from controlplane.provider.rollouts import Rollout
    from controlplane.provider.training import FineTuneEvent as FineTuneEvent
    from controlplane.rollout import RolloutView
    from controlplane.training import Quote as Quote
    from controlplane.training import Trained
    from controlplane.values import EventLog, Label, RoutingDecision, RoutingLabel, Sample
    from controlplane.values.catalog import Hardware
    from controlplane.values.data import Cleanup, DataStats, ExportReport, LabelFilter, SourceFilter
    from controlplane.values.models import ModelsReport
    from controlplane.values.override import Override
    from controlplane.values.plan import ApplyResult, Plan
    from controlplane.values.reconcile import Round
    from controlplane.values.records import Lock
    from controlplane.values.report import CostReport, Grouping
    from controlplane.values.shadow import ShadowDeployment
    from controlplane.values.spend import Spend
    from controlplane.values.status import Status

__all__ = [
    "apply",
    "clear_override",
    "costs_report",
    "data_cleanup",
    "data_export",
    "data_stats",
    "destroy",
    "edit_manifest",
    "events",
    "force_unlock",
    "hardware",
    "label_sample",
    "load",
    "lock",
    "models",
    "override",
    "plan",
    "reconcile_round",
    "rollout_abort",
    "rollout_promote",
    "rollout_shadow",
    "rollout_start",
    "rollout_view",
    "route_label",
    "route_review",
    "set_auto_shutdown",
    "set_budget",
    "set_enabled",
    "status",
    "train",
    "validate",
]


def plan(manifest: Manifest, *, out: Path | None = None, target: Collection[str] | None = None) -> Plan:
    """What `apply` would do now (the policy's decisions included); saved to `out` if given."""
    from controlplane.planning import prepare, save_plan
    from controlplane.project import open_project

    with open_project(manifest) as project:
        planned = prepare(project, target=target)
        made = _warned(planned.plan, project, planned.spent)
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
    target: Collection[str] | None = None,
    stop_requested: Callable[[], bool] | None = None,
) -> ApplyResult:
    """Under the project's lock: plan (or check the plan saved in `plan_file`), then execute it.

    `review` sees the plan before anything changes and returns whether to go on (none: go on);
    a plan without changes is never executed. `destroy` plans every endpoint's deletion. Waits
    up to `lock_timeout` for another apply's lock, and with `wait` for deployments to be READY.
    `target` limits the plan to those roles; `stop_requested` is asked between steps (True: raise
    ApplyInterrupted there).
    """
    from controlplane.apply import Applier
    from controlplane.lock import locked
    from controlplane.planning import prepare, read_plan
    from controlplane.project import open_project
    from controlplane.values.plan import ApplyResult

    saved = read_plan(plan_file, manifest.project) if plan_file is not None else None
    with open_project(manifest) as project, locked(project.store, manifest.project, timeout=lock_timeout) as lock:
        planned = prepare(project, saved=saved, destroy=destroy, target=target)
        if saved is None:
            planned = planned.model_copy(update={"plan": _warned(planned.plan, project, planned.spent)})
        go_on = review(planned.plan) if review is not None else True
        if not planned.plan.has_changes or not go_on:
            return ApplyResult(plan=planned.plan, executed=False)
        applier = Applier(project.provider, project.store, planned.catalog, lock)
        if on_step is not None:
            applier.on_step = on_step
        if on_progress is not None:
            applier.on_progress = on_progress
        if stop_requested is not None:
            applier.stop_requested = stop_requested
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


def route_review(
    manifest: Manifest, *, near: tuple[float, float] | None, limit: int = 20, since: datetime | None = None
) -> list[RoutingDecision]:
    """The router's recent unlabeled decisions, newest first: those scored in `near` (the uncertain
    band and a margin around it) when given, from the store alone."""
    from controlplane.store import open_for

    with open_for(manifest) as store:
        return store.decisions(manifest.project, since=since, near=near, labeled=False, limit=limit)


def route_label(manifest: Manifest, decision_id: int, label: RoutingLabel, *, now: datetime | None = None) -> bool:
    """Label one recorded decision `coding` or `other` (again, if it was); False when there is none of that id."""
    from controlplane import clock
    from controlplane.store import open_for

    with open_for(manifest) as store:
        return store.label_decision(manifest.project, decision_id, label, now or clock.now())


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


def train(
    manifest: Manifest,
    role: str,
    data: Path,
    *,
    confirm: Callable[[Quote], bool],
    base_model: str | None = None,
    epochs: int = 1,
    full: bool = False,
    suffix: str | None = None,
    wait: bool = False,
    on_event: Callable[[FineTuneEvent], None] = lambda event: None,
) -> Trained | None:
    """Fine-tune `role`'s model on the training file `data` (see `controlplane.training`); None if
    `confirm` declines the quote."""
    from controlplane import training

    options = training.TrainOptions(role, data, base_model, epochs, full, suffix, wait)
    return training.train(manifest, options, confirm=confirm, on_event=on_event)


def rollout_view(manifest: Manifest, role: str) -> RolloutView:
    """The role's model, candidate, what serves, and its latest rollout."""
    from controlplane import rollout
    from controlplane.project import open_project

    with open_project(manifest) as project:
        return rollout.view(project, role)


def rollout_shadow(manifest: Manifest, role: str) -> ShadowDeployment:
    """Deploy the role's candidate beside what serves, out of the split, as its shadow."""
    from controlplane import rollout
    from controlplane.project import open_project

    with open_project(manifest) as project:
        return rollout.shadow(project, role)


def rollout_start(
    manifest: Manifest, role: str, *, steps: list[int] | None = None, step_interval_seconds: int | None = None
) -> Rollout:
    """Deploy the role's candidate beside what serves and start a canary to it (Together's rollout)."""
    from controlplane import rollout
    from controlplane.project import open_project

    with open_project(manifest) as project:
        return rollout.start(project, role, steps=steps, step_interval_seconds=step_interval_seconds)


def rollout_promote(manifest: Manifest, role: str) -> Rollout:
    """All traffic to the candidate now; the caller writes it into reasoning.yaml as the model."""
    from controlplane import rollout
    from controlplane.project import open_project

    with open_project(manifest) as project:
        return rollout.promote(project, role)


def rollout_abort(manifest: Manifest, role: str, reason: str) -> Rollout:
    """Cancel the canary, route everything back, stop the candidate's deployment."""
    from controlplane import rollout
    from controlplane.project import open_project

    with open_project(manifest) as project:
        return rollout.abort(project, role, reason)


def lock(manifest: Manifest) -> Lock | None:
    """The project's apply lock as the store holds it (None: not locked)."""
    from controlplane.store import open_for

    with open_for(manifest) as store:
        return store.lock(manifest.project)


def force_unlock(manifest: Manifest, lock_id: str, *, confirm: Callable[[Lock], bool] | None = None) -> Lock | None:
    """Remove the project's lock `lock_id` whoever holds it, as `terraform force-unlock` does,
    once `confirm` (shown the lock) agrees; the lock removed, or None if `confirm` declined.
    Raises LockNotFound when the project holds no lock, or another one."""
    from controlplane.lock import force_unlock
    from controlplane.store import open_for

    with open_for(manifest) as store:
        return force_unlock(store, manifest.project, lock_id, confirm=confirm)


def _warned(made: Plan, project: Project, spent: Spend | None = None) -> Plan:
    """The plan with a warning for each budget its cost would overrun by the period's end: from
    `spent` (what the plan's policy read, at the plan's moment) when given, else read now."""
    from controlplane import clock
    from controlplane.costs import projected_overruns

    now = spent.now if spent is not None else clock.now()
    warnings = projected_overruns(project.store, project.manifest, made, now=now, spent=spent)
    return made.model_copy(update={"warnings": tuple(warnings)}) if warnings else made


def validate(manifest: Manifest) -> Manifest:
    """Check what can be checked without the provider: the schema (done by `load`), and each
    role's hardware against Together's published catalog, as `plan` would reject it."""
    from controlplane.errors import UnknownHardware
    from controlplane.values.catalog import published_catalog

    catalog = published_catalog()
    for name, role in manifest.models.items():
        if catalog.find_hardware(role.hardware) is None:
            close = catalog.suggest_hardware(role.hardware)
            raise UnknownHardware(
                f"{manifest.where('models', name, 'hardware')}: models.{name}.hardware: unknown hardware "
                f"'{role.hardware}'" + (f" (did you mean '{close}'?)" if close else ""),
                hint="`reasoning hardware` lists the catalog; available: " + ", ".join(sorted(catalog.hardware)),
            )
    return manifest


def hardware(manifest: Manifest) -> tuple[Hardware, ...]:
    """The provider's hardware catalog with prices, cheapest first."""
    from controlplane.provider import Provider, connect

    client = connect(manifest)
    try:
        catalog = Provider(client, manifest.project).catalog()
    finally:
        client.close()
    return tuple(sorted(catalog.hardware.values(), key=lambda h: (h.usd_per_hour, h.id)))


def models(manifest: Manifest) -> ModelsReport:
    """Every role: state, replicas, revision, the endpoint name to call, $/h, last request, why stopped."""
    from controlplane.planning import TRANSITIONS, prepare
    from controlplane.project import open_project
    from controlplane.values.models import ModelLine, ModelsReport

    with open_project(manifest) as project:
        planned = prepare(project).plan
        last_requests = project.store.last_requests(manifest.project)
        overrides = project.store.overrides(manifest.project)
        stops: dict[str, str] = {}
        for event in project.store.events(manifest.project):
            if event.role is not None and event.kind in TRANSITIONS:
                stops[event.role] = event.reason if event.kind == "stop" else ""
    at = planned.created_at
    lines = []
    for action in planned.actions:
        role = manifest.models.get(action.role)
        live = action.actual.live if action.actual else None
        running = live is not None and not live.spec.stopped and live.state not in ("FAILED", "STOPPED", "STOPPING")
        why = None
        if not running:
            if action.kind == "noop":
                why = action.reason
            elif live is None:
                why = "not deployed yet" if action.kind == "create" else action.reason
            else:
                why = stops.get(action.role) or action.reason
        spec = action.desired or (live.spec if live else None)
        override = overrides.get(action.role)
        lines.append(
            ModelLine(
                role=action.role,
                enabled=role.enabled if role is not None else False,
                state=live.state if live else "ABSENT",
                ready_replicas=live.ready_replicas if live else 0,
                min_replicas=role.replicas.min if role else 0,
                max_replicas=role.replicas.max if role else 0,
                model=role.model if role else (spec.model if spec else ""),
                hardware=role.hardware if role else (spec.hardware if spec else ""),
                revision=live.name if live else None,
                endpoint=action.actual.endpoint_name if action.actual else manifest.endpoint_name(action.role),
                usd_per_hour=action.cost_before,
                last_request=last_requests.get(action.role),
                why_stopped=why,
                override=override if override is not None and override.active(at) else None,
                pending=None if action.kind == "noop" else f"{action.kind}: {action.reason}",
            )
        )
    return ModelsReport(project=manifest.project, at=at, models=tuple(lines), usd_per_hour=planned.cost_before)


def override(manifest: Manifest, role: str, *, run: bool, span: timedelta | None, actor: str) -> Override:
    """Deploy (`run`) or undeploy a role for `span` (None: until cleared), whatever the manifest
    says; every plan counts it until it expires, and reconcile then drops it."""
    from controlplane import clock
    from controlplane.store import open_for
    from controlplane.values.override import Override

    name = _role(manifest, role)
    now = clock.now()
    made = Override(role=name, run=run, until=now + span if span else None, actor=actor, set_at=now)
    with open_for(manifest) as store:
        store.set_override(manifest.project, made)
    return made


def clear_override(manifest: Manifest, role: str) -> bool:
    """Drop a role's override (the manifest decides again); False if it had none."""
    from controlplane.store import open_for

    with open_for(manifest) as store:
        return store.clear_override(manifest.project, _role(manifest, role))


def _role(manifest: Manifest, role: str) -> str:
    from controlplane.errors import ReasoningError
    from controlplane.manifest.schema import normalize_role

    name = normalize_role(role)
    by_model = [n for n, r in manifest.models.items() if r.model == role]
    if name not in manifest.models and len(by_model) == 1:
        return by_model[0]  # the original CLI named models (`models deploy my-model-name`)
    if name not in manifest.models:
        import difflib

        close = difflib.get_close_matches(name, list(manifest.models), n=1)
        raise ReasoningError(
            f"no role named '{role}' in {manifest.where('models')}"
            + (f" (did you mean '{close[0]}'?)" if close else ""),
            hint="roles: " + ", ".join(manifest.models),
        )
    return name


# -- edits of reasoning.yaml (GitOps: the file changes, git shows the diff, apply makes it so) --------


def edit_manifest(file: Path) -> Edit:
    from controlplane.manifest.editor import Edit

    return Edit.of(file)


def training_file_name(role: str | None) -> str:
    """`training-data-<role|all>-<YYYY-MM-DD>.jsonl`, the name `data export` gives a file today."""
    from controlplane import clock
    from controlplane.data.export import default_name

    return default_name(role, clock.now())


def role_name(manifest: Manifest, role: str) -> str:
    """The manifest's name for `role` (`should-respond` finds `should_respond`), or an error naming the roles."""
    return _role(manifest, role)


def promote_candidate(file: Path, role: str) -> Edit:
    """`models.ROLE.model` becomes its candidate, and the candidate goes; not yet written."""
    edit = edit_manifest(file)
    name = _role(edit.manifest(), role)
    candidate = edit.manifest().models[name].candidate
    if candidate is not None:
        edit.set(["models", name, "model"], candidate)
        edit.remove(["models", name, "candidate"])
    return edit


def drop_candidate(file: Path, role: str) -> Edit:
    """`models.ROLE.candidate` removed; not yet written."""
    edit = edit_manifest(file)
    edit.remove(["models", _role(edit.manifest(), role), "candidate"])
    return edit


def set_candidate(file: Path, role: str, model: str) -> Edit:
    """`models.ROLE.candidate` set (what `reasoning train` writes); not yet written."""
    edit = edit_manifest(file)
    edit.set(["models", _role(edit.manifest(), role), "candidate"], model)
    return edit


def set_enabled(file: Path, role: str, enabled: bool) -> Edit:
    """`models.ROLE.enabled` set in place (comments and layout kept); not yet written."""
    edit = edit_manifest(file)
    name = _role(edit.manifest(), role)
    current = edit.manifest().models[name].enabled
    if current != enabled:
        edit.set(["models", name, "enabled"], enabled)
    return edit


def set_budget(file: Path, amount: float, *, period: str | None = None, role: str | None = None) -> Edit:
    """`budget.limit_usd` (or `models.ROLE.budget.limit_usd`), and its period if given."""
    edit = edit_manifest(file)
    base = ["budget"] if role is None else ["models", _role(edit.manifest(), role), "budget"]
    edit.set([*base, "limit_usd"], amount)
    if period is not None:
        edit.set([*base, "period"], period)
    return edit


def set_auto_shutdown(file: Path, minutes: int, *, role: str | None = None) -> tuple[Edit, tuple[str, ...]]:
    """`models.ROLE.idle_shutdown_minutes`, or the global default `defaults.idle_shutdown_minutes`;
    also returns the roles whose own value keeps them off the default."""
    edit = edit_manifest(file)
    if role is not None:
        edit.set(["models", _role(edit.manifest(), role), "idle_shutdown_minutes"], minutes)
        return edit, ()
    edit.set(["defaults", "idle_shutdown_minutes"], minutes)
    own = tuple(
        name for name in edit.manifest().models if isinstance(edit.get(["models", name, "idle_shutdown_minutes"]), int)
    )
    return edit, own


# -- configuration: what is in force, a new manifest, the TypeScript service's .env --------------------


def config(file: Path, *, environ: dict[str, str] | None = None) -> list[Entry]:
    """Every value in force and where it comes from (file, defaults, default, env); secrets masked."""
    from controlplane.manifest.effective import effective

    manifest = load(file)
    return list(effective(manifest, Path(file).read_text(encoding="utf-8"), environ))


def setup_manifest(answers: Answers) -> str:
    """The manifest text for `reasoning setup`'s answers, validated."""
    from controlplane.manifest.setup import render

    return render(answers)


def import_env(text: str, *, project: str = "agent") -> tuple[str, Imported]:
    """A manifest from the TypeScript service's .env text, and what was and was not mapped."""
    from controlplane.manifest.setup import from_env, parse_env, render

    imported = from_env(parse_env(text), project=project)
    return render(imported.answers), imported


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
            detail = deletion.counts()
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
