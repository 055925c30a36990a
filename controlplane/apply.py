"""Execute a `Plan`: exactly its actions, under the project's lock, recording what was done.

Where it sits in the flow: `planning.prepare` makes the plan (and `reasoning plan` shows it), the
caller takes the lock (`controlplane.lock`), and `Applier.run` executes the plan it is given,
never re-planning. Every step is idempotent and looks before it leaps (adopt an endpoint or
deployment that a crashed run already created, skip a traffic change already made), so re-running
after a crash at any point converges. Replacements are blue/green: the new deployment must be
READY before traffic moves to it and the old one is deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from controlplane import clock, ledger
from controlplane.errors import ApplyInterrupted, Conflict, DeploymentFailed, NotFound, WaitTimeout
from controlplane.lock import ProjectLock
from controlplane.manifest import endpoint_name
from controlplane.provider import Provider, deployment_name
from controlplane.provider.together import TogetherClient
from controlplane.provider.types import DeploymentSummary, Endpoint
from controlplane.store import Event, Store
from controlplane.values import AppliedRole, DeploymentState, Spec
from controlplane.values.catalog import Catalog
from controlplane.values.plan import Action, ActionKind, Plan

WAIT_TIMEOUT = timedelta(minutes=45)

#: (role, what is happening): called at each step, so the CLI can show them as they come
OnStep = Callable[[str, str], None]
#: role -> (state, ready replicas, wanted replicas), each time the waiting loop looks
OnProgress = Callable[[dict[str, tuple[str, int, int]]], None]


@dataclass
class Applier:
    provider: Provider
    store: Store
    catalog: Catalog
    lock: ProjectLock
    on_step: OnStep = lambda role, text: None
    on_progress: OnProgress = lambda states: None
    wait_timeout: timedelta = WAIT_TIMEOUT
    #: who the events name; the lock's owner unless told (reconcile says `reconcile`)
    actor: str | None = None
    #: asked between steps (and while waiting): True stops the run there (the CLI's Ctrl-C)
    stop_requested: Callable[[], bool] = lambda: False
    _waiting: dict[str, tuple[str, str, Spec]] = field(default_factory=dict)
    #: role -> (endpoint id, deployment id) each action left it with, for the applied record
    _placed: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def project(self) -> str:
        return self.provider.project

    @property
    def client(self) -> TogetherClient:
        return self.provider.client

    def run(self, plan: Plan, *, wait: bool = True) -> None:
        # Bill what changed out of band (a console scale, a FAILED deployment) from now on,
        # before this run's own changes are billed from the moment they are asked for.
        seen = {a.role: a.actual for a in plan.actions if a.actual is not None}
        ledger.bill_observed(self.store, self.project, seen, self.catalog, now=clock.now(), by="apply: observed")
        steps = self._steps()
        done: list[str] = []
        changes = plan.changes
        for index, action in enumerate(changes):
            if self.stop_requested():
                left = tuple(f"{a.role}: {a.kind}" for a in changes[index:])
                raise ApplyInterrupted(
                    f"interrupted after {len(done)} of {len(changes)} step(s); not done: {', '.join(left)}",
                    done=tuple(done),
                    left=left,
                    hint="`reasoning plan` shows what is left, `reasoning apply` finishes it",
                )
            self.on_step(action.role, f"{action.kind}: {action.reason}")
            steps[action.kind](action)
            self._record(action, planned_at=plan.created_at)
            done.append(f"{action.role}: {action.kind}")
        if wait:
            self._wait_all()

    # -- one method per kind of action ---------------------------------------------------

    def _steps(self) -> dict[ActionKind, Callable[[Action], None]]:
        """What executes each kind of action (a `noop` is never executed)."""
        return {
            "create": self._create,
            "update": self._update,
            "start": self._update,  # scaling 0/0 back to min/max, like any replica change
            "replace": self._replace,
            "stop": self._stop,
            "delete": self._delete,
        }

    def _create(self, action: Action) -> None:
        assert action.desired is not None
        endpoint = self._ensure_endpoint(action)
        deployment = self._ensure_deployment(endpoint, action.desired)
        self._bill(action, {deployment: action.desired}, keep_others=True)
        endpoint = self._route(endpoint.id, deployment)
        self._retire(action, endpoint, keep=deployment, spec=action.desired)
        self._expect(action.role, endpoint.id, deployment, action.desired)

    def _update(self, action: Action) -> None:
        assert action.desired is not None and action.actual is not None and action.actual.live is not None
        live = action.actual.live
        self._scale(
            action.actual.endpoint_id, live.id, (live.spec.min_replicas, live.spec.max_replicas), action.desired
        )
        endpoint = self._route(action.actual.endpoint_id, live.id)
        self._retire(action, endpoint, keep=live.id, spec=action.desired)
        self._expect(action.role, endpoint.id, live.id, action.desired)

    def _replace(self, action: Action) -> None:
        assert action.desired is not None and action.actual is not None
        endpoint = self._ensure_endpoint(action)
        deployment = self._ensure_deployment(endpoint, action.desired)
        self._bill(action, {deployment: action.desired}, keep_others=True)  # both run until the switch
        # Blue/green: traffic moves only to a READY deployment, whatever --no-wait says.
        self._expect(action.role, endpoint.id, deployment, action.desired)
        self._wait_all()
        endpoint = self._route(endpoint.id, deployment)
        self._retire(action, endpoint, keep=deployment, spec=action.desired)

    def _stop(self, action: Action) -> None:
        assert action.actual is not None
        for deployment in action.actual.deployments:
            if not deployment.spec.stopped:
                self.client.scale_deployment(action.actual.endpoint_id, deployment.id, min_replicas=0, max_replicas=0)
        live = action.actual.live
        if live is not None:
            self._expect(
                action.role,
                action.actual.endpoint_id,
                live.id,
                live.spec.model_copy(update={"min_replicas": 0, "max_replicas": 0}),
            )

    def _delete(self, action: Action) -> None:
        assert action.actual is not None
        endpoint = self.provider.get_endpoint(action.actual.endpoint_id)
        if endpoint is None:
            return
        if endpoint.traffic_split:
            endpoint = self.client.set_traffic(endpoint, {})
        self._bill(action, {})  # billing ends when the stop is asked for, not when it is done
        self._stop_and_delete(action.role, endpoint, endpoint.deployments)
        with suppress(NotFound):
            self.client.delete_endpoint(endpoint.id)

    # -- idempotent steps ----------------------------------------------------------------

    def _ensure_endpoint(self, action: Action) -> Endpoint:
        if action.actual is not None:
            found = self.provider.get_endpoint(action.actual.endpoint_id)
            if found is not None:
                return found
        found = self.provider.endpoint(action.role)
        if found is not None:
            return found
        try:
            return self.client.create_endpoint(endpoint_name(self.project, action.role))
        except Conflict:  # created meanwhile (a retried POST, a concurrent run): adopt it
            adopted = self.provider.endpoint(action.role)
            if adopted is None:
                raise
            return adopted

    def _ensure_deployment(self, endpoint: Endpoint, spec: Spec) -> str:
        name = deployment_name(self.project, spec)
        for existing in endpoint.deployments:
            if existing.short_name == name:
                current = (existing.autoscaling.min_replicas, existing.autoscaling.max_replicas)
                self._scale(endpoint.id, existing.id, current, spec)
                return existing.id
        try:
            created = self.client.create_deployment(
                endpoint.id,
                name=name,
                model=self.catalog.models[spec.model],
                config=self.catalog.configs[spec.model][spec.hardware],
                min_replicas=spec.min_replicas,
                max_replicas=spec.max_replicas,
            )
            return created.id
        except Conflict:
            fresh = self.client.get_endpoint(endpoint.id)
            for existing in fresh.deployments:
                if existing.short_name == name:
                    return existing.id
            raise

    def _scale(self, endpoint_id: str, deployment_id: str, current: tuple[int | None, int | None], spec: Spec) -> None:
        """Set the replica range, unless it already is that: every write changes the etag."""
        if current == (spec.min_replicas, spec.max_replicas):
            return
        self.client.scale_deployment(
            endpoint_id, deployment_id, min_replicas=spec.min_replicas, max_replicas=spec.max_replicas
        )

    def _route(self, endpoint_id: str, deployment_id: str) -> Endpoint:
        endpoint = self.client.get_endpoint(endpoint_id)
        wanted = {deployment_id: 100.0}
        if {t.deployment_id: t.weight for t in endpoint.traffic_split} != wanted:
            endpoint = self.client.set_traffic(endpoint, wanted)
        return endpoint

    def _retire(self, action: Action, endpoint: Endpoint, *, keep: str, spec: Spec) -> None:
        others = [d for d in endpoint.deployments if d.id != keep]
        if others:
            self._bill(action, {keep: spec})  # the others' billing ends when their stop is asked for
        self._stop_and_delete(action.role, endpoint, others)

    def _stop_and_delete(self, role: str, endpoint: Endpoint, deployments: list[DeploymentSummary]) -> None:
        """Together deletes only a stopped deployment: scale each to 0/0, wait for STOPPED, delete.
        Each step is safe to repeat; callers have taken the deployments out of the split."""
        if not deployments:
            return
        for deployment in deployments:
            if (deployment.autoscaling.min_replicas, deployment.autoscaling.max_replicas) != (0, 0):
                self.on_step(role, f"stopping old deployment {deployment.name}")
                with suppress(NotFound):
                    self.client.scale_deployment(endpoint.id, deployment.id, min_replicas=0, max_replicas=0)
        pending = {d.id: d.name for d in deployments}
        deadline = clock.now() + self.wait_timeout
        interval = 1.0
        while True:
            for deployment_id in list(pending):
                try:
                    state = self.client.get_deployment(endpoint.id, deployment_id).status.state
                except NotFound:  # already gone: what we wanted
                    del pending[deployment_id]
                    continue
                if state in ("DEPLOYMENT_STATE_STOPPED", "DEPLOYMENT_STATE_FAILED"):
                    self.on_step(role, f"deleting old deployment {pending.pop(deployment_id)}")
                    with suppress(NotFound):
                        self.client.delete_deployment(endpoint.id, deployment_id)
            if not pending:
                return
            if clock.now() >= deadline:
                raise WaitTimeout(
                    f"{role}: gave up waiting after {self.wait_timeout} for {', '.join(pending.values())} to stop",
                    hint="it was asked to stop; `apply` again deletes it once it has",
                )
            self.lock.renew()
            clock.sleep(interval)
            interval = min(interval * 1.5, 10.0)

    # -- bookkeeping -----------------------------------------------------------------------

    def _bill(self, action: Action, running: dict[str, Spec], *, keep_others: bool = False) -> None:
        """Ledger: from now, the role's billed deployments are `running` (see ledger.py's rule)."""
        ledger.record(
            self.store,
            self.project,
            action.role,
            running,
            self.catalog,
            at=clock.now(),
            by=f"apply {action.kind}",
            keep_others=keep_others,
        )

    def _record(self, action: Action, *, planned_at: datetime) -> None:
        now = clock.now()
        detail = {
            "changes": [c.model_dump() for c in action.changes],
            "forced_by": action.forced_by,
            "drift": [c.model_dump() for c in action.drift],
            "policy": action.policy,
            # when the decision was made: a request after it (even before the stop landed) is demand
            "planned_at": planned_at.isoformat(),
        }
        self.store.add_event(
            Event(
                at=now,
                project=self.project,
                role=action.role,
                actor=self.actor or self.lock.owner,
                kind=action.kind,
                reason=action.reason,
                detail=detail,
            )
        )
        if action.kind == "delete":
            self._bill(action, {})
            self.store.forget(self.project, action.role)
            return
        spec = action.desired or (action.actual.live.spec if action.actual and action.actual.live else None)
        endpoint_id, deployment_id = self._placed.get(action.role, (None, None))
        running = {deployment_id: spec} if deployment_id and spec and action.kind != "stop" else {}
        self._bill(action, running)
        if spec is None:
            return
        self.store.record_applied(
            self.project,
            AppliedRole(
                role=action.role,
                spec=spec,
                enabled=action.kind != "stop",
                endpoint_id=endpoint_id,
                deployment_id=deployment_id,
                applied_at=now,
            ),
        )

    # -- waiting ---------------------------------------------------------------------------

    def _expect(self, role: str, endpoint_id: str, deployment_id: str, spec: Spec) -> None:
        self._waiting[role] = (endpoint_id, deployment_id, spec)
        self._placed[role] = (endpoint_id, deployment_id)

    def _wait_all(self) -> None:
        """Poll until every expected deployment reached its target, failed, or time ran out."""
        pending = dict(self._waiting)
        deadline = clock.now() + self.wait_timeout
        interval = 1.0
        while pending:
            states: dict[str, tuple[str, int, int]] = {}
            for role, (endpoint_id, deployment_id, spec) in list(pending.items()):
                state, ready, message = self._deployment_state(endpoint_id, deployment_id)
                states[role] = (state, ready, spec.min_replicas)
                if state == "FAILED":
                    self.on_progress(states)
                    raise DeploymentFailed(
                        f"{role}: deployment FAILED: {message or 'no message from the provider'}",
                        hint="`reasoning plan` will propose replacing it; check the model and hardware",
                    )
                if _reached(state, ready, spec):
                    del pending[role]
            self.on_progress(states)
            if not pending:
                break
            if self.stop_requested():
                raise ApplyInterrupted(
                    "interrupted while waiting: every change was requested; still on the way: "
                    + ", ".join(f"{r} {states[r][0]}" for r in pending),
                    done=tuple(pending),
                    hint="they keep going (and billing) on the provider; `reasoning status` shows them",
                )
            if clock.now() >= deadline:
                raise WaitTimeout(
                    f"gave up waiting after {self.wait_timeout}: " + ", ".join(f"{r} {states[r][0]}" for r in pending),
                    hint="the changes were made; `reasoning status` shows progress, `apply` again resumes",
                )
            self.lock.renew()
            clock.sleep(interval)
            interval = min(interval * 1.5, 10.0)
        self._waiting.clear()

    def _deployment_state(self, endpoint_id: str, deployment_id: str) -> tuple[str, int, str]:
        deployment = self.client.get_deployment(endpoint_id, deployment_id)
        state = deployment.status.state.removeprefix("DEPLOYMENT_STATE_")
        return state, deployment.status.ready_replicas or 0, deployment.status.message


def _reached(state: str, ready: int, spec: Spec) -> bool:
    target: DeploymentState = "STOPPED" if spec.stopped else "READY"
    return state == target and (spec.stopped or ready >= spec.min_replicas)
