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
    from controlplane.provider.rollouts import Rollout
    from controlplane.provider.training import FineTuneEvent
    from controlplane.rollout import RolloutView
    from controlplane.training import Quote, Trained
    from controlplane.values import EventLog
    from controlplane.values.plan import ApplyResult, Plan
    from controlplane.values.reconcile import Round
    from controlplane.values.records import Lock
    from controlplane.values.report import CostReport, Grouping
    from controlplane.values.status import Status

__all__ = [
    "apply",
    "costs_report",
    "destroy",
    "events",
    "force_unlock",
    "load",
    "lock",
    "plan",
    "reconcile_round",
    "rollout_abort",
    "rollout_promote",
    "rollout_start",
    "rollout_view",
    "status",
    "train",
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
