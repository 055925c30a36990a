"""What the SDK feature matrices (real-clients.md sections 2 and 3) share: the two routes, and
"honoured by the custom model, or handed to the upstream before the first byte".

A feature test runs once per route. `custom`: the request is routed to a role (by the
`x-reasoning-role` header for Anthropic, by `model_map` for OpenAI) and must be answered by it,
or by the upstream with `x-reasoning-reason: fallback: unsupported <feature>` (issue 11, item 1)
or `fallback: not a <role> prompt` (issue 15: JSON mode, say, is never a decision prompt);
`passthrough`: no rule routes it and the upstream answers. Either way the answer must honour the
feature: the stand-in upstreams honour every one, so a fallback passes and a silent drop fails.
`routes(custom=..., passthrough=...)` marks the routes that fail today `xfail(strict=True)`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

ROUTES = ("custom", "passthrough")


def routes(**failing: str) -> pytest.MarkDecorator:
    """Parametrize `route` over both routes; a route named here is xfail(strict) for that reason."""
    params = []
    for route in ROUTES:
        marks = [pytest.mark.xfail(strict=True, reason=failing[route])] if route in failing else []
        params.append(pytest.param(route, marks=marks, id=route))
    return pytest.mark.parametrize("route", params)


def assert_answered_by(headers: Mapping[str, str], route: str, role: str) -> None:
    """The route's answerer said so: the role (or a declared fallback) for custom, the upstream else."""
    served, reason = headers.get("x-reasoning-role"), headers.get("x-reasoning-reason", "")
    if route == "passthrough":
        assert served == "upstream", (served, reason)
    else:
        declared = reason.startswith(("fallback: unsupported", f"fallback: not a {role} prompt"))
        assert served == role or (served == "upstream" and declared), (served, reason)
