"""Execute a `Plan`: exactly its actions, under the project's lock, recording what was done.

Every step is idempotent and looks before it leaps (adopt an endpoint or deployment that a crashed
run already created, skip a traffic change already made), so re-running after a crash at any
point converges. Replacements are blue/green: the new deployment must be READY before traffic
moves to it and the old one is deleted.

A fresh plan is made with the policy's decisions for the moment it is made (`decide`), so
`apply` never starts a role the policy holds stopped, and `plan` shows the same.
"""

from __future__ import annotations

import getpass
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from controlplane import clock, costs, ledger
from controlplane.catalog import Catalog
from controlplane.errors import Conflict, DeploymentFailed, LockHeld, NotFound, StalePlan, WaitTimeout
from controlplane.observe import Observed, observe
from controlplane.plan import Action, Plan, fingerprint, make_plan
from controlplane.policy import RULES, Decision, RoleFacts, Spent, evaluate
from controlplane.project import Project
from controlplane.provider import Provider, deployment_name
from controlplane.provider.together import TogetherClient
from controlplane.provider.types import DeploymentSummary, Endpoint
from controlplane.store import Event, Store
from controlplane.values import AppliedRole, DeploymentState, Spec

LOCK_TTL = timedelta(minutes=15)
WAIT_TIMEOUT = timedelta(minutes=45)

#: (role, what is happening) — the CLI shows these as they come
Report = Callable[[str, str], None]
#: role -> (state, ready replicas, wanted replicas), each time the waiting loop looks
Progress = Callable[[dict[str, tuple[str, int, int]]], None]


def actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


@dataclass
class ProjectLock:
    store: Store
    project: str
    owner: str = field(default_factory=lambda: f"{actor()} pid {os.getpid()} #{uuid.uuid4().hex[:6]}")

    def renew(self) -> None:
        self.store.renew_lock(self.project, self.owner, now=clock.now(), ttl=LOCK_TTL)


@contextmanager
def locked(store: Store, project: str, *, timeout: timedelta = timedelta(0)) -> Iterator[ProjectLock]:
    """Hold the project's apply lock; wait up to `timeout` for it, take it over once expired."""
    lock = ProjectLock(store, project)
    deadline = clock.now() + timeout
    while True:
        try:
            previous = store.acquire_lock(project, lock.owner, now=clock.now(), ttl=LOCK_TTL)
            break
        except LockHeld:
            if clock.now() >= deadline:
                raise
            clock.sleep(min(5.0, max(0.5, (deadline - clock.now()).total_seconds())))
    if previous is not None:
        store.add_event(
            Event(
                at=clock.now(),
                project=project,
                role=None,
                actor=lock.owner,
                kind="lock.takeover",
                reason=f"lock of {previous.owner} expired at {previous.expires_at:%Y-%m-%d %H:%M:%S} UTC",
            )
        )
    try:
        yield lock
    finally:
        store.release_lock(project, lock.owner)


def prepare(project: Project, *, saved: Plan | None = None, destroy: bool = False) -> tuple[Plan, Catalog]:
    """The plan to execute and the catalog to execute it with; `plan` and `status` show the same one.

    A fresh plan from the manifest (every role deleted for `destroy`), or the `saved` one if the
    world is still what it was made against: a saved plan whose world changed is refused.
    """
    manifest = project.manifest
    if saved is None:
        seen = observe(manifest, project.provider, project.store)
        at = clock.now()
        if destroy:
            return make_plan(manifest, seen.actual, seen.applied, seen.catalog, now=at, roles={}), seen.catalog
        desired = decide(project, seen, at)
        return make_plan(manifest, seen.actual, seen.applied, seen.catalog, now=at, desired=desired), seen.catalog
    catalog = project.provider.catalog(a.desired.model for a in saved.actions if a.desired)
    known = project.store.applied(manifest.project)
    now = fingerprint(project.provider.refresh([a.role for a in saved.actions], catalog, known=known))
    if now != saved.fingerprint:
        raise StalePlan(
            f"the saved plan is stale: the deployments changed since it was made (plan {saved.fingerprint}, now {now})",
            hint="run `reasoning plan --out FILE` again and review the new plan",
        )
    return saved, catalog


#: the events that change whether a role runs; the latest one says how a role came to be stopped
TRANSITIONS = frozenset({"create", "start", "stop", "update", "replace", "delete"})


def decide(project: Project, seen: Observed, now: datetime) -> dict[str, Decision]:
    """The policy's decision per role at `now`, from what the store and the refreshed world say.

    Running means the last apply left the role enabled (what the runtime reads too); burn is
    what the refreshed deployments are billed now (the ledger's rule: replicas x catalog price).
    """
    manifest, store = project.manifest, project.store
    spend = costs.spend(store, manifest, now)
    last_requests = store.last_requests(manifest.project)
    last: dict[str, Event] = {}
    for event in store.events(manifest.project):
        if event.role is not None and event.kind in TRANSITIONS:
            last[event.role] = event
    facts = {}
    for name, role in manifest.models.items():
        applied = seen.applied.get(name)
        running = applied is not None and applied.enabled and not applied.spec.stopped
        stop = last.get(name)
        stopped = stop is not None and stop.kind == "stop" and not running
        rule = stop.detail.get("policy") if stop is not None and stopped else None
        remote = seen.actual.get(name)
        own = spend.roles[name].budget if name in spend.roles else None
        facts[name] = RoleFacts(
            running=running,
            running_since=applied.applied_at if applied is not None and running else None,
            stopped_at=_planned_at(stop) if stop is not None and stopped else None,
            stopped_by=rule if rule in RULES else None,
            last_request=last_requests.get(name),
            spent=Spent(usd=own.usd, start=own.start, end=own.end) if own is not None else None,
            burn_usd_per_hour=sum(
                ledger.billed_replicas(d) * seen.catalog.price(d.spec.hardware)
                for d in (remote.deployments if remote is not None else ())
            ),
            start_usd_per_hour=role.replicas.min * seen.catalog.price(role.hardware),
        )
    total = Spent(usd=spend.usd, start=spend.start, end=spend.end)
    return evaluate(manifest, now, facts, spent=total)


def _planned_at(event: Event) -> datetime:
    """When the change an event records was decided (older events: when it was recorded)."""
    planned = event.detail.get("planned_at")
    return datetime.fromisoformat(planned) if isinstance(planned, str) else event.at


@dataclass
class Applier:
    provider: Provider
    store: Store
    catalog: Catalog
    lock: ProjectLock
    report: Report = lambda role, text: None
    progress: Progress = lambda states: None
    wait_timeout: timedelta = WAIT_TIMEOUT
    #: who the events name; the lock's owner unless told (reconcile says `reconcile`)
    actor: str | None = None
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
        ledger.observe(self.store, self.project, seen, self.catalog, now=clock.now(), by="apply: observed")
        for action in plan.changes:
            self.report(action.role, f"{action.kind}: {action.reason}")
            getattr(self, f"_{action.kind}")(action)
            self._record(action, planned_at=plan.created_at)
        if wait:
            self._wait_all()

    # -- one method per kind of action ---------------------------------------------------

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

    _start = _update

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
            return self.client.create_endpoint(self._endpoint_name(action.role))
        except Conflict:  # created meanwhile (a retried POST, a concurrent run): adopt it
            adopted = self.provider.endpoint(action.role)
            if adopted is None:
                raise
            return adopted

    def _endpoint_name(self, role: str) -> str:
        from controlplane.manifest import endpoint_name

        return endpoint_name(self.project, role)

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
                self.report(role, f"stopping old deployment {deployment.name}")
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
                    self.report(role, f"deleting old deployment {pending.pop(deployment_id)}")
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
                    self.progress(states)
                    raise DeploymentFailed(
                        f"{role}: deployment FAILED: {message or 'no message from the provider'}",
                        hint="`reasoning plan` will propose replacing it; check the model and hardware",
                    )
                if _reached(state, ready, spec):
                    del pending[role]
            self.progress(states)
            if not pending:
                break
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
