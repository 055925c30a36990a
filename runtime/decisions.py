"""The router's decisions as data: recorded by the proxy, reviewed and labeled by users, trained on.

    proxy ──route()──► record(): a closure on the recorder's queue (the request pays for nothing else)
                         └─ writer thread: learned.explain() for the top features, the request bounded
                            (`bounded()`), redacted, one batch into the store's `routing_decisions`
    reasoning route review ──► controlplane.api.route_review: recent unlabeled decisions near the band
    reasoning route label ID coding|other ──► controlplane.api.route_label
    python bench/routing_train.py --manifest reasoning.yaml ──► the labeled ones, as training items

Only decisions the learned score made are recorded (a header, a model map or affinity decided the
others, and their score says nothing). The request is kept only when the manifest collects training
data (`training_data.collect`), bounded to what the score reads and redacted like samples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from controlplane.values import RoutingDecision
from runtime import learned
from runtime.routing import Route

FEATURES = 8
# What is kept of a request: the messages the score reads (the opening pair, the last ones), strings
# clipped to a head and a tail longer than the score's, tool definitions by name.
KEEP_FIRST, KEEP_LAST = 2, learned.HISTORY_MESSAGES + 16
HEAD, TAIL = 3000, 1500


def record(
    sink: Callable[[Callable[[], RoutingDecision]], None],
    project: str,
    api: str,
    body: Mapping[str, Any],
    route: Route,
    at: datetime,
    keep_request: bool,
) -> None:
    """Hand `sink` (the recorder's `record_decision`) the decision, to be made off the request path."""
    if route.score is None or route.decision is None:
        return
    score, decision = route.score, route.decision

    def make() -> RoutingDecision:
        explanation = learned.explain(body, api, n=FEATURES)
        return RoutingDecision(
            project=project,
            at=at,
            api=api,
            role=route.role,
            reason=route.reason,
            score=score,
            decision=decision,
            features=dict(explanation.top),
            request=bounded(body) if keep_request else None,
        )

    sink(make)


def bounded(body: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a request body the score reads, with room to spare: enough to train on again."""
    kept: dict[str, Any] = {key: body[key] for key in ("model", "metadata") if key in body}
    if "system" in body:
        kept["system"] = _clip(body["system"])
    messages = body.get("messages")
    if isinstance(messages, list):
        chosen = messages if len(messages) <= KEEP_FIRST + KEEP_LAST else messages[:KEEP_FIRST] + messages[-KEEP_LAST:]
        kept["messages"] = [_clip(message) for message in chosen]
    for key in ("tools", "functions"):
        tools = body.get(key)
        if isinstance(tools, list):
            kept[key] = [_tool(tool) for tool in tools[: learned.MAX_TOOLS]]
    return kept


def _tool(tool: Any) -> Any:
    if not isinstance(tool, dict):
        return tool
    named = {k: tool[k] for k in ("type", "name") if k in tool}
    function = tool.get("function")
    if isinstance(function, dict) and "name" in function:
        named["function"] = {"name": function["name"]}
    return named


def _clip(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return value if len(value) <= HEAD + TAIL else value[:HEAD] + "\n" + value[-TAIL:]
    if depth > 6:
        return None
    if isinstance(value, list):
        return [_clip(item, depth + 1) for item in value[: learned.MAX_BLOCKS]]
    if isinstance(value, dict):
        return {key: _clip(item, depth + 1) for key, item in value.items()}
    return value
