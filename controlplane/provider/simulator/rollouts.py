"""v2 rollouts: moving an endpoint's traffic from one deployment to another, in simulated time.

    POST   …/endpoints/{ep}/rollouts                 create: PENDING, no traffic moved yet
    POST   …/rollouts/{id}/start                     RUNNING: step 0's share goes to the target
    GET    …/rollouts, …/rollouts/{id}
    POST   …/rollouts/{id}/pause | resume | promote | cancel
    DELETE …/rollouts/{id}                           terminal rollouts only

What each call does and refuses follows SDK 3.1.1 (`resources/endpoints/rollouts.py` docstrings,
`types/endpoints/rollout*.py`, the CLI's `lib/cli/api/endpoints/rollout.py`) as summarised in
shared/reference/together-fidelity.md §1.3 and §4(c): source ≠ target, both on the endpoint,
the source in the split with weight > 0, one active rollout per endpoint (`activeRolloutId`),
canary steps strictly increasing and ending at 100 (default 5, 25, 50, 100), metrics for canary
only, `router_latency` needs a `stat`, cancel needs a reason and REVERT is refused
(`failed_precondition`), delete only once terminal, a target with an inactivity timeout cannot
take part. Each step sets the split so that the target's *served* share (weight × ready replicas)
is the step's traffic; after the last step the rollout stabilises for one step interval and
completes: all traffic to the target, the source scaled to `finalSourceReplicas` (default 0,
"which drains and stops the source") and dropped from the split. With the
`rollout_metric_breach` setting, a canary with metric gates goes SYSTEM_PAUSED with a
METRIC_REGRESSION condition when its next step would start.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from controlplane.provider.simulator.protocol import ApiError, Call, SimResponse, bad_request, json_response, not_found
from controlplane.provider.simulator.world import (
    EndpointRecord,
    RolloutRecord,
    RolloutStep,
    TrafficEntry,
    World,
    _digest,
)

ACTIVE = frozenset(
    {
        "ROLLOUT_STATE_PENDING",
        "ROLLOUT_STATE_RUNNING",
        "ROLLOUT_STATE_PAUSING",
        "ROLLOUT_STATE_PAUSED",
        "ROLLOUT_STATE_SYSTEM_PAUSED",
        "ROLLOUT_STATE_STABILIZING",
        "ROLLOUT_STATE_CANCELLING",
    }
)
DEFAULT_LADDER = (5, 25, 50, 100)
DEFAULT_STEP_SECONDS = 180.0  # "stepInterval: default 3m"
TRANSITION_SECONDS = 1.0  # PAUSING → PAUSED, CANCELLING → CANCELED
METRIC_NAMES = ("inflight_requests", "router_error_rate", "router_latency")


def _failed_precondition(message: str) -> ApiError:
    return bad_request(message, code="failed_precondition")


def _seconds(text: Any, param: str) -> float:
    value = str(text)
    if not value.endswith("s"):
        raise bad_request(f"{param}: a duration in seconds such as '600s'", param=param)
    try:
        return float(value[:-1])
    except ValueError:
        raise bad_request(f"{param}: a duration in seconds such as '600s'", param=param) from None


def create_rollout(world: World, call: Call) -> SimResponse:
    endpoint = _endpoint(world, call)
    body = call.json()
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    source, target = body.get("sourceDeploymentId"), body.get("targetDeploymentId")
    for name, value in (("sourceDeploymentId", source), ("targetDeploymentId", target)):
        if not value:
            raise bad_request(f"{name}: required", param=name)
        if value not in {d.id for d in world.deployments_of(endpoint)}:
            raise bad_request(f"{name}: {value!r} is not a deployment of this endpoint", param=name)
    if source == target:
        raise bad_request("sourceDeploymentId and targetDeploymentId must differ", param="targetDeploymentId")
    strategies = [key for key in ("canary", "blueGreen", "rolling") if key in body]
    if len(strategies) != 1:
        raise bad_request("exactly one of canary, blueGreen and rolling is required", param="canary")
    if strategies == ["rolling"]:
        raise bad_request("rolling: not simulated; use canary or blueGreen", param="rolling")
    if endpoint.active_rollout_id is not None:
        raise _failed_precondition(
            f"endpoint {endpoint.name} already has an active rollout {endpoint.active_rollout_id}"
        )
    if not any(t.deployment_id == source and t.weight > 0 for t in endpoint.traffic_split):
        raise _failed_precondition("the source deployment must be in the traffic split with a weight above 0")
    if world.deployments[str(target)].inactive_timeout > 0:
        raise _failed_precondition("a deployment with an inactivity timeout cannot take part in a rollout")
    metrics = body.get("metrics") or []
    if metrics and strategies != ["canary"]:
        raise bad_request("metrics: canary rollouts only", param="metrics")
    for index, rule in enumerate(metrics):
        if not isinstance(rule, dict) or rule.get("name") not in METRIC_NAMES:
            raise bad_request(f"metrics.{index}.name: one of {', '.join(METRIC_NAMES)}", param=f"metrics.{index}.name")
        if rule["name"] == "router_latency" and not rule.get("stat"):
            raise bad_request(f"metrics.{index}.stat: required for router_latency", param=f"metrics.{index}.stat")
        if ("thresholdCheck" in rule) == ("regressionCheck" in rule):
            raise bad_request(
                f"metrics.{index}: exactly one of thresholdCheck and regressionCheck", param=f"metrics.{index}"
            )
    if strategies == ["canary"]:
        canary = body["canary"] or {}
        traffic = [int(step.get("traffic", 0)) for step in canary.get("steps") or []] or list(DEFAULT_LADDER)
        if any(b <= a for a, b in itertools.pairwise(traffic)) or traffic[-1] != 100 or traffic[0] < 1:
            raise bad_request("canary.steps: traffic must increase strictly and end at 100", param="canary.steps")
        interval = (
            _seconds(canary["stepInterval"], "canary.stepInterval")
            if canary.get("stepInterval")
            else DEFAULT_STEP_SECONDS
        )
        strategy = "ROLLOUT_STRATEGY_TYPE_CANARY"
    else:
        traffic, interval, strategy = [100], DEFAULT_STEP_SECONDS, "ROLLOUT_STRATEGY_TYPE_BLUE_GREEN"
    final_target = body.get("finalTargetReplicas")
    if final_target is not None and int(final_target) < 1:
        raise bad_request("finalTargetReplicas: at least 1", param="finalTargetReplicas")
    world.sequence += 1
    rollout_id = f"rol_{_digest('rollout', str(world.sequence))[:16]}"
    rollout = RolloutRecord(
        id=rollout_id,
        seq=world.sequence,
        endpoint_id=endpoint.id,
        source_deployment_id=str(source),
        target_deployment_id=str(target),
        strategy=strategy,
        steps=[RolloutStep(traffic=t) for t in traffic],
        step_seconds=interval,
        metrics=metrics,
        final_source_replicas=int(body.get("finalSourceReplicas") or 0),
        final_target_replicas=None if final_target is None else int(final_target),
        created_at=call.now,
        etag=world.new_etag(rollout_id),
    )
    world.rollouts[rollout_id] = rollout
    endpoint.active_rollout_id = rollout_id
    endpoint.etag, endpoint.updated_at = world.new_etag(endpoint.id), call.now
    return json_response(200, _view(world, rollout, call.now))


def list_rollouts(world: World, call: Call) -> SimResponse:
    endpoint = _endpoint(world, call)
    wanted = call.query.get("filter")
    found = sorted((r for r in world.rollouts.values() if r.endpoint_id == endpoint.id), key=lambda r: r.seq)
    if wanted == "ROLLOUT_FILTER_ACTIVE":
        found = [r for r in found if r.state in ACTIVE]
    elif wanted == "ROLLOUT_FILTER_TERMINAL":
        found = [r for r in found if r.state not in ACTIVE]
    return json_response(
        200, {"object": "list", "data": [_view(world, r, call.now) for r in found], "next_cursor": None}
    )


def get_rollout(world: World, call: Call) -> SimResponse:
    return json_response(200, _view(world, _rollout(world, call), call.now))


def start_rollout(world: World, call: Call) -> SimResponse:
    rollout = _rollout(world, call)
    if rollout.state != "ROLLOUT_STATE_PENDING":
        raise _failed_precondition(f"rollout {rollout.id} is {rollout.state}: only a pending rollout starts")
    rollout.state, rollout.started_at = "ROLLOUT_STATE_RUNNING", call.now
    _enter_step(world, rollout, 0, call.now)
    return _changed(world, rollout, call)


def pause_rollout(world: World, call: Call) -> SimResponse:
    rollout = _rollout(world, call)
    _check_etag(rollout, call)
    if rollout.state != "ROLLOUT_STATE_RUNNING":
        raise _failed_precondition(f"rollout {rollout.id} is {rollout.state}: only a running rollout pauses")
    body = call.json() if call.body else {}
    rollout.state, rollout.settle_at = "ROLLOUT_STATE_PAUSING", call.now + timedelta(seconds=TRANSITION_SECONDS)
    rollout.pause_reason = str(body.get("reason") or "paused by operator")
    return _changed(world, rollout, call)


def resume_rollout(world: World, call: Call) -> SimResponse:
    rollout = _rollout(world, call)
    _check_etag(rollout, call)
    if rollout.state not in ("ROLLOUT_STATE_PAUSING", "ROLLOUT_STATE_PAUSED", "ROLLOUT_STATE_SYSTEM_PAUSED"):
        raise _failed_precondition(f"rollout {rollout.id} is {rollout.state}: nothing to resume")
    rollout.state, rollout.step_started_at, rollout.condition = "ROLLOUT_STATE_RUNNING", call.now, None
    rollout.pause_reason = None
    return _changed(world, rollout, call)


def promote_rollout(world: World, call: Call) -> SimResponse:
    rollout = _rollout(world, call)
    _check_etag(rollout, call)
    allowed = (
        "ROLLOUT_STATE_RUNNING",
        "ROLLOUT_STATE_PAUSING",
        "ROLLOUT_STATE_PAUSED",
        "ROLLOUT_STATE_SYSTEM_PAUSED",
        "ROLLOUT_STATE_STABILIZING",
    )
    if rollout.state not in allowed:
        raise _failed_precondition(f"rollout {rollout.id} is {rollout.state}: only running or paused ones promote")
    _complete(world, rollout, call.now)
    return _changed(world, rollout, call)


def cancel_rollout(world: World, call: Call) -> SimResponse:
    rollout = _rollout(world, call)
    body = call.json() if call.body else {}
    _check_etag(rollout, call)
    if not body.get("reason"):
        raise bad_request("reason: required", param="reason")
    disposition = body.get("disposition", "CANCEL_DISPOSITION_FREEZE")
    if disposition != "CANCEL_DISPOSITION_FREEZE":
        raise _failed_precondition(f"disposition {disposition}: only CANCEL_DISPOSITION_FREEZE is supported")
    allowed = ACTIVE - {"ROLLOUT_STATE_PENDING", "ROLLOUT_STATE_CANCELLING"}
    if rollout.state not in allowed:
        raise _failed_precondition(f"rollout {rollout.id} is {rollout.state}: it cannot be cancelled")
    rollout.state, rollout.settle_at = "ROLLOUT_STATE_CANCELLING", call.now + timedelta(seconds=TRANSITION_SECONDS)
    rollout.condition = {
        "category": "ROLLOUT_FAILURE_CATEGORY_ABORTED_BY_OPERATOR",
        "message": str(body["reason"]),
        "observedAt": call.now.isoformat(),
    }
    return _changed(world, rollout, call)


def delete_rollout(world: World, call: Call) -> SimResponse:
    rollout = _rollout(world, call)
    if rollout.state in ACTIVE:
        raise _failed_precondition(f"rollout {rollout.id} is {rollout.state}: only completed or canceled ones go")
    del world.rollouts[rollout.id]
    return json_response(200, {"id": rollout.id, "deleted": True})


# -- the state machine -------------------------------------------------------------------------


def settle(world: World, now: datetime) -> None:
    """Move every active rollout to where it is at `now`, changing splits and replicas on the way."""
    for rollout in sorted(world.rollouts.values(), key=lambda r: r.seq):
        while rollout.state in ACTIVE and _advance(world, rollout, now):
            pass


def _advance(world: World, rollout: RolloutRecord, now: datetime) -> bool:
    """One transition due by `now`; False when nothing more is due."""
    state = rollout.state
    if state in ("ROLLOUT_STATE_PAUSING", "ROLLOUT_STATE_CANCELLING"):
        assert rollout.settle_at is not None
        if now < rollout.settle_at:
            return False
        rollout.state = "ROLLOUT_STATE_PAUSED" if state == "ROLLOUT_STATE_PAUSING" else "ROLLOUT_STATE_CANCELED"
        if rollout.state == "ROLLOUT_STATE_CANCELED":
            rollout.completed_at = rollout.settle_at
            _release(world, rollout, rollout.settle_at)  # the split stays frozen where it was
        return True
    if state == "ROLLOUT_STATE_STABILIZING":
        assert rollout.stabilize_at is not None
        done_at = rollout.stabilize_at + timedelta(seconds=rollout.step_seconds)
        if now < done_at:
            return False
        _complete(world, rollout, done_at)
        return True
    if state != "ROLLOUT_STATE_RUNNING":
        return False
    assert rollout.step_started_at is not None
    due = rollout.step_started_at + timedelta(seconds=rollout.step_seconds)
    if now < due:
        return False
    rollout.steps[rollout.current_step].completed_at = due
    if rollout.current_step == len(rollout.steps) - 1:
        rollout.state, rollout.stabilize_at = "ROLLOUT_STATE_STABILIZING", due
        return True
    if rollout.metrics and world.settings.rollout_metric_breach:
        rollout.state, rollout.step_started_at = "ROLLOUT_STATE_SYSTEM_PAUSED", due
        rule = rollout.metrics[0]
        rollout.condition = {
            "category": "ROLLOUT_FAILURE_CATEGORY_METRIC_REGRESSION",
            "atStep": rollout.current_step,
            "message": f"metric {rule['name']} breached its gate",
            "observedAt": due.isoformat(),
        }
        return True
    _enter_step(world, rollout, rollout.current_step + 1, due)
    return True


def _enter_step(world: World, rollout: RolloutRecord, index: int, at: datetime) -> None:
    rollout.current_step, rollout.step_started_at = index, at
    rollout.steps[index].started_at = at
    _split(world, rollout, rollout.steps[index].traffic, at)


def _split(world: World, rollout: RolloutRecord, percent: int, at: datetime) -> None:
    """Weights such that the target *serves* `percent` of the traffic, given ready replicas."""
    endpoint = world.endpoints[rollout.endpoint_id]
    source, target = world.deployments[rollout.source_deployment_id], world.deployments[rollout.target_deployment_id]
    source_ready = max(1, source.observed(at).serving_replicas)
    target_ready = max(1, target.observed(at).serving_replicas)
    others = [t for t in endpoint.traffic_split if t.deployment_id not in (source.id, target.id)]
    entries = [TrafficEntry(deployment_id=target.id, weight=round(percent / target_ready, 6))]
    if percent < 100:
        entries.insert(0, TrafficEntry(deployment_id=source.id, weight=round((100 - percent) / source_ready, 6)))
    endpoint.traffic_split = others + entries
    endpoint.etag, endpoint.updated_at = world.new_etag(endpoint.id), at


def _complete(world: World, rollout: RolloutRecord, at: datetime) -> None:
    for step in rollout.steps:
        step.completed_at = step.completed_at or at
    _split(world, rollout, 100, at)
    source, target = world.deployments[rollout.source_deployment_id], world.deployments[rollout.target_deployment_id]
    landing = rollout.final_target_replicas or max(1, source.min_replicas)
    target.min_replicas, target.max_replicas = max(target.min_replicas, landing), max(target.max_replicas, landing)
    world.steer(target, at)
    source.min_replicas = source.max_replicas = rollout.final_source_replicas
    world.steer(source, at)
    for deployment in (source, target):
        deployment.etag, deployment.updated_at = world.new_etag(deployment.id), at
    rollout.state, rollout.completed_at, rollout.current_step = "ROLLOUT_STATE_COMPLETED", at, len(rollout.steps) - 1
    _release(world, rollout, at)


def _release(world: World, rollout: RolloutRecord, at: datetime) -> None:
    endpoint = world.endpoints.get(rollout.endpoint_id)
    if endpoint is not None and endpoint.active_rollout_id == rollout.id:
        endpoint.active_rollout_id = None
        endpoint.etag, endpoint.updated_at = world.new_etag(endpoint.id), at


# -- helpers -----------------------------------------------------------------------------------


def _endpoint(world: World, call: Call) -> EndpointRecord:
    endpoint = world.endpoints.get(call.params["endpoint"])
    if endpoint is None:
        raise not_found("endpoint", call.params["endpoint"])
    return endpoint


def _rollout(world: World, call: Call) -> RolloutRecord:
    endpoint = _endpoint(world, call)
    rollout = world.rollouts.get(call.params["rollout"])
    if rollout is None or rollout.endpoint_id != endpoint.id:
        raise not_found("rollout", call.params["rollout"])
    return rollout


def _check_etag(rollout: RolloutRecord, call: Call) -> None:
    body = call.json() if call.body else {}
    given = (body.get("etag") if isinstance(body, dict) else None) or call.query.get("etag")
    if given and given != rollout.etag:
        raise ApiError(409, f"rollout {rollout.id} was modified: etag {given!r} is stale", code="aborted")


def _changed(world: World, rollout: RolloutRecord, call: Call) -> SimResponse:
    rollout.etag = world.new_etag(rollout.id)
    return json_response(200, _view(world, rollout, call.now))


def _view(world: World, rollout: RolloutRecord, now: datetime) -> dict[str, Any]:
    steps = []
    for index, step in enumerate(rollout.steps):
        if step.completed_at is not None:
            state = "ROLLOUT_STEP_STATE_PASSED"
        elif index == rollout.current_step:
            state = {
                "ROLLOUT_STATE_SYSTEM_PAUSED": "ROLLOUT_STEP_STATE_FAILED",
                "ROLLOUT_STATE_PAUSED": "ROLLOUT_STEP_STATE_PAUSED",
                "ROLLOUT_STATE_CANCELED": "ROLLOUT_STEP_STATE_CANCELED",
            }.get(rollout.state, "ROLLOUT_STEP_STATE_RUNNING")
        else:
            state = "ROLLOUT_STEP_STATE_PENDING"
        entry: dict[str, Any] = {"stepIndex": index, "state": state, "targetTrafficPercent": step.traffic}
        if step.started_at:
            entry["startedAt"] = step.started_at.isoformat()
        if step.completed_at:
            entry["completedAt"] = step.completed_at.isoformat()
        steps.append(entry)
    status: dict[str, Any] = {"steps": steps, "totalSteps": len(steps), "updatedAt": now.isoformat()}
    if rollout.condition:
        status["condition"] = rollout.condition
    view: dict[str, Any] = {
        "id": rollout.id,
        "createdAt": rollout.created_at.isoformat(),
        "endpointId": rollout.endpoint_id,
        "sourceDeploymentId": rollout.source_deployment_id,
        "targetDeploymentId": rollout.target_deployment_id,
        "state": rollout.state,
        "strategy": rollout.strategy,
        "status": status,
        "etag": rollout.etag,
    }
    if rollout.current_step >= 0:
        view["currentStep"] = rollout.current_step
        view["currentTrafficPercent"] = round(100 * views_share(world, rollout, now))
    if rollout.started_at:
        view["startedAt"] = rollout.started_at.isoformat()
    if rollout.completed_at:
        view["completedAt"] = rollout.completed_at.isoformat()
    if rollout.pause_reason and rollout.state in ("ROLLOUT_STATE_PAUSING", "ROLLOUT_STATE_PAUSED"):
        view["pauseInfo"] = {"reason": rollout.pause_reason}
    return view


def views_share(world: World, rollout: RolloutRecord, now: datetime) -> float:
    target = world.deployments.get(rollout.target_deployment_id)
    return world.traffic_share(target, now) if target is not None else 0.0
