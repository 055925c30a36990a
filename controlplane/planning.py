"""Making the plan to execute: refresh the world, ask the policy, plan; or check a saved plan.

Where it sits in the flow: `plan`, `status`, `apply`, `destroy` and each reconcile round start
here, so they all see the world the same way (`observe`) and plan it with the policy's decisions
for the same moment (`policy_decisions`); `apply` then executes exactly the `Planned` value this
returns. A saved plan is taken as it is, unless the world changed since it was made.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from controlplane import clock, ledger
from controlplane.errors import PlanError, StalePlan
from controlplane.manifest import Manifest
from controlplane.plan import fingerprint, make_plan
from controlplane.policy import evaluate
from controlplane.project import Project
from controlplane.provider import Provider
from controlplane.store import Event, Store, spend
from controlplane.values import FORMAT_VERSION, AppliedRole, RemoteRole, Spend
from controlplane.values.catalog import Catalog
from controlplane.values.override import Override
from controlplane.values.plan import Action, Plan, Planned
from controlplane.values.policy import RULES, PeriodSpend, PolicyDecision, RoleFacts

#: the events that change whether a role runs; the latest one says how a role came to be stopped
TRANSITIONS = frozenset({"create", "start", "stop", "update", "replace", "delete"})


@dataclass(frozen=True)
class Observed:
    """The world as a refresh finds it: the remote roles, what the last apply left, the catalog."""

    actual: Mapping[str, RemoteRole]
    applied: Mapping[str, AppliedRole]
    catalog: Catalog


def observe(manifest: Manifest, provider: Provider, store: Store) -> Observed:
    applied = store.applied(manifest.project)
    catalog = provider.catalog(role.model for role in manifest.models.values())
    actual = provider.refresh(manifest.models, catalog, known=applied)
    return Observed(actual=actual, applied=applied, catalog=catalog)


def prepare(
    project: Project, *, saved: Plan | None = None, destroy: bool = False, target: Collection[str] | None = None
) -> Planned:
    """The plan to execute and the catalog to execute it with; `plan` and `status` show the same one.

    A fresh plan from the manifest (every role deleted for `destroy`), or the `saved` one if the
    world is still what it was made against: a saved plan whose world changed is refused. The
    overrides of `models deploy|undeploy` that have not expired count as if the manifest said
    so; `target` (role names) leaves every other role as it is (Terraform's `-target`).
    """
    if saved is not None:
        return _still_valid(project, saved)
    at = clock.now()
    overrides = {} if destroy else active_overrides(project.store, project.manifest.project, at)
    project = replace(project, manifest=with_overrides(project.manifest, overrides))
    manifest = project.manifest
    seen = observe(manifest, project.provider, project.store)
    spent = None if destroy else spend(project.store, manifest, at)
    decisions = None if spent is None else _overridden(policy_decisions(project, seen, at, spent=spent), overrides)
    made = make_plan(manifest, seen.actual, seen.applied, seen.catalog, now=at, decisions=decisions, destroy=destroy)
    if overrides:
        made = made.model_copy(update={"overrides": tuple(overrides.values())})
    if target is not None:
        made = targeted(made, target)
    return Planned(plan=made, catalog=seen.catalog, spent=spent)


def active_overrides(store: Store, project: str, now: datetime) -> dict[str, Override]:
    return {role: o for role, o in store.overrides(project).items() if o.active(now)}


def with_overrides(manifest: Manifest, overrides: Mapping[str, Override]) -> Manifest:
    """The manifest as the overrides make it: a deployed role enabled, an undeployed one not."""
    models = dict(manifest.models)
    changed = False
    for role, override in overrides.items():
        if role in models and models[role].enabled != override.run:
            models[role] = models[role].model_copy(update={"enabled": override.run})
            changed = True
    return manifest.model_copy(update={"models": models}) if changed else manifest


def _overridden(decisions: dict[str, PolicyDecision], overrides: Mapping[str, Override]) -> dict[str, PolicyDecision]:
    """An undeploy stops the role; a deploy runs it through idleness, windows and `enabled: false`,
    but not through a spent budget or the hourly cap: those guard money."""
    for role, override in overrides.items():
        decision = decisions.get(role)
        if decision is None:
            continue
        if not override.run:
            decisions[role] = PolicyDecision(role=role, run=False, rule="override", reason=override.describe())
        elif (not decision.run and decision.rule not in ("budget", "max_cost")) or (
            decision.run and not decision.reason
        ):
            decisions[role] = PolicyDecision(role=role, run=True, rule="override", reason=override.describe())
    return decisions


def targeted(plan: Plan, roles: Collection[str]) -> Plan:
    """The plan with every role outside `roles` left as it is (a no-op saying so)."""
    from controlplane.errors import PlanError
    from controlplane.manifest.schema import normalize_role

    wanted = {normalize_role(r) for r in roles}
    unknown = wanted - {a.role for a in plan.actions}
    if unknown:
        raise PlanError(
            f"--target {', '.join(sorted(unknown))}: no such role in the plan",
            hint="roles: " + ", ".join(a.role for a in plan.actions),
        )

    def keep(action: Action) -> Action:
        if action.role in wanted or action.kind == "noop":
            return action
        return action.model_copy(
            update={
                "kind": "noop",
                "reason": f"not targeted (would {action.kind}: {action.reason})",
                "changes": (),
                "desired": action.actual.live.spec if action.actual and action.actual.live else None,
                "cost_after": action.cost_before,
                "policy": None,
            }
        )

    actions = tuple(keep(a) for a in plan.actions)
    return plan.model_copy(
        update={
            "actions": actions,
            "cost_after": sum((a.cost_after for a in actions), type(plan.cost_after)()),
            "target": tuple(sorted(wanted)),
        }
    )


def _still_valid(project: Project, saved: Plan) -> Planned:
    catalog = project.provider.catalog(a.desired.model for a in saved.actions if a.desired)
    known = project.store.applied(project.manifest.project)
    world = fingerprint(project.provider.refresh([a.role for a in saved.actions], catalog, known=known))
    if world != saved.fingerprint:
        raise StalePlan(
            "the saved plan is stale: the deployments changed since it was made "
            f"(plan {saved.fingerprint}, now {world})",
            hint="run `reasoning plan --out FILE` again and review the new plan",
        )
    return Planned(plan=saved, catalog=catalog)


def policy_decisions(
    project: Project, seen: Observed, now: datetime, *, spent: Spend | None = None
) -> dict[str, PolicyDecision]:
    """The policy's decision per role at `now`, from what the store and the refreshed world say
    (`spent`: the spend at `now`, when the caller has read it already).

    Running means the last apply left the role enabled (what the runtime reads too); burn is
    what the refreshed deployments are billed now (the ledger's rule: replicas x catalog price).
    """
    manifest, store = project.manifest, project.store
    spent = spent if spent is not None else spend(store, manifest, now)
    last_requests = store.last_requests(manifest.project)
    last: dict[str, Event] = {}
    for event in store.events(manifest.project, kinds=TRANSITIONS):
        if event.role is not None:
            last[event.role] = event
    facts = {}
    for name, role in manifest.models.items():
        applied = seen.applied.get(name)
        running = applied is not None and applied.enabled and not applied.spec.stopped
        stop = last.get(name)
        stopped = stop is not None and stop.kind == "stop" and not running
        rule = stop.detail.get("policy") if stop is not None and stopped else None
        remote = seen.actual.get(name)
        own = spent.roles[name].budget if name in spent.roles else None
        facts[name] = RoleFacts(
            running=running,
            running_since=applied.applied_at if applied is not None and running else None,
            stopped_at=_planned_at(stop) if stop is not None and stopped else None,
            stopped_by=rule if rule in RULES else None,
            last_request=last_requests.get(name),
            spent=PeriodSpend(usd=own.usd, start=own.start, end=own.end) if own is not None else None,
            burn_usd_per_hour=sum(
                ledger.billed_replicas(d) * seen.catalog.price(d.spec.hardware)
                for d in (remote.deployments if remote is not None else ())
            ),
            start_usd_per_hour=role.replicas.min * seen.catalog.price(role.hardware),
        )
    total = PeriodSpend(usd=spent.usd, start=spent.start, end=spent.end)
    return evaluate(manifest, now, facts, spent=total)


def _planned_at(event: Event) -> datetime:
    """When the change an event records was decided (older events: when it was recorded)."""
    planned = event.detail.get("planned_at")
    return datetime.fromisoformat(planned) if isinstance(planned, str) else event.at


def save_plan(plan: Plan, path: Path) -> None:
    """Write a plan for `reasoning apply PLANFILE` (or `api.apply(plan_file=...)`) to apply exactly."""
    path.write_text(plan.model_dump_json(indent=2) + "\n", encoding="utf-8")


def read_plan(path: Path, project: str) -> Plan:
    """A plan `save_plan` wrote, for `project`, in the format this version reads."""
    try:
        saved = Plan.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise PlanError(f"{path}: no such plan file") from None
    except ValidationError as error:
        raise PlanError(f"{path}: not a plan saved by `reasoning plan --out` ({error.errors()[0]['msg']})") from None
    if saved.format_version != FORMAT_VERSION:
        raise PlanError(f"{path}: plan format {saved.format_version}, this reasoning reads {FORMAT_VERSION}")
    if saved.project != project:
        raise PlanError(f"{path}: the plan is for project {saved.project}, the manifest is for {project}")
    return saved
