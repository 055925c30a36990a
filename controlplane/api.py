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
    from controlplane.manifest.editor import Edit
    from controlplane.manifest.effective import Entry
    from controlplane.manifest.setup import Answers, Imported
    from controlplane.project import Project
    from controlplane.values import EventLog
    from controlplane.values.catalog import Hardware
    from controlplane.values.models import ModelsReport
    from controlplane.values.override import Override
    from controlplane.values.plan import ApplyResult, Plan
    from controlplane.values.reconcile import Round
    from controlplane.values.report import CostReport, Grouping
    from controlplane.values.status import Status

__all__ = [
    "apply",
    "clear_override",
    "costs_report",
    "destroy",
    "edit_manifest",
    "events",
    "hardware",
    "load",
    "models",
    "override",
    "plan",
    "reconcile_round",
    "set_auto_shutdown",
    "set_budget",
    "set_enabled",
    "status",
    "validate",
]


def plan(manifest: Manifest, *, out: Path | None = None, target: Collection[str] | None = None) -> Plan:
    """What `apply` would do now (the policy's decisions included); saved to `out` if given."""
    from controlplane.planning import prepare, save_plan
    from controlplane.project import open_project

    with open_project(manifest) as project:
        made = _warned(prepare(project, target=target).plan, project)
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
            planned = planned.model_copy(update={"plan": _warned(planned.plan, project)})
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


def _warned(made: Plan, project: Project) -> Plan:
    """The plan with a warning for each budget its cost would overrun by the period's end."""
    from controlplane import clock
    from controlplane.costs import projected_overruns

    warnings = projected_overruns(project.store, project.manifest, made, now=clock.now())
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
