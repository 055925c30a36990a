"""Decision hooks for Python agents: `should_respond()` and `plan()`, answered by the custom models.

Where this sits: an agent asks, for each message, "should I respond?" and then "what do I do and
say?". `Hooks` renders ElizaOS's own prompts for those questions (`templates/should_respond.j2`,
`templates/message_handler.j2`), sends them to the manifest's `should_respond` / `planning` role
(Together's OpenAI-compatible chat completions, `runtime.backend`), and reads the answer with
`runtime.parse`. It never makes the agent wait on a role that cannot answer: a role that is
stopped or disabled, over budget, behind an open circuit, slower than its timeout, erroring, or
answering something unparseable is skipped, and the caller's own function, or else a configured
OpenAI-compatible upstream model, decides instead. Every decision leaves its usage and a training
sample (the exact prompt and raw answer) with the recorder, which writes them off the agent's path.

    agent ─► Hooks.should_respond / plan ─► template ─► custom model ─► parse ─► decision
                                                 └── unavailable · over budget · slow ·
                                                     error · unparseable ──► fallback
                            recorder ◄── usage + sample (redacted, batched)

`decide_should_respond(prompt)` / `decide_plan(prompt)` take an already rendered prompt: that is
what the `elizaos` plugin (`runtime.elizaos`) uses, the runtime having rendered it from its state.
Async first; `should_respond_sync` / `plan_sync` serve callers without an event loop.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from concurrent.futures import Future
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar

import httpx
import jinja2

from controlplane import clock, templating
from controlplane.errors import ReasoningError, SecretMissing
from controlplane.manifest import Manifest, load
from controlplane.store import Outcome, Sample, Store, Usage, open_store
from controlplane.values import Value
from runtime.backend import Availability, InferenceTarget, open_target
from runtime.budget import BudgetGuard, OverBudget, Reservation, ledger_spend
from runtime.parse import (
    Decision,
    ParseError,
    PlanAnswer,
    ShouldRespondAnswer,
    parse_plan,
    parse_should_respond,
)
from runtime.recorder import Recorder
from runtime.redact import Redactor

Role = Literal["should_respond", "planning"]
Source = Literal["custom", "fallback"]


# -- what callers get back -----------------------------------------------------------------------


class ShouldRespondDecision(Value):
    decision: Decision
    reasoning: str
    source: Source
    latency_ms: float
    #: why this source answered: the endpoint that did, or why the custom model was skipped
    reason: str


class PlanDecision(Value):
    thought: str
    actions: list[str]
    providers: list[str]
    text: str
    params: dict[str, dict[str, Any]] = {}
    source: Source
    latency_ms: float
    reason: str

    def answer(self) -> PlanAnswer:
        return PlanAnswer(
            thought=self.thought, actions=self.actions, providers=self.providers, text=self.text, params=self.params
        )


class NoFallback(ReasoningError):
    """The custom model could not decide and nothing else was configured to."""


class FallbackFailed(ReasoningError):
    """The custom model could not decide, and neither could the fallback."""


# -- what callers may give -----------------------------------------------------------------------

#: What came before the message: the providers text verbatim, or prior turns as "Name: text"
#: strings or (name, text) pairs.
Context = str | Sequence[str | tuple[str, str]]
#: The agent's state: providers text verbatim, or provider name -> value.
State = str | Mapping[str, object]
#: Action names, or name -> description.
Actions = Sequence[str] | Mapping[str, str]

A = TypeVar("A", ShouldRespondAnswer, PlanAnswer)
T = TypeVar("T")
#: A fallback, sync or async, answers with the model's raw text (parsed like the custom model's)
#: or a decision it made itself.
ShouldRespondFallback = Callable[[str, Context], Awaitable[str | ShouldRespondAnswer] | str | ShouldRespondAnswer]
PlanFallback = Callable[[str, State, Actions], Awaitable[str | PlanAnswer] | str | PlanAnswer]
PromptFallback = Callable[[str], Awaitable[str | A] | str | A]
_Thunk = Callable[[], Awaitable[str | A] | str | A]


class Upstream(Value):
    """An OpenAI-compatible chat completions API that decides when the custom model cannot: the
    model the agent used before. `base_url` is either OpenAI-style, ending in `/v1` (as
    `OPENAI_BASE_URL`: `{base_url}/chat/completions`), or a bare host (as `proxy.openai_upstream`:
    `{base_url}/v1/chat/completions`)."""

    base_url: str
    model: str
    api_key_env: str | None = None
    timeout_seconds: float = 60.0


@dataclass(frozen=True)
class RoleSettings:
    """How a role's model is called; the defaults are the original service's (reference §2.1)."""

    max_tokens: int
    temperature: float
    timeout_seconds: float


DEFAULT_SETTINGS: dict[str, RoleSettings] = {
    "should_respond": RoleSettings(max_tokens=512, temperature=0.1, timeout_seconds=5.0),
    "planning": RoleSettings(max_tokens=2048, temperature=0.3, timeout_seconds=30.0),
}


# -- prompts ---------------------------------------------------------------------------------------

_ENV = jinja2.Environment(
    loader=templating.loader(),  # the shipped templates/, wherever reasoning is installed
    autoescape=False,  # prompts, not HTML: the model must see exactly what ElizaOS sends
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=False,
)


def render_should_respond(agent_name: str, providers: str) -> str:
    """ElizaOS's SHOULD_RESPOND_TEMPLATE, filled."""
    return _ENV.get_template("should_respond.j2").render(agent_name=agent_name, providers=providers)


def render_message_handler(agent_name: str, providers: str) -> str:
    """ElizaOS's MESSAGE_HANDLER_TEMPLATE, filled."""
    return _ENV.get_template("message_handler.j2").render(agent_name=agent_name, providers=providers)


def current_message(message: str, sender: str = "User") -> str:
    """The message being decided on, last in the providers: models (and the simulator) read the
    last line of `<providers>` as what was just said."""
    return f"# Current Message\n{sender}: {message}"


def conversation(context: Context) -> str:
    if isinstance(context, str):
        return context.strip()
    lines = [f"{turn[0]}: {turn[1]}" if isinstance(turn, tuple) else turn for turn in context]
    return "# Conversation Messages\n" + "\n".join(lines) if lines else ""


def actions_block(actions: Actions) -> str:
    """The available actions as ElizaOS's ACTIONS provider lists them (the current message
    handler template has no `{{actionNames}}`: actions reach the model through the providers)."""
    names = list(actions)
    if not names:
        return ""
    text = "Possible response actions: " + ", ".join(names)
    if isinstance(actions, Mapping):
        text += "\n\n# Available Actions\n" + "\n".join(f"- **{name}**: {actions[name]}" for name in names)
    return text


def state_block(state: State) -> str:
    if isinstance(state, str):
        return state.strip()
    return "\n".join(
        f"{name}: {value if isinstance(value, str) else json.dumps(value)}" for name, value in state.items()
    )


def _join(*blocks: str) -> str:
    return "\n\n".join(block for block in blocks if block)


def should_respond_prompt(message: str, context: Context = "", *, agent_name: str, sender: str = "User") -> str:
    """The should-respond prompt for `message`: what came before it, then the message."""
    return render_should_respond(agent_name, _join(conversation(context), current_message(message, sender)))


def plan_prompt(
    message: str, state: State = "", actions: Actions = ("REPLY", "IGNORE"), *, agent_name: str, sender: str = "User"
) -> str:
    """The planning prompt for `message`: the actions (as ElizaOS's ACTIONS provider lists them
    first), the state, then the message."""
    providers = _join(actions_block(actions), state_block(state), current_message(message, sender))
    return render_message_handler(agent_name, providers)


# -- the hooks -------------------------------------------------------------------------------------


class Hooks:
    """`Hooks(manifest)` or `Hooks.from_file("reasoning.yaml")`; close it (or use `with` /
    `async with`) to stop what it started: the inference target (a served simulator on the
    simulator provider), availability and budget refreshes, the recorder (drained), the store.

    The collaborators are the proxy's (`runtime.backend`, `runtime.budget`, `runtime.recorder`),
    made from the manifest unless given. The fallback upstream defaults to the manifest's
    `proxy.openai_upstream` with, for each role, the model name `proxy.model_map` maps to it.
    """

    def __init__(
        self,
        manifest: Manifest,
        store: Store | None = None,
        *,
        agent_name: str = "Agent",
        upstream: Upstream | Mapping[str, Upstream] | None = None,
        should_respond_fallback: ShouldRespondFallback | None = None,
        plan_fallback: PlanFallback | None = None,
        settings: Mapping[str, RoleSettings] | None = None,
        target: InferenceTarget | None = None,
        availability: Availability | None = None,
        budget: BudgetGuard | None = None,
        recorder: Recorder | None = None,
        refresh_seconds: float = 5.0,
    ) -> None:
        self.manifest = manifest
        self.agent_name = agent_name
        self.settings = {**DEFAULT_SETTINGS, **(settings or {})}
        self._upstreams = _upstreams(upstream) if upstream is not None else manifest_upstreams(manifest)
        self._should_respond_fallback = should_respond_fallback
        self._plan_fallback = plan_fallback
        self._clients: dict[asyncio.AbstractEventLoop, httpx.AsyncClient] = {}
        self._loop: _BackgroundLoop | None = None
        self._owned = ExitStack()
        try:
            self.store = store if store is not None else self._owned.enter_context(_open_store(manifest))
            self.target = target if target is not None else self._owned.enter_context(open_target(manifest))
            if recorder is None:
                recorder = Recorder(
                    self.store,
                    manifest.project,
                    Redactor(manifest.training_data.redact),
                    collect_samples=manifest.training_data.collect,
                )
                self._owned.callback(recorder.close)
            self.recorder = recorder
            if availability is None:
                circuit = manifest.proxy.circuit
                availability = Availability(
                    manifest,
                    self.store,
                    refresh_seconds=refresh_seconds,
                    failures=circuit.failures,
                    window=circuit.window_seconds,
                    reset=circuit.open_seconds,
                ).start()
                self._owned.callback(availability.close)
            self.availability = availability
            if budget is None:
                budget = BudgetGuard(
                    manifest,
                    ledger_spend(self.store, manifest),
                    written_through=self.recorder.written_through,
                    refresh_seconds=refresh_seconds,
                ).start()
                self._owned.callback(budget.close)
            self.budget = budget
        except BaseException:
            self._owned.close()
            raise

    @classmethod
    def from_file(cls, path: str | Path = "reasoning.yaml", **kwargs: Any) -> Hooks:
        return cls(load(Path(path)), **kwargs)

    def refresh(self) -> None:
        """Read the applied state and the spend now, not at the next background refresh."""
        self.availability.refresh()
        self.budget.refresh()

    def has_upstream(self, role: Role) -> bool:
        """Whether a fallback upstream model is configured for `role`."""
        return role in self._upstreams

    # -- the questions ---------------------------------------------------------------------------

    async def should_respond(
        self,
        message: str,
        context: Context = "",
        *,
        agent_name: str | None = None,
        sender: str = "User",
        fallback: ShouldRespondFallback | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> ShouldRespondDecision:
        """RESPOND, IGNORE or STOP for `message`, given what came before it (`context`)."""
        prompt = should_respond_prompt(message, context, agent_name=agent_name or self.agent_name, sender=sender)
        chosen = fallback or self._should_respond_fallback
        thunk: _Thunk[ShouldRespondAnswer] | None = None
        if chosen is not None:
            given = chosen

            def thunk() -> Awaitable[str | ShouldRespondAnswer] | str | ShouldRespondAnswer:
                return given(message, context)

        return await self._should_respond(prompt, thunk, meta)

    async def plan(
        self,
        message: str,
        state: State = "",
        actions: Actions = ("REPLY", "IGNORE"),
        *,
        agent_name: str | None = None,
        sender: str = "User",
        fallback: PlanFallback | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> PlanDecision:
        """Thought, actions (out of `actions`, in order), providers and text for answering `message`."""
        prompt = plan_prompt(message, state, actions, agent_name=agent_name or self.agent_name, sender=sender)
        chosen = fallback or self._plan_fallback
        thunk: _Thunk[PlanAnswer] | None = None
        if chosen is not None:
            given = chosen

            def thunk() -> Awaitable[str | PlanAnswer] | str | PlanAnswer:
                return given(message, state, actions)

        return await self._plan(prompt, thunk, meta)

    async def decide_should_respond(
        self,
        prompt: str,
        *,
        fallback: PromptFallback[ShouldRespondAnswer] | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> ShouldRespondDecision:
        """The should-respond decision on a prompt the caller rendered; `fallback(prompt)` answers
        when the custom model cannot (else the hooks' upstream)."""
        given = fallback
        return await self._should_respond(prompt, (lambda: given(prompt)) if given is not None else None, meta)

    async def decide_plan(
        self,
        prompt: str,
        *,
        fallback: PromptFallback[PlanAnswer] | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> PlanDecision:
        """The planning decision on a prompt the caller rendered; `fallback(prompt)` answers when
        the custom model cannot (else the hooks' upstream)."""
        given = fallback
        return await self._plan(prompt, (lambda: given(prompt)) if given is not None else None, meta)

    def should_respond_sync(self, message: str, context: Context = "", **kwargs: Any) -> ShouldRespondDecision:
        """`should_respond` for callers without an event loop."""
        return self._run(self.should_respond(message, context, **kwargs))

    def plan_sync(
        self, message: str, state: State = "", actions: Actions = ("REPLY", "IGNORE"), **kwargs: Any
    ) -> PlanDecision:
        """`plan` for callers without an event loop."""
        return self._run(self.plan(message, state, actions, **kwargs))

    # -- one decision ------------------------------------------------------------------------------

    async def _should_respond(
        self, prompt: str, fallback: _Thunk[ShouldRespondAnswer] | None, meta: Mapping[str, Any] | None
    ) -> ShouldRespondDecision:
        answer, outcome = await self._decide("should_respond", prompt, parse_should_respond, fallback, meta)
        return ShouldRespondDecision(
            decision=answer.decision,
            reasoning=answer.reasoning,
            source=outcome.source,
            latency_ms=outcome.latency_ms,
            reason=outcome.reason,
        )

    async def _plan(
        self, prompt: str, fallback: _Thunk[PlanAnswer] | None, meta: Mapping[str, Any] | None
    ) -> PlanDecision:
        answer, outcome = await self._decide("planning", prompt, parse_plan, fallback, meta)
        return PlanDecision(
            thought=answer.thought,
            actions=answer.actions,
            providers=answer.providers,
            text=answer.text,
            params=answer.params,
            source=outcome.source,
            latency_ms=outcome.latency_ms,
            reason=outcome.reason,
        )

    async def _decide(
        self,
        role: Role,
        prompt: str,
        parse: Callable[[str], A],
        fallback: _Thunk[A] | None,
        meta: Mapping[str, Any] | None,
    ) -> tuple[A, _Outcome]:
        """Ask the custom model, else the fallback; record what happened, whatever happens."""
        call = _Call(role=role, prompt=prompt, at=clock.now(), started=time.perf_counter(), meta=dict(meta or {}))
        try:
            answer = await self._ask_custom(call, parse)
            if answer is not None:
                latency_ms = self._record(call, "ok", "custom", call.raw or answer.to_xml())
                return answer, _Outcome("custom", call.reason, latency_ms)
            answer, raw = await self._ask_fallback(call, parse, fallback)
        except BaseException:
            self._record(call, "error", None, None)
            raise
        latency_ms = self._record(call, "fallback", "fallback", raw)
        return answer, _Outcome("fallback", call.reason, latency_ms)

    async def _ask_custom(self, call: _Call, parse: Callable[[str], A]) -> A | None:
        """The custom model's answer, or None with `call.reason` saying why there is none."""
        role = call.role
        if role not in self.manifest.models:
            call.reason = f"no role {role} in the manifest"
            return None
        unavailable = self.availability.check(role)
        if unavailable is not None:
            call.reason = unavailable
            return None
        breaker = self.availability.breaker(role)
        if not breaker.allow():
            call.reason = breaker.reason
            return None
        settings = self.settings[role]
        estimate = self.budget.estimate_cost(role, _estimate_tokens(call.prompt), settings.max_tokens)
        reservation = self.budget.reserve(role, estimate)
        if isinstance(reservation, OverBudget):
            call.reason = reservation.reason
            return None
        call.reservation = reservation
        call.model = self.target.model_for(role)
        try:
            async with asyncio.timeout(settings.timeout_seconds):
                data = await self._post(
                    self.target.chat_url, dict(self.target.headers), _body(call.model, call.prompt, settings)
                )
            call.raw, call.input_tokens, call.output_tokens = _completion(data)
        except TimeoutError:
            breaker.record_failure()
            call.reason = f"slow: no answer within {settings.timeout_seconds:g} s"
            return None
        except _CallFailed as failed:
            breaker.record_failure()
            call.reason = f"error: {failed}"
            return None
        breaker.record_success()
        try:
            answer = parse(call.raw)
        except ParseError as error:
            call.reason = f"unparseable answer: {error.reason}"
            return None
        call.reason = f"answered by {call.model}"
        return answer

    async def _ask_fallback(self, call: _Call, parse: Callable[[str], A], fallback: _Thunk[A] | None) -> tuple[A, str]:
        """The fallback's answer and its raw text, in the role's format."""
        role, reason = call.role, call.reason
        if fallback is not None:
            given = fallback()
            result = await given if inspect.isawaitable(given) else given
            if not isinstance(result, str):
                return result, result.to_xml()
            try:
                return parse(result), result
            except ParseError as error:
                raise FallbackFailed(
                    f"the {role} model could not answer ({reason}), and the fallback's answer did not parse: "
                    f"{error.reason}"
                ) from error
        upstream = self._upstreams.get(role)
        if upstream is None:
            raise NoFallback(
                f"the {role} model could not answer ({reason}) and no fallback is configured",
                hint="pass fallback= (your own function) or upstream= (an OpenAI-compatible model) to Hooks",
            )
        try:
            raw = await self._complete_upstream(upstream, call.prompt, self.settings[role])
            return parse(raw), raw
        except (_CallFailed, TimeoutError, ParseError) as error:
            why = error.reason if isinstance(error, ParseError) else (str(error) or "no answer in time")
            raise FallbackFailed(
                f"the {role} model could not answer ({reason}), nor could the fallback {upstream.model}: {why}"
            ) from error

    async def _complete_upstream(self, upstream: Upstream, prompt: str, settings: RoleSettings) -> str:
        headers = {}
        if upstream.api_key_env:
            key = os.environ.get(upstream.api_key_env)
            if not key:
                raise SecretMissing(
                    f"{upstream.api_key_env} is not set (the fallback upstream's key)",
                    hint=f"export {upstream.api_key_env}=...",
                )
            headers["authorization"] = f"Bearer {key}"
        async with asyncio.timeout(upstream.timeout_seconds):
            data = await self._post(_chat_url(upstream.base_url), headers, _body(upstream.model, prompt, settings))
        return _completion(data)[0]

    async def _post(self, url: str, headers: dict[str, str], body: dict[str, Any]) -> Any:
        try:
            response = await self._client().post(url, headers=headers, json=body)
        except httpx.HTTPError as error:
            raise _CallFailed(type(error).__name__) from None
        if response.status_code >= 400:
            raise _CallFailed(f"HTTP {response.status_code}{_error_detail(response)}")
        try:
            return response.json()
        except ValueError:
            raise _CallFailed("the answer is not JSON") from None

    def _record(self, call: _Call, outcome: Outcome, source: Source | None, raw: str | None) -> float:
        """Usage always; a sample when something answered; the reservation settled with the
        ticket, so the budget counts this cost once (see `runtime.budget`). Returns the latency."""
        role = call.role
        cost = self.budget.cost(role, call.input_tokens, call.output_tokens) if role in self.manifest.models else 0.0
        latency_ms = call.latency_ms()
        usage = Usage(
            project=self.manifest.project,
            role=role,
            at=call.at,
            input_tokens=call.input_tokens,
            output_tokens=call.output_tokens,
            latency_ms=latency_ms,
            cost_usd=cost,
            outcome=outcome,
            reason=None if outcome == "ok" else call.reason or "failed",
        )
        sample = None
        if source is not None and raw is not None:
            sample = Sample(
                project=self.manifest.project,
                role=role,
                at=call.at,
                source=source,
                prompt=_request(call.prompt, self.settings[role]),
                answer=raw,
                meta={**call.meta, "model": call.model if source == "custom" else None, "reason": call.reason},
            )
        ticket = self.recorder.record(usage, sample)
        if call.reservation is not None:
            self.budget.settle(call.reservation, cost, ticket=ticket)
        return latency_ms

    # -- plumbing ------------------------------------------------------------------------------------

    def _client(self) -> httpx.AsyncClient:
        # One client per event loop: an httpx.AsyncClient's connections belong to the loop that
        # made them, and the sync wrappers run on a loop of their own.
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = httpx.AsyncClient(timeout=None)
        return client

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        if self._loop is None:
            self._loop = _BackgroundLoop()
        return self._loop.run(coroutine)

    async def aclose(self) -> None:
        """Close this event loop's connections, then everything else (the recorder drains)."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()
        await asyncio.to_thread(self.close)

    def close(self) -> None:
        if self._loop is not None:
            loop, self._loop = self._loop, None
            client = self._clients.pop(loop.loop, None)
            if client is not None:
                loop.run(client.aclose())
            loop.stop()
        self._clients.clear()  # a client of a loop that has ended went with its loop
        self._owned.close()

    def __enter__(self) -> Hooks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> Hooks:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


# -- helpers -------------------------------------------------------------------------------------


@dataclass
class _Call:
    """One decision as it goes: what was asked, what the custom model said, why it did not."""

    role: Role
    prompt: str
    at: datetime
    started: float
    meta: dict[str, Any]
    reason: str = ""
    model: str | None = None
    raw: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    reservation: Reservation | None = None

    def latency_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 3)


@dataclass(frozen=True)
class _Outcome:
    source: Source
    reason: str
    latency_ms: float


class _CallFailed(Exception):
    """A model call that got no usable HTTP answer; the message is the short reason."""


def _request(prompt: str, settings: RoleSettings) -> dict[str, Any]:
    """A chat-completions request for `prompt`, less its model: also what a sample keeps of it,
    as the proxy's samples do."""
    return {
        "messages": [{"role": "user", "content": prompt}],
        "max_tokens": settings.max_tokens,
        "temperature": settings.temperature,
    }


def _body(model: str, prompt: str, settings: RoleSettings) -> dict[str, Any]:
    return {"model": model, **_request(prompt, settings)}


def _chat_url(base_url: str) -> str:
    """Chat completions under an OpenAI-style base (`…/v1`) or a bare host (Together's API root)."""
    base = base_url.rstrip("/")
    return f"{base}/chat/completions" if base.endswith("/v1") else f"{base}/v1/chat/completions"


def _completion(data: Any) -> tuple[str, int, int]:
    """Text and token counts of a chat completion."""
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise _CallFailed("the answer has no choices[0].message") from None
    usage = data.get("usage") or {}
    return str(content or ""), int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)


def _error_detail(response: httpx.Response) -> str:
    """`: <code>` from an OpenAI/Together error body, or nothing."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return ""
    code = error.get("code") or error.get("type") if isinstance(error, dict) else None
    return f" {code}" if isinstance(code, str) and code else ""


def _estimate_tokens(text: str) -> int:
    """About four characters a token: enough to reserve a request's cost before it is known."""
    return max(1, len(text) // 4)


def _upstreams(upstream: Upstream | Mapping[str, Upstream] | None) -> dict[str, Upstream]:
    if upstream is None:
        return {}
    if isinstance(upstream, Upstream):
        return {role: upstream for role in DEFAULT_SETTINGS}
    return dict(upstream)


def manifest_upstreams(manifest: Manifest) -> dict[str, Upstream]:
    """The proxy's OpenAI upstream as each role's fallback, under the model name that
    `proxy.model_map` maps to the role (the model the agent asked for before the role existed)."""
    proxy = manifest.proxy
    if proxy.openai_upstream is None:
        return {}
    upstreams: dict[str, Upstream] = {}
    for model, role in proxy.model_map.items():
        upstreams.setdefault(
            role.replace("-", "_"),
            Upstream(base_url=proxy.openai_upstream, model=model, api_key_env=proxy.openai_api_key_env),
        )
    return upstreams


def _open_store(manifest: Manifest) -> Store:
    from controlplane.project import store_url

    return open_store(store_url(manifest), manifest.path("."))


class _BackgroundLoop:
    """An event loop on a thread of its own, for the sync wrappers."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="reasoning-hooks", daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


__all__ = [
    "DEFAULT_SETTINGS",
    "Actions",
    "Context",
    "FallbackFailed",
    "Hooks",
    "NoFallback",
    "PlanDecision",
    "RoleSettings",
    "ShouldRespondDecision",
    "State",
    "Upstream",
    "plan_prompt",
    "render_message_handler",
    "render_should_respond",
    "should_respond_prompt",
]
