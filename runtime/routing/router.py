"""The router: which role of the manifest (if any) answers a request, and the reason it says so.

The proxy asks `Router.route(api, body, headers)` before it calls any model; the `Route` names a
role, or None for the fallback upstream, and always the reason sent back in `x-reasoning-reason`.
The order of the questions, the implied default rule, the coding score (`runtime.learned`), its
uncertain band, conversation affinity (`runtime.routing.affinity`) and how reasons name rules are in
the package's docstring (`runtime.routing`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from controlplane import clock
from controlplane.manifest.schema import Manifest, RouteRule, normalize_role
from runtime import learned
from runtime.routing import decision_prompts
from runtime.routing.affinity import Affinity
from runtime.tokens import estimate_input_tokens
from runtime.wire.api import Api

log = logging.getLogger(__name__)

ROLE_HEADER = "x-reasoning-role"
UPSTREAM = "upstream"  # the header value that forces the fallback upstream
DEFAULT_ROLE = "coding"
# The hand-weighted classifier's threshold (`runtime.routing.classifier`): what it was measured at, kept
# for comparison. The implied rule uses the learned score and its band instead.
DEFAULT_MIN_SCORE = 0.4
#: A request routing fails on is logged at most this often (seconds), with how many went unlogged.
ERROR_LOG_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Route:
    role: str | None  # None: the fallback upstream
    reason: str  # one short ASCII phrase, sent as x-reasoning-reason
    score: float | None = None  # the learned coding score, when a rule needed it
    decision: learned.Decision | None = None  # what the score says, band applied (when scored)


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
    band: bool = False  # the implied rule: coding above the learned model's band, the upstream inside it

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

    __slots__ = ("_score", "_tokens", "api", "body", "header", "learned", "model")

    def __init__(self, api: Api, body: Mapping[str, Any], header: str | None, model: learned.Model) -> None:
        self.api = api
        self.body = body
        self.header = header
        self.learned = model
        name = body.get("model")
        self.model = name if isinstance(name, str) else None
        self._score: float | None = None
        self._tokens: int | None = None

    @property
    def scored(self) -> bool:
        return self._score is not None

    @property
    def score(self) -> float:
        if self._score is None:
            self._score = learned.score(self.body, self.api, self.learned)
        return self._score

    @property
    def tokens(self) -> int:
        if self._tokens is None:
            self._tokens = estimate_input_tokens(self.body, self.api)
        return self._tokens


class Router:
    """Decides, for each request, the role that answers it (or the fallback) and says why."""

    def __init__(
        self, manifest: Manifest, model: learned.Model | None = None, affinity: Affinity | bool = True
    ) -> None:
        """`affinity`: a table, True for a new one, False for none (each request routed on its own, as
        an evaluation on labeled requests needs)."""
        self._learned = model or learned.default_model()
        self._affinity = affinity if isinstance(affinity, Affinity) else Affinity() if affinity else None
        self._roles = frozenset(manifest.models)
        self._model_map = {model: normalize_role(role) for model, role in manifest.proxy.model_map.items()}
        self._model_map_prompts = {
            normalize_role(role): frozenset(kinds) for role, kinds in manifest.proxy.model_map_prompts.items()
        }
        rules = [_Rule.of(index, rule) for index, rule in enumerate(manifest.proxy.routing)]
        if not rules and DEFAULT_ROLE in self._roles:
            rules = [_Rule("default rule", DEFAULT_ROLE, None, frozenset(), None, None, None, "anthropic", band=True)]
        self._rules = tuple(rules)
        #: whether any rule can take a request of each API: where none can, no score is needed and
        #: there is nothing for a conversation to keep (affinity remembers what rules decided)
        self._routable = {api: any(rule.api in (None, api) for rule in rules) for api in ("anthropic", "openai")}
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
        request = _Request(api, body, header, self._learned)
        declined: str | None = None  # a mapped role that does not take this prompt: the rules may still route it
        if request.model is not None:
            mapped = self._model_map.get(request.model)
            if mapped is not None:
                kind = decision_prompts.kind_of(api, body)
                if decision_prompts.accepts(mapped, kind, self._model_map_prompts):
                    return Route(mapped, f"model {_ascii(request.model)} -> {mapped}")
                declined = f"fallback: not a {mapped} prompt"
        # A role header's label picks rules per request, and a mapped model's call its prompt; anything
        # else keeps a conversation where it began, if a rule could have routed it at all.
        routable = self._routable.get(api, True)
        affinity = self._affinity if header is None and declined is None and routable else None
        key = affinity.key(api, body, headers) if affinity is not None else None
        if affinity is not None and key is not None:
            earlier = affinity.get(key)
            if earlier is not None:
                then, why = earlier
                return Route(then if then in self._roles else None, f"affinity: {why}")
        route = self._by_rules(request, declined)
        if affinity is not None and key is not None:
            affinity.put(key, route.role, f"{route.role or UPSTREAM} since the conversation's first turn")
        return route

    def _by_rules(self, request: _Request, declined: str | None = None) -> Route:
        first_miss: str | None = None
        first_skip: str | None = None
        for rule in self._rules:
            held, detail = self._check(rule, request)
            if held:
                return self._scored(rule.to, f"{rule.label}: {detail}", request)
            if detail.startswith("skipped") or detail.startswith("uncertain"):
                first_skip = first_skip or f"{rule.label} {detail}"
            else:
                first_miss = first_miss or f"{rule.label}: {detail}"
        if declined is not None:
            return self._scored(None, declined, request)
        if first_skip is not None:
            return self._scored(None, first_skip, request)
        if first_miss is not None:
            return self._scored(None, f"no rule matched ({first_miss})", request)
        return self._scored(None, "no rule matched", request)

    def _scored(self, role: str | None, reason: str, request: _Request) -> Route:
        if not request.scored:
            return Route(role, reason)
        value = request.score
        return Route(role, reason, round(value, 4), learned.decide(value, self._learned))

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
            value = request.score
            if value < rule.min_score:
                return False, f"coding score {value:.2f} < {rule.min_score:.2f}"
            held.append(f"coding score {value:.2f} >= {rule.min_score:.2f}")
        if rule.band:
            value = request.score
            low, high = request.learned.band
            if value < low:
                return False, f"coding score {value:.2f} < {low:.2f}"
            if value < high:  # the model cannot tell: the documented default, the upstream, answers
                return False, f"uncertain: coding score {value:.2f} in [{low:.2f}, {high:.2f}), default upstream"
            held.append(f"coding score {value:.2f} >= {high:.2f}")
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
