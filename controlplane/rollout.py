"""A role's candidate proves itself in shadow, then in a canary on Together's native v2 rollouts,
then takes over or is dropped.

    shadow   the candidate's deployment READY beside the live one and out of the split, recorded
             in the store (`shadows`): the runtime sends it `models.<role>.shadow.share` of the
             role's requests and records whether it agrees (`runtime.shadow`); plan and apply keep
             it while the candidate and its shadow are declared, and `start` reuses it
    start    the candidate's deployment (the one `apply` would make for it), READY, beside the
             live one and out of the split; a canary rollout from live to candidate, started:
             Together moves the traffic step by step and pauses by itself (SYSTEM_PAUSED) when a
             metric gate (router error rate, p95 latency against the source) is breached
    status   the rollout's state, step and served share
    promote  all traffic to the candidate now; Together stops the old deployment, and the caller
             writes the candidate into reasoning.yaml as the model (the next apply deletes the
             old deployment, once STOPPED and out of the split)
    abort    cancel with FREEZE (SDK 3.1.1 has no revert), then all traffic back to the live
             deployment and the candidate's stopped; the caller drops the candidate from the file

While a rollout is active the plan holds the role (Together owns its split and replicas), and a
candidate that already serves (a canary Together completed by itself) is never replaced back.
Each step runs under the project's lock, as apply does, and is recorded as an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from controlplane import clock
from controlplane.errors import PermanentError
from controlplane.lock import ProjectLock, locked
from controlplane.manifest.schema import Role
from controlplane.plan import desired_specs
from controlplane.project import Project
from controlplane.provider.rollouts import Rollout, RolloutClient
from controlplane.values import RemoteDeployment, RemoteRole
from controlplane.values.records import Event
from controlplane.values.shadow import ShadowDeployment, ShadowSummary

POLL_SECONDS = 10.0
READY_TIMEOUT = timedelta(hours=1)
CANCEL_TIMEOUT = timedelta(minutes=10)


class RolloutError(PermanentError):
    """The rollout cannot go on as asked: no candidate, nothing serving, none in progress."""


@dataclass(frozen=True)
class RolloutView:
    role: str
    model: str
    candidate: str | None
    rollout: Rollout | None
    serving: str | None  # the model the live deployment runs
    shadow: ShadowDeployment | None = None  # the candidate's deployment in shadow, if one is recorded
    agreement: ShadowSummary | None = None  # the candidate's shadow comparisons so far


def view(project: Project, role: str) -> RolloutView:
    declared = _role(project, role)
    project.provider.catalog([m for m in (declared.model, declared.candidate) if m])  # models by name
    shadowing = project.store.shadow_deployments(project.manifest.project).get(role)
    agreement = None
    if declared.candidate is not None:
        results = project.store.shadow_results(project.manifest.project, role, model=declared.candidate)
        agreement = ShadowSummary.of(role, results, model=declared.candidate)
    actual = project.provider.observe_role(role)
    rollout = None
    if actual is not None:
        client = RolloutClient(project.provider.client)
        rollout = client.active(actual.endpoint_id) or client.latest(actual.endpoint_id)
    serving = actual.live.spec.model if actual is not None and actual.live is not None else None
    return RolloutView(role, declared.model, declared.candidate, rollout, serving, shadowing, agreement)


def shadow(project: Project, role: str) -> ShadowDeployment:
    """The candidate's deployment, READY beside the live one and out of the split, recorded in the
    store as the role's shadow: the runtime sends it `models.<role>.shadow.share` of the requests."""
    declared = _candidate(project, role)
    if declared.shadow is None:
        raise RolloutError(
            f"models.{role}.shadow is not set: no share of the requests would reach the candidate",
            hint=f"add `shadow: {{share: 0.1}}` under models.{role} in reasoning.yaml",
        )
    with locked(project.store, project.manifest.project) as lock:
        actual, target = deploy_candidate(project, role, lock)
        recorded = ShadowDeployment(
            role=role,
            model=target.spec.model,
            endpoint_id=actual.endpoint_id,
            endpoint_name=actual.endpoint_name,
            deployment_id=target.id,
            deployment_name=target.name,
            pinned=f"{project.provider.client.whoami().project.slug}/{actual.endpoint_name}/{target.name}",
            created_at=clock.now(),
        )
        project.store.set_shadow(project.manifest.project, recorded)
        _event(
            project,
            role,
            "shadow",
            f"{target.spec.model} shadows {role} on {target.name}, out of the split: "
            f"{declared.shadow.share:.0%} of the requests are compared",
            lock.owner,
        )
        return recorded


def deploy_candidate(project: Project, role: str, lock: ProjectLock) -> tuple[RemoteRole, RemoteDeployment]:
    """What apply would deploy for the role, on the candidate (the same hardware and replicas),
    beside the live deployment and out of the split; waited for until READY. The name is derived
    from the spec, so a shadow's deployment is the one a later canary finds and reuses."""
    declared = _candidate(project, role)
    assert declared.candidate is not None
    # the catalog first: the provider reads deployments' models by name once it has it
    catalog = project.provider.catalog([declared.model, declared.candidate])
    actual = _serving(project, role)
    live = actual.live
    assert live is not None
    if live.spec.model == declared.candidate:
        raise RolloutError(f"{role} already serves {declared.candidate}: `reasoning rollout promote {role}`")
    spec = desired_specs(project.manifest, catalog)[role].model_copy(update={"model": declared.candidate})
    target = project.provider.ensure_deployment(actual.endpoint_id, spec, catalog)
    waited = timedelta(0)
    while target.state != "READY":
        if target.state == "FAILED":
            raise RolloutError(f"the candidate's deployment {target.name} FAILED: {target.message or 'no message'}")
        if waited >= READY_TIMEOUT:
            raise RolloutError(f"the candidate's deployment {target.name} is not READY after {waited}")
        lock.renew()
        clock.sleep(POLL_SECONDS)
        waited += timedelta(seconds=POLL_SECONDS)
        seen = project.provider.observe_deployment(actual.endpoint_id, target.id)
        if seen is None:
            raise RolloutError(f"the candidate's deployment {target.name} vanished while provisioning")
        target = seen
    return actual, target


def start(
    project: Project, role: str, *, steps: list[int] | None = None, step_interval_seconds: int | None = None
) -> Rollout:
    declared = _candidate(project, role)
    with locked(project.store, project.manifest.project) as lock:
        actual, target = deploy_candidate(project, role, lock)
        live = actual.live
        assert live is not None
        client = RolloutClient(project.provider.client)
        created = client.canary(
            actual.endpoint_id, live.id, target.id, steps=steps, step_interval_seconds=step_interval_seconds
        )
        started = client.start(actual.endpoint_id, created.id)
        _event(
            project,
            role,
            "rollout",
            f"canary of {declared.candidate} started ({started.id}): "
            f"{started.traffic}% of the traffic on its first step",
            lock.owner,
        )
        return started


def promote(project: Project, role: str) -> Rollout:
    """All traffic to the candidate now (the old deployment is stopped by Together)."""
    _role(project, role)
    with locked(project.store, project.manifest.project) as lock:
        actual, rollout = _active(project, role)
        promoted = RolloutClient(project.provider.client).promote(actual.endpoint_id, rollout.id)
        project.store.clear_shadow(project.manifest.project, role)
        _event(project, role, "promote", f"rollout {rollout.id} promoted: the candidate takes all traffic", lock.owner)
        return promoted


def abort(project: Project, role: str, reason: str) -> Rollout:
    """Cancel (FREEZE), then all traffic back to the source and the candidate's deployment stopped."""
    _role(project, role)
    with locked(project.store, project.manifest.project) as lock:
        actual, rollout = _active(project, role)
        client = RolloutClient(project.provider.client)
        canceled = client.cancel(actual.endpoint_id, rollout.id, reason)
        waited = timedelta(0)
        while canceled.active:
            if waited >= CANCEL_TIMEOUT:
                raise RolloutError(f"rollout {rollout.id} still {canceled.short_state} after {waited}")
            lock.renew()
            clock.sleep(1.0)
            waited += timedelta(seconds=1)
            canceled = client.get(actual.endpoint_id, rollout.id)
        project.provider.route(actual.endpoint_id, {rollout.source: 1.0})
        project.provider.stop(actual.endpoint_id, rollout.target)
        project.store.clear_shadow(project.manifest.project, role)
        _event(
            project,
            role,
            "abort",
            f"rollout {rollout.id} aborted ({reason}): all traffic back on the "
            "serving deployment, the candidate's stopped",
            lock.owner,
        )
        return canceled


def _candidate(project: Project, role: str) -> Role:
    declared = _role(project, role)
    if declared.candidate is None:
        raise RolloutError(
            f"models.{role}.candidate is not set: nothing to roll out",
            hint=f"train one (`reasoning train -m {role} --wait`) or write a model name there",
        )
    return declared


def _role(project: Project, role: str) -> Role:
    declared = project.manifest.models.get(role)
    if declared is None:
        raise RolloutError(f"models.{role}: no such role (roles: {', '.join(project.manifest.models)})")
    return declared


def _serving(project: Project, role: str) -> RemoteRole:
    actual = project.provider.observe_role(role)
    if actual is None or actual.live is None or not actual.traffic:
        raise RolloutError(f"nothing serves {role} yet: `reasoning apply` first; a canary moves traffic from it")
    if actual.rollout is not None:
        raise RolloutError(f"rollout {actual.rollout} is already in progress on {actual.endpoint_name}")
    return actual


def _active(project: Project, role: str) -> tuple[RemoteRole, Rollout]:
    actual = project.provider.observe_role(role)
    if actual is None or actual.rollout is None:
        raise RolloutError(f"no rollout in progress for {role}", hint=f"start one: `reasoning rollout start {role}`")
    return actual, RolloutClient(project.provider.client).get(actual.endpoint_id, actual.rollout)


def _event(project: Project, role: str, kind: str, reason: str, actor: str) -> None:
    project.store.add_event(
        Event(at=clock.now(), project=project.manifest.project, role=role, actor=actor, kind=kind, reason=reason)
    )
