"""The router: which role of the manifest (if any) answers a request, and the reason it says so.

The proxy asks `Router.route(api, body, headers)` before it calls any model; the `Route` names a
role, or None for the fallback upstream, and always the reason sent back in `x-reasoning-reason`.
The order of the questions, the implied default rule and how reasons name rules are in the
package's docstring (`runtime.routing`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from controlplane import clock
from controlplane.manifest.schema import Manifest, RouteRule, normalize_role
from runtime.routing import decision_prompts
from runtime.routing.classifier import Score, explain
from runtime.tokens import estimate_input_tokens
from runtime.wire.api import Api

log = logging.getLogger(__name__)

ROLE_HEADER = "x-reasoning-role"
UPSTREAM = "upstream"  # the header value that forces the fallback upstream
DEFAULT_ROLE = "coding"
# The implied rule's threshold: about the middle of the gap the development split leaves between the
# highest-scoring non-coding request (0.18) and the lowest-scoring coding one (0.56).
DEFAULT_MIN_SCORE = 0.4
#: A request routing fails on is logged at most this often (seconds), with how many went unlogged.
ERROR_LOG_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Route:
    role: str | None  # None: the fallback upstream
    reason: str  # one short ASCII phrase, sent as x-reasoning-reason
    score: float | None = None  # the classifier's score, when a rule needed it


def has_tools(body: Mapping[str, Any]) -> bool:
    tools = body.get("tools")
    return isinstance(tools, list) and len(tools) > 0


@dataclass(frozen=True, slots=True)
class _Rule:
    label: str  # "rule 1" (counting from 1, as the manifest lists them) or "default rule"
    to: str
    header: str | None
    models: frozenset[str]
    tools_present: bool | None
    min_score: float | None
    max_input_tokens: int | None
    api: str | None = None  # None: both APIs

    @classmethod
    def of(cls, index: int, rule: RouteRule) -> _Rule:
        when = rule.when
        return cls(
            label=f"rule {index + 1}",
            to=normalize_role(rule.to),
            header=when.header,
            models=frozenset(when.models),
            tools_present=when.tools_present,
            min_score=when.min_score,
            max_input_tokens=when.max_input_tokens,
        )


class _Request:
    """One request's facts, each computed at most once and only if a rule asks."""

    __slots__ = ("_score", "_tokens", "api", "body", "header", "model")

    def __init__(self, api: Api, body: Mapping[str, Any], header: str | None) -> None:
        self.api = api
        self.body = body
        self.header = header
        model = body.get("model")
        self.model = model if isinstance(model, str) else None
        self._score: Score | None = None
        self._tokens: int | None = None

    @property
    def scored(self) -> bool:
        return self._score is not None

    @property
    def score(self) -> Score:
        if self._score is None:
            self._score = explain(self.body, self.api)
        return self._score

    @property
    def tokens(self) -> int:
        if self._tokens is None:
            self._tokens = estimate_input_tokens(self.body, self.api)
        return self._tokens


class Router:
    """Decides, for each request, the role that answers it (or the fallback) and says why."""

    def __init__(self, manifest: Manifest) -> None:
        self._roles = frozenset(manifest.models)
        self._model_map = {model: normalize_role(role) for model, role in manifest.proxy.model_map.items()}
        self._model_map_prompts = {
            normalize_role(role): frozenset(kinds) for role, kinds in manifest.proxy.model_map_prompts.items()
        }
        rules = [_Rule.of(index, rule) for index, rule in enumerate(manifest.proxy.routing)]
        if not rules and DEFAULT_ROLE in self._roles:
            rules = [_Rule("default rule", DEFAULT_ROLE, None, frozenset(), None, DEFAULT_MIN_SCORE, None, "anthropic")]
        self._rules = tuple(rules)
        self._labels = frozenset(rule.header for rule in rules if rule.header is not None)
        self._error_logged_at: float | None = None
        self._errors_unlogged = 0

    def route(self, api: Api, body: Mapping[str, Any], headers: Mapping[str, str]) -> Route:
        try:
            return self._route(api, body, headers)
        except Exception as error:  # never fail a request over routing: the fallback answers, and says so
            self._log_error()
            return Route(None, f"routing error {type(error).__name__}; sent upstream")

    def _log_error(self) -> None:
        """A bug in routing, with its traceback: once per `ERROR_LOG_SECONDS`, however many requests hit it."""
        now = clock.monotonic()
        if self._error_logged_at is not None and now - self._error_logged_at < ERROR_LOG_SECONDS:
            self._errors_unlogged += 1
            return
        unlogged, self._errors_unlogged, self._error_logged_at = self._errors_unlogged, 0, now
        since = f" ({unlogged} more since the last one logged)" if unlogged else ""
        log.exception("routing: a request could not be routed and went to the fallback upstream%s", since)

    def _route(self, api: Api, body: Mapping[str, Any], headers: Mapping[str, str]) -> Route:
        raw = headers.get(ROLE_HEADER)
        header = raw.strip() if isinstance(raw, str) and raw.strip() else None
        if header is not None:
            role = normalize_role(header.lower())
            if role == UPSTREAM:
                return Route(None, f"header {ROLE_HEADER}={UPSTREAM}")
            if role in self._roles:
                return Route(role, f"header {ROLE_HEADER}={role}")
            if header not in self._labels:
                return Route(None, f"header names unknown role '{_ascii(header)}'")
        if not isinstance(body, Mapping):
            return Route(None, "body is not a JSON object")
        request = _Request(api, body, header)
        declined: str | None = None  # a mapped role that does not take this prompt: the rules may still route it
        if request.model is not None:
            mapped = self._model_map.get(request.model)
            if mapped is not None:
                kind = decision_prompts.kind_of(api, body)
                if decision_prompts.accepts(mapped, kind, self._model_map_prompts):
                    return Route(mapped, f"model {_ascii(request.model)} -> {mapped}")
                declined = f"fallback: not a {mapped} prompt"
        first_miss: str | None = None
        first_skip: str | None = None
        for rule in self._rules:
            held, detail = self._check(rule, request)
            if held:
                return Route(rule.to, f"{rule.label}: {detail}", self._score_of(request))
            if detail.startswith("skipped"):
                first_skip = first_skip or f"{rule.label} {detail}"
            else:
                first_miss = first_miss or f"{rule.label}: {detail}"
        score = self._score_of(request)
        if declined is not None:
            return Route(None, declined, score)
        if first_skip is not None:
            return Route(None, first_skip, score)
        if first_miss is not None:
            return Route(None, f"no rule matched ({first_miss})", score)
        return Route(None, "no rule matched", score)

    @staticmethod
    def _score_of(request: _Request) -> float | None:
        return round(request.score.value, 4) if request.scored else None

    @staticmethod
    def _check(rule: _Rule, request: _Request) -> tuple[bool, str]:
        """Whether every condition of `rule` holds, and the phrase that says so (or what failed)."""
        held: list[str] = []
        if rule.api is not None and request.api != rule.api:
            return False, f"{rule.api} requests only"
        if rule.header is not None:
            if request.header != rule.header:
                return False, f"no header {ROLE_HEADER}={_ascii(rule.header)}"
            held.append(f"header {ROLE_HEADER}={_ascii(rule.header)}")
        if rule.models:
            if request.model not in rule.models:
                return False, f"model {_ascii(request.model or 'none')} not listed"
            held.append(f"model {_ascii(request.model or '')}")
        if rule.tools_present is not None:
            present = has_tools(request.body)
            if present != rule.tools_present:
                return False, "no tools" if rule.tools_present else "tools present"
            held.append("tools present" if present else "no tools")
        if rule.min_score is not None:
            score = request.score
            if score.value < rule.min_score:
                return False, f"coding score {score.value:.2f} < {rule.min_score:.2f}"
            top = score.top()
            why = f" ({', '.join(top)})" if top else ""
            held.append(f"coding score {score.value:.2f} >= {rule.min_score:.2f}{why}")
        if rule.max_input_tokens is not None:
            tokens = request.tokens
            if tokens > rule.max_input_tokens:
                return False, f"skipped: {tokens} input tokens > max {rule.max_input_tokens}"
            held.append(f"{tokens} input tokens <= {rule.max_input_tokens}")
        return True, ", ".join(held) if held else "no conditions"


def _ascii(value: str, limit: int = 60) -> str:
    """A client-supplied value made safe for a response header: printable ASCII, bounded."""
    cleaned = re.sub(r"[^\x20-\x7e]", "?", value)
    return cleaned[:limit] + ("..." if len(cleaned) > limit else "")
