"""Reconcile: keep the world as the manifest and the policy want it while time passes.

Where it sits in the flow: the verb a scheduler runs (`reasoning reconcile --once` from cron, or
`--interval 60s` as a service). One round, under the project's apply lock: refresh the world,
evaluate the policy at `clock.now()` (budgets, shutdown windows, idleness, the hourly cap),
plan, apply that plan, drop expired `models deploy|undeploy` overrides, enforce training-data
retention, then judge each shadowed candidate against its `promote_when` gate (after the lock is
released: a canary start takes it itself), and record every change as an event
whose actor is `reconcile`. It is `apply` with the policy's clock running: the same `prepare`
makes the plan and the same `Applier` executes it (billing the ledger as it goes), so a
reconcile round and `reasoning apply` at the same moment would do the same thing.

Reconcile does not wait for a start to turn READY (the next round sees it; the runtime falls
back meanwhile); a replacement still waits, because traffic moves only to a READY deployment.
A dry run makes the same plan and counts what retention would delete, and changes nothing: no
lock, no provider writes, no deletes, no events.
"""

from __future__ import annotations

from datetime import datetime

from controlplane import clock
from controlplane.apply import Applier, OnStep
from controlplane.data.retention import retention
from controlplane.lock import locked
from controlplane.planning import prepare
from controlplane.project import Project
from controlplane.store import Event
from controlplane.values.plan import Action, Plan
from controlplane.values.reconcile import ActionSummary, Deletion, Round

ACTOR = "reconcile"


def reconcile(project: Project, *, dry_run: bool = False, on_step: OnStep | None = None) -> Round:
    """One round at `clock.now()`; raises LockHeld when another apply or reconcile holds the lock."""
    store, name = project.store, project.manifest.project
    if dry_run:
        plan = prepare(project).plan
        return _round(plan, _retention(project, plan.created_at, dry_run=True), dry_run=True)
    with locked(store, name) as lock:
        planned = prepare(project)
        plan = planned.plan
        applier = Applier(project.provider, store, planned.catalog, lock, actor=ACTOR)
        if on_step is not None:
            applier.on_step = on_step
        # always run, even with nothing to change: it bills what changed out of band
        applier.run(plan, wait=False)
        _expire_overrides(project, plan.created_at)
        deleted = _retention(project, plan.created_at, dry_run=False)
        for deletion in deleted:
            store.add_event(
                Event(
                    at=clock.now(),
                    project=name,
                    role=deletion.role,
                    actor=ACTOR,
                    kind="retention",
                    reason=deletion.reason,
                    detail=deletion.counts(),
                )
            )
    _judge_shadows(project)
    return _round(plan, deleted, dry_run=False)


def _judge_shadows(project: Project) -> None:
    """`models.<role>.promote_when`: a candidate whose shadow agreement's lower 95% bound reaches
    the gate (with enough comparisons, and its p95 latency within the bound) starts its canary;
    one whose upper bound stays below it is dropped (its shadow deployment stopped, the next
    round's plan retires it). Undecided: nothing happens. Each decision is an event with figures."""
    from controlplane import rollout
    from controlplane.errors import PermanentError
    from controlplane.values.shadow import ShadowSummary, judge

    name = project.manifest.project
    shadows = project.store.shadow_deployments(name)
    for role, declared in sorted(project.manifest.models.items()):
        gate, recorded = declared.promote_when, shadows.get(role)
        if gate is None or declared.shadow is None or declared.candidate is None or recorded is None:
            continue
        if recorded.model != declared.candidate:
            continue
        actual = project.provider.observe_role(role)
        if actual is None or actual.rollout is not None:
            continue  # a canary runs (or nothing does): the gate has nothing to decide
        if actual.live is not None and actual.live.spec.model == declared.candidate:
            continue  # the candidate serves already
        results = project.store.shadow_results(name, role, model=declared.candidate)
        summary = ShadowSummary.of(role, results, model=declared.candidate)
        verdict, why = judge(summary, gate.agreement, gate.samples, gate.p95_latency_ms)
        detail = {"verdict": verdict, **summary.model_dump(), "gate": gate.model_dump()}
        if verdict == "promote":
            try:
                started = rollout.start(project, role)
            except PermanentError as error:
                _gate_event(project, role, f"promote_when passed ({why}) but the canary did not start: {error}", detail)
                continue
            _gate_event(project, role, f"promote_when passed: canary {started.id} started; {why}", detail)
        elif verdict == "abort":
            if any(d.id == recorded.deployment_id for d in actual.deployments):
                project.provider.stop(recorded.endpoint_id, recorded.deployment_id)
            project.store.clear_shadow(name, role)
            _gate_event(project, role, f"promote_when failed: {declared.candidate}'s shadow dropped; {why}", detail)


def _gate_event(project: Project, role: str, reason: str, detail: dict[str, object]) -> None:
    project.store.add_event(
        Event(
            at=clock.now(),
            project=project.manifest.project,
            role=role,
            actor=ACTOR,
            kind="gate",
            reason=reason,
            detail=detail,
        )
    )


def _expire_overrides(project: Project, now: datetime) -> None:
    """Drop the `models deploy|undeploy` overrides that have expired; the plan just applied no
    longer counted them, so the roles are back to what the manifest says."""
    store, name = project.store, project.manifest.project
    for role, override in sorted(store.overrides(name).items()):
        if override.active(now):
            continue
        store.clear_override(name, role)
        store.add_event(
            Event(
                at=clock.now(),
                project=name,
                role=role,
                actor=ACTOR,
                kind="override",
                reason=f"override expired: {override.describe()}; back to what reasoning.yaml says",
                detail={"run": override.run, "until": override.until.isoformat() if override.until else None},
            )
        )


def _round(plan: Plan, retention: list[Deletion], *, dry_run: bool) -> Round:
    def change(action: Action) -> ActionSummary:
        return ActionSummary.model_validate(action, from_attributes=True)

    return Round(
        project=plan.project,
        at=plan.created_at,
        dry_run=dry_run,
        changes=tuple(change(a) for a in plan.changes),
        retention=tuple(retention),
        roles=tuple(change(a) for a in plan.actions),
        usd_per_hour_before=plan.cost_before.high,
        usd_per_hour_after=plan.cost_after.high,
    )


def _retention(project: Project, now: datetime, *, dry_run: bool) -> list[Deletion]:
    """The training-data retention rule `reasoning data cleanup` runs too (`controlplane.data`)."""
    policy = project.manifest.training_data
    return retention(
        project.store,
        project.manifest.project,
        now,
        days=policy.retention_days,
        keep=policy.max_samples_per_model,
        dry_run=dry_run,
    )
