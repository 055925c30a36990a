"""Desired (manifest) vs actual (refresh) -> a `Plan`: pure, no clock, no I/O.

A plan is a value (`controlplane.values.plan`): per role one `Action` (create, update in place,
replace, start, stop, delete or no-op) with its reason, the field changes, and the cost per hour
before and after. `apply` executes exactly this value and never re-plans, which is what makes
`plan` its dry run and lets a saved plan be applied later, or refused when its `fingerprint` no
longer matches the world.

Which fields change in place is a declared whitelist (`IN_PLACE`); any other difference forces a
replacement, and the plan names the field that forced it.

The policy's decisions (`controlplane.policy`, made by the caller for the same `now`) say which
roles run: a role the policy stops is planned as a stop carrying the policy's reason, a role it
lets start again as a start carrying why, and a role it holds stopped stays a no-op however the
manifest reads. A plan that would raise the cost while the manifest's worst case is over
`max_cost_per_hour_usd` is refused; one that only stops or shrinks never is, so reconcile can
always bring the cost down.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from controlplane.errors import CostLimitExceeded, ModelNotAvailable, UnknownHardware
from controlplane.manifest import Manifest
from controlplane.values import AppliedRole, RemoteDeployment, RemoteRole, Spec
from controlplane.values.catalog import Catalog, Profile
from controlplane.values.plan import Action, CostRange, FieldChange, Plan
from controlplane.values.policy import PolicyDecision

#: Fields Together can change on a running deployment; anything else means a new deployment.
IN_PLACE = frozenset({"replicas.min", "replicas.max"})
#: The order fields are shown and checked in.
FIELDS = ("model", "hardware", "replicas.min", "replicas.max")
NOT_RUNNING = frozenset({"STOPPED", "STOPPING", "FAILED"})


def fingerprint(actual: Mapping[str, RemoteRole]) -> str:
    """What a saved plan assumed about the world: endpoints, their etags and deployment specs.

    Deployment *states* are left out on purpose: PROVISIONING turning READY is not a change a
    plan made against it should be refused for.
    """
    world = [
        [
            role.role,
            role.endpoint_id,
            role.etag,
            sorted(role.traffic.items()),
            [[d.id, d.spec.model_dump()] for d in role.deployments],
        ]
        for role in sorted(actual.values(), key=lambda r: r.role)
    ]
    return hashlib.sha256(json.dumps(world, sort_keys=True).encode()).hexdigest()[:16]


def desired_specs(manifest: Manifest, catalog: Catalog) -> dict[str, Spec]:
    """Each role's spec, with hardware canonicalised; unusable hardware or models are errors."""
    return {name: spec for name, (spec, _) in _resolved(manifest, catalog).items()}


def _resolved(manifest: Manifest, catalog: Catalog) -> dict[str, tuple[Spec, Profile | None]]:
    """Each role's spec, and for a public base model the deployment profile it runs."""
    specs: dict[str, tuple[Spec, Profile | None]] = {}
    for name, role in manifest.models.items():
        hardware = catalog.find_hardware(role.hardware)
        if hardware is None:
            close = catalog.suggest_hardware(role.hardware)
            raise UnknownHardware(
                f"{manifest.where('models', name, 'hardware')}: models.{name}.hardware: unknown hardware "
                f"'{role.hardware}'" + (f" (did you mean '{close}'?)" if close else ""),
                hint="available: " + ", ".join(sorted(catalog.hardware)),
            )
        if role.model in catalog.public:
            profile = _profile(manifest, name, catalog.public[role.model], hardware.id)
            spec = Spec(model=profile.model, hardware=hardware.id, min_replicas=role.replicas.min,
                        max_replicas=role.replicas.max)  # fmt: skip
            specs[name] = (spec, profile)
            continue
        if role.quantization is not None or role.profile is not None:
            field = "quantization" if role.quantization is not None else "profile"
            raise ModelNotAvailable(
                f"{manifest.where('models', name, field)}: models.{name}.{field}: '{role.model}' is not a public "
                "base model, and only those have deployment profiles",
                hint=f"remove models.{name}.{field}, or name a model of Together's supported-models catalog",
            )
        if catalog.models and role.model not in catalog.models:
            raise ModelNotAvailable(
                f"{manifest.where('models', name, 'model')}: models.{name}.model: "
                f"'{role.model}' is not a model of this Together project, nor a public model Together hosts",
                hint="upload or fine-tune it first, or name one of Together's supported models; known models: "
                + ", ".join(sorted(catalog.models)[:8]),
            )
        fits = catalog.configs.get(role.model)
        if fits is not None and hardware.id not in fits:
            raise ModelNotAvailable(
                f"{manifest.where('models', name, 'hardware')}: models.{name}.hardware: "
                f"{hardware.id} cannot serve {role.model}",
                hint="it fits on: " + (", ".join(sorted(fits)) or "nothing in the catalog"),
            )
        specs[name] = (
            Spec(model=role.model, hardware=hardware.id, min_replicas=role.replicas.min,
                 max_replicas=role.replicas.max),
            None,
        )  # fmt: skip
    return specs


def _profile(manifest: Manifest, role: str, profiles: tuple[Profile, ...], hardware: str) -> Profile:
    """The one deployment profile of a public model that the role's hardware, quantization and
    profile choose; none or several is an error that lists the choices."""
    wanted = manifest.models[role]
    fits = [
        p
        for p in profiles
        if p.hardware == hardware
        and (wanted.quantization is None or p.quantization.lower() == wanted.quantization.lower())
        and (wanted.profile is None or p.id == wanted.profile)
    ]
    choices = "; ".join(f"{p.id} ({p.quantization or 'default'} on {p.hardware})" for p in profiles)
    field = "profile" if wanted.profile is not None else "quantization" if wanted.quantization else "hardware"
    if not fits:
        raise ModelNotAvailable(
            f"{manifest.where('models', role, field)}: models.{role}: no deployment profile of {wanted.model} "
            f"runs on {hardware}"
            + (f" at {wanted.quantization}" if wanted.quantization else "")
            + (f" as {wanted.profile}" if wanted.profile else ""),
            hint="its profiles: " + (choices or "none"),
        )
    if len({(p.model, p.id) for p in fits}) > 1:
        raise ModelNotAvailable(
            f"{manifest.where('models', role, 'model')}: models.{role}: {wanted.model} has "
            f"{len(fits)} deployment profiles on {hardware}; say which with quantization or profile",
            hint="its profiles there: " + "; ".join(f"{p.id} ({p.quantization or 'default'})" for p in fits),
        )
    return fits[0]


def make_plan(
    manifest: Manifest,
    actual: Mapping[str, RemoteRole],
    applied: Mapping[str, AppliedRole],
    catalog: Catalog,
    *,
    now: datetime,
    decisions: Mapping[str, PolicyDecision] | None = None,
    destroy: bool = False,
) -> Plan:
    """The plan that takes `actual` to what `manifest` declares, as the policy allows.

    `decisions` are the policy's, per role (none: every role the manifest enables runs);
    `destroy` wants no role at all, so every endpoint that exists is deleted.
    """
    resolved = _resolved(manifest, catalog)
    specs = {name: spec for name, (spec, _) in resolved.items()}
    declared = {} if destroy else {n: r.enabled for n, r in manifest.models.items()}
    decisions = {} if destroy else dict(decisions or {})
    enabled = {n: on and (decisions[n].run if n in decisions else True) for n, on in declared.items()}
    actions = []
    # A record of a role that is neither declared nor in the world is forgotten (a delete of nothing).
    forgotten = {r for r in applied if r not in enabled and r not in actual}
    for role in sorted(set(enabled) | set(actual) | forgotten):
        spec = specs.get(role) if role in enabled else None
        candidate = manifest.models[role].candidate if role in manifest.models else None
        shadowed = candidate is not None and manifest.models[role].shadow is not None
        action = _action(
            role,
            spec,
            enabled.get(role, False),
            actual.get(role),
            applied.get(role),
            decisions.get(role),
            candidate,
            shadowed=shadowed,
        )
        if destroy and action.kind == "delete":
            action = action.model_copy(update={"reason": "destroy: every endpoint of the project goes"})
        profile = resolved[role][1] if role in resolved else None
        if profile is not None and spec is not None and action.kind in ("create", "replace"):
            price = catalog.price(spec.hardware)
            picked = f"profile {profile.id}: {profile.quantization or 'default'} on {spec.hardware} at ${price:,.2f}/h"
            action = action.model_copy(update={"reason": f"{action.reason}; {picked} per replica"})
        actions.append(
            action.model_copy(
                update={
                    "cost_before": _running_cost(actual.get(role), catalog),
                    "cost_after": _cost(spec, catalog) if enabled.get(role) else CostRange(),
                }
            )
        )
    plan = Plan(
        project=manifest.project,
        created_at=now,
        actions=tuple(actions),
        cost_before=sum((a.cost_before for a in actions), CostRange()),
        cost_after=sum((a.cost_after for a in actions), CostRange()),
        max_cost_per_hour_usd=manifest.budget.max_cost_per_hour_usd,
        fingerprint=fingerprint(actual),
    )
    worst = {role: _cost(specs[role], catalog).high for role, on in sorted(declared.items()) if on and role in specs}
    _check_cost(plan, manifest, worst)
    return plan


def _action(
    role: str,
    spec: Spec | None,
    enabled: bool,
    actual: RemoteRole | None,
    applied: AppliedRole | None,
    decision: PolicyDecision | None = None,
    candidate: str | None = None,
    *,
    shadowed: bool = False,
) -> Action:
    live = actual.live if actual else None
    drift = _drift(applied, live.spec if live else None)
    base: dict[str, Any] = {"role": role, "desired": spec, "actual": actual, "drift": drift}
    if actual is not None and actual.rollout is not None:
        # Together owns the endpoint's split and replicas while a rollout runs: never fight it.
        return Action(
            kind="noop",
            reason=f"rollout {actual.rollout} in progress on {actual.endpoint_name}; nothing changes until it ends",
            **base,
        )
    if candidate and spec is not None and live is not None and live.spec.model == candidate != spec.model:
        # the candidate's canary completed (Together promoted it by itself): never replace it back
        return Action(
            kind="noop",
            reason=f"the candidate {candidate} serves (its rollout completed); `reasoning rollout promote {role}` "
            "writes it into reasoning.yaml as the model",
            **base,
        )
    if spec is None and actual is None:  # listed because only the store remembers it
        disagree = "the store records the role, which is neither in reasoning.yaml nor in the world"
        return Action(kind="delete", reason=f"{disagree}; forgetting it", out_of_step=disagree, **base)
    if spec is None:  # not desired at all, so it is listed because it exists
        return Action(kind="delete", reason="role removed from reasoning.yaml", **base)
    # a stop the policy decided (enabled: false keeps the plan's own words)
    hold = decision if decision is not None and not decision.run and decision.rule != "manifest" else None
    if hold is not None:
        base["policy"] = hold.rule
    if not enabled:
        if actual is None or all(d.spec.stopped for d in actual.deployments):
            if actual is not None and applied is not None and applied.enabled:
                disagree = f"the store records {actual.endpoint_name} as running, but it is stopped"
                reason = f"{disagree}; recording it stopped" + (f" (held by policy: {hold.reason})" if hold else "")
                return Action(kind="stop", reason=reason, out_of_step=disagree, **base)
            if hold is not None:
                where = "not deployed" if actual is None else "stopped"
                return Action(kind="noop", reason=f"{where}; held by policy: {hold.reason}", **base)
            return Action(kind="noop", reason="disabled (enabled: false); nothing running", **base)
        if hold is not None:
            return Action(kind="stop", reason=hold.reason, **base)
        return Action(kind="stop", reason="enabled: false; scale to 0, costs nothing", **base)
    if actual is None or live is None:
        reason = "endpoint exists without a deployment; adopting it" if actual else "not deployed yet"
        return Action(kind="create", reason=reason, changes=_changes(None, spec), **base)
    changes = _changes(live.spec if not live.spec.stopped else _unstopped(live.spec, spec), spec)
    forced = next((c.field for c in changes if c.field not in IN_PLACE), None)
    if live.state == "FAILED":
        return Action(
            kind="replace",
            reason=f"deployment {live.name} FAILED: {live.message or 'no message'}",
            changes=changes,
            forced_by="status",
            **base,
        )
    if forced:
        change = next(c for c in changes if c.field == forced)
        return Action(kind="replace", reason=f"{change} forces replacement", changes=changes, forced_by=forced, **base)
    # the candidate's deployment in shadow (beside the live one, out of the split) stays while declared
    keep = _shadow_deployments(actual, live.id, candidate) if shadowed else ()
    if keep:
        base["keep"] = keep
    cleanup = _cleanup(actual, live.id, keep)
    if live.spec.stopped:
        reason = "stopped; enabled in reasoning.yaml"
        if decision is not None and decision.reason:  # a policy rule had stopped it: say why it may run
            reason, base["policy"] = decision.reason, decision.rule
        reason += " (" + _describe(drift, out_of_band=True) + ")" if drift else ""
        scaled = tuple(c for c in _changes(live.spec, spec) if c.field in IN_PLACE)  # 0/0 -> min/max
        return Action(kind="start", reason=reason, changes=scaled, **base)
    if changes or cleanup:
        return Action(kind="update", reason=_update_reason(changes, drift, cleanup), changes=changes, **base)
    repair = _out_of_step(applied, actual, live)
    if repair is not None:
        # The world is the truth: what runs and takes the traffic is what the store records.
        return Action(kind="update", reason=f"{repair}; recording what runs", out_of_step=repair, **base)
    return Action(kind="noop", reason="up to date", **base)


def _out_of_step(applied: AppliedRole | None, actual: RemoteRole, live: RemoteDeployment) -> str | None:
    """How the store's record of a role that runs as wanted differs from the world, if it does:
    a lost answer, a crash between two steps, or a new store leave the role running (and billed)
    while the runtime, which reads the record, would not serve it."""
    if applied is None:
        return f"the store has no record of {actual.endpoint_name}, which runs {live.name}"
    if applied.endpoint_id != actual.endpoint_id or applied.deployment_id != live.id:
        return (
            f"the store records deployment {applied.deployment_id or 'none'}, the world serves {live.name} ({live.id})"
        )
    if not applied.enabled:
        return f"the store records {actual.endpoint_name} as stopped, but {live.name} runs"
    if applied.spec != live.spec:
        return (
            "the store's record differs from what runs ("
            + ", ".join(str(c) for c in _changes(applied.spec, live.spec))
            + ")"
        )
    return None


def _unstopped(actual: Spec, desired: Spec) -> Spec:
    """A stopped deployment's replica counts are 0/0 by construction; compare its identity only."""
    return actual.model_copy(update={"min_replicas": desired.min_replicas, "max_replicas": desired.max_replicas})


def _flat(spec: Spec | None) -> dict[str, Any]:
    if spec is None:
        return {}
    return {
        "model": spec.model,
        "hardware": spec.hardware,
        "replicas.min": spec.min_replicas,
        "replicas.max": spec.max_replicas,
    }


def _changes(before: Spec | None, after: Spec | None) -> tuple[FieldChange, ...]:
    """The fields that differ, in `FIELDS` order; every field when one side is missing."""
    old, new = _flat(before), _flat(after)
    if not old or not new:
        return tuple(FieldChange(field=f, before=old.get(f), after=new.get(f)) for f in FIELDS)
    return tuple(FieldChange(field=f, before=old[f], after=new[f]) for f in FIELDS if old[f] != new[f])


def _drift(applied: AppliedRole | None, actual: Spec | None) -> tuple[FieldChange, ...]:
    """How the live deployment differs from what the last apply left (before = applied)."""
    if applied is None or actual is None:
        return ()
    if not applied.enabled or actual.stopped:
        if applied.enabled == (not actual.stopped):
            return ()
        states = ("stopped", "running") if not applied.enabled else ("running", "stopped")
        return (FieldChange(field="state", before=states[0], after=states[1]),)
    return _changes(applied.spec, actual)


def _describe(changes: tuple[FieldChange, ...], *, out_of_band: bool = False) -> str:
    text = ", ".join(str(c) for c in changes)
    return f"drift: {text} changed out of band" if out_of_band else text


def _shadow_deployments(actual: RemoteRole, live_id: str, candidate: str | None) -> tuple[str, ...]:
    """The candidate's running deployments beside the live one: what `rollout shadow` deployed."""
    return tuple(
        d.id for d in actual.others if d.spec.model == candidate and not d.spec.stopped and d.state != "FAILED"
    )


def _cleanup(actual: RemoteRole, live_id: str, keep: tuple[str, ...] = ()) -> list[str]:
    steps = [f"remove leftover deployment {d.name}" for d in actual.others if d.id not in keep]
    if actual.traffic != {live_id: 100.0} and actual.traffic != {live_id: 100}:
        steps.append("route all traffic to the live deployment")
    return steps


def _update_reason(changes: tuple[FieldChange, ...], drift: tuple[FieldChange, ...], cleanup: list[str]) -> str:
    parts = []
    drifted = {c.field for c in drift}
    if changes and drifted >= {c.field for c in changes}:
        parts.append(f"{_describe(drift, out_of_band=True)}; restoring")
    elif changes:
        parts.append(_describe(changes))
    return "; ".join(parts + cleanup)


def _cost(spec: Spec | None, catalog: Catalog) -> CostRange:
    if spec is None or spec.stopped:
        return CostRange()
    price = catalog.price(spec.hardware)
    return CostRange(low=round(price * spec.min_replicas, 4), high=round(price * spec.max_replicas, 4))


def _running_cost(actual: RemoteRole | None, catalog: Catalog) -> CostRange:
    if actual is None:
        return CostRange()
    return sum((_cost(d.spec, catalog) for d in actual.deployments if d.state not in NOT_RUNNING), CostRange())


def _check_cost(plan: Plan, manifest: Manifest, worst: Mapping[str, float]) -> None:
    """Refuse to raise the cost while the manifest's worst case (every enabled role at max
    replicas, whatever the policy holds stopped now) is over the limit; lowering it is always
    allowed."""
    limit = manifest.budget.max_cost_per_hour_usd
    total = round(sum(worst.values()), 4)
    if limit is None or total <= limit + 1e-9:
        return
    if not any(a.cost_after.high > a.cost_before.high + 1e-9 for a in plan.actions):
        return
    roles = ", ".join(f"{role} {cost:,.2f}" for role, cost in worst.items() if cost > 0)
    raise CostLimitExceeded(
        f"{manifest.where('budget', 'max_cost_per_hour_usd')}: this plan could cost "
        f"${total:,.2f}/h at max replicas ({roles}), over "
        f"budget.max_cost_per_hour_usd ${limit:,.2f}/h",
        hint="lower replicas.max, pick cheaper hardware, disable a role, or raise the limit",
    )
