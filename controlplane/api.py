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
    from controlplane.values import EventLog, RoutingDecision, RoutingLabel
    from controlplane.values.plan import ApplyResult, Plan
    from controlplane.values.reconcile import Round
    from controlplane.values.report import CostReport, Grouping
    from controlplane.values.status import Status

__all__ = [
    "apply",
    "costs_report",
    "destroy",
    "events",
    "load",
    "plan",
    "reconcile_round",
    "route_label",
    "route_review",
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
