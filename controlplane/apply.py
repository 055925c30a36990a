"""Execute a `Plan`: exactly its actions, under the project's lock, recording what was done.

Where it sits in the flow: `planning.prepare` makes the plan (and `reasoning plan` shows it), the
caller takes the lock (`controlplane.lock`), and `Applier.run` executes the plan it is given,
never re-planning. It speaks to the provider in intents only (`provider.intents`: ensure, scale,
route, stop, retire, delete, observe), each idempotent and looking before it leaps (adopt an
endpoint or deployment that a crashed run or a lost answer already created, skip a traffic
change already made), so re-running after a crash at any point converges. Replacements are
blue/green: the new deployment must be READY before traffic moves to it, and the old one is
retired (stopped, STOPPED, out of the split, deleted), each step an event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from controlplane import clock, ledger
from controlplane.errors import ApplyInterrupted, DeploymentFailed, WaitTimeout
from controlplane.lock import ProjectLock
from controlplane.provider.intents import Intents, Pause
from controlplane.store import Event, Store
from controlplane.values import AppliedRole, RemoteRole, Spec
from controlplane.values.catalog import Catalog
from controlplane.values.plan import Action, ActionKind, Plan

WAIT_TIMEOUT = timedelta(minutes=45)

#: (role, what is happening): called at each step, so the CLI can show them as they come
OnStep = Callable[[str, str], None]
#: role -> (state, ready replicas, wanted replicas), each time the waiting loop looks
OnProgress = Callable[[dict[str, tuple[str, int, int]]], None]


@dataclass
class Applier:
    provider: Intents
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
        role = self.provider.ensure_endpoint(action.role, action.actual.endpoint_id if action.actual else None)
        deployment = self.provider.ensure_deployment(role.endpoint_id, action.desired, self.catalog)
        self._bill(action, {deployment.id: action.desired}, keep_others=True)
        routed = self.provider.route(role.endpoint_id, {deployment.id: 100.0})
        self._retire(action, routed, keep=deployment.id, spec=action.desired)
        self._expect(action.role, role.endpoint_id, deployment.id, action.desired)

    def _update(self, action: Action) -> None:
        assert action.desired is not None and action.actual is not None and action.actual.live is not None
        endpoint_id, live = action.actual.endpoint_id, action.actual.live
        self.provider.scale(endpoint_id, live.id, action.desired.min_replicas, action.desired.max_replicas)
        routed = self.provider.route(endpoint_id, {live.id: 100.0})
        self._retire(action, routed, keep=live.id, spec=action.desired)
        self._expect(action.role, endpoint_id, live.id, action.desired)

    def _replace(self, action: Action) -> None:
        assert action.desired is not None and action.actual is not None
        role = self.provider.ensure_endpoint(action.role, action.actual.endpoint_id)
        deployment = self.provider.ensure_deployment(role.endpoint_id, action.desired, self.catalog)
        self._bill(action, {deployment.id: action.desired}, keep_others=True)  # both run until the switch
        # Blue/green: traffic moves only to a READY deployment, whatever --no-wait says.
        self._expect(action.role, role.endpoint_id, deployment.id, action.desired)
        self._wait_all()
        routed = self.provider.route(role.endpoint_id, {deployment.id: 100.0})
        self._retire(action, routed, keep=deployment.id, spec=action.desired)

    def _stop(self, action: Action) -> None:
        assert action.actual is not None
        for deployment in action.actual.deployments:
            if not deployment.spec.stopped:
                self.provider.stop(action.actual.endpoint_id, deployment.id)
        live = action.actual.live
        if live is not None:
            self._expect(
                action.role,
                action.actual.endpoint_id,
                live.id,
                live.spec.model_copy(update={"min_replicas": 0, "max_replicas": 0}),
            )

    def _delete(self, action: Action) -> None:
        if action.actual is None:  # only the store remembered the role: nothing to delete
            return
        role = self.provider.observe_role(action.role, action.actual.endpoint_id)
        if role is None:
            return
        self._bill(action, {})  # billing ends when the stop is asked for, not when it is done
        self._retire_all(action.role, role.endpoint_id, [d.id for d in role.deployments])
        self.provider.delete(role.endpoint_id)

    # -- retiring ------------------------------------------------------------------------

    def _retire(self, action: Action, endpoint: RemoteRole, *, keep: str, spec: Spec) -> None:
        others = [d.id for d in endpoint.deployments if d.id != keep and d.id not in action.keep]
        if others:
            self._bill(action, {keep: spec})  # the others' billing ends when their stop is asked for
            self._retire_all(action.role, endpoint.endpoint_id, others)

    def _retire_all(self, role: str, endpoint_id: str, deployments: list[str]) -> None:
        """Stop → STOPPED → out of the split → delete, each step shown and kept as an event."""
        if not deployments:
            return

        def note(step: str, text: str) -> None:
            self.on_step(role, text)
            self._event(role, f"retire.{step}", text)

        self.provider.retire(endpoint_id, deployments, pause=self._backoff(role), note=note)

    def _backoff(self, role: str) -> Pause:
        return _Backoff(
            self,
            lambda awaited: WaitTimeout(
                f"{role}: gave up waiting after {self.wait_timeout} for {awaited}",
                hint="it was asked to stop; `apply` again deletes it once it has",
            ),
        )

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

    def _event(self, role: str, kind: str, reason: str, detail: dict[str, Any] | None = None) -> None:
        self.store.add_event(
            Event(
                at=clock.now(),
                project=self.project,
                role=role,
                actor=self.actor or self.lock.owner,
                kind=kind,
                reason=reason,
                detail=detail or {},
            )
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
        self._event(action.role, action.kind, action.reason, detail)
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
        """Poll until every expected deployment reached its target, failed, or time ran out.

        A deployment DEGRADED for want of capacity that serves with at least one replica counts
        as there: Together places the rest when capacity frees, which may take hours."""
        pending = dict(self._waiting)
        pause = _Backoff(
            self,
            lambda awaited: WaitTimeout(
                f"gave up waiting after {self.wait_timeout}: {awaited}",
                hint="the changes were made; `reasoning status` shows progress, `apply` again resumes",
            ),
        )
        while pending:
            states: dict[str, tuple[str, int, int]] = {}
            for role, (endpoint_id, deployment_id, spec) in list(pending.items()):
                seen = self.provider.observe_deployment(endpoint_id, deployment_id)
                state, ready, message = (seen.state, seen.ready_replicas, seen.message) if seen else ("FAILED", 0, "")
                states[role] = (state, ready, spec.min_replicas)
                if state == "FAILED":
                    self.on_progress(states)
                    raise DeploymentFailed(
                        f"{role}: deployment FAILED: "
                        + (message or ("it is gone" if seen is None else "no message from the provider")),
                        hint="`reasoning plan` will propose replacing it; check the model and hardware",
                    )
                if _reached(state, ready, spec):
                    del pending[role]
                    if state == "DEGRADED":
                        self.on_step(role, f"DEGRADED, serving with {ready} of {spec.min_replicas}: {message}")
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
            pause(", ".join(f"{r} {states[r][0]}" for r in pending))
        self._waiting.clear()


class _Backoff:
    """Between two looks at the world: renew the lock, sleep a little longer each time, and give
    up (raise what `give_up` makes of what is awaited) once the applier's timeout has passed."""

    def __init__(self, applier: Applier, give_up: Callable[[str], WaitTimeout]) -> None:
        self.lock, self.give_up = applier.lock, give_up
        self.deadline = clock.now() + applier.wait_timeout
        self.interval = 1.0

    def __call__(self, awaited: str) -> None:
        if clock.now() >= self.deadline:
            raise self.give_up(awaited)
        self.lock.renew()
        clock.sleep(self.interval)
        self.interval = min(self.interval * 1.5, 10.0)


def _reached(state: str, ready: int, spec: Spec) -> bool:
    if spec.stopped:
        return state == "STOPPED"
    return (state == "READY" and ready >= spec.min_replicas) or (state == "DEGRADED" and ready >= 1)
