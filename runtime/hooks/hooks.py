"""`Hooks`: one decision at a time, through the gate to the role's custom model, else the fallback.

    prompt ─► gate.admit (availability · budget · circuit) ─► chat completion ─► parse ─► decision
                 │ declined                  slow · error · unparseable │
                 └──────────────────────────────────────────────────────┴─► fallback (caller's
                                                                             function, or upstream)
              usage + sample ─► gate (settled with the reservation) or recorder

The hooks' part is the transport (a whole chat completion over the runtime's model client, on a
loop of their own where its connection pool lives) and the format (the prompt as one user message,
the answer parsed by `runtime.parse`); what the gate decides and settles is the proxy's too.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from concurrent.futures import Future
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from controlplane import clock
from controlplane.manifest import Manifest, load
from controlplane.store import Store
from controlplane.values import Outcome, Sample, Source, Usage
from runtime.availability import Availability
from runtime.budget import BudgetGuard
from runtime.errors import FallbackFailed, ModelCallFailed, NoFallback, ParseError
from runtime.gate import Admission, Declined
from runtime.hooks.prompts import DEFAULT_RUNTIME, ElizaRuntime, checked_runtime, plan_prompt, should_respond_prompt
from runtime.hooks.types import (
    DEFAULT_SETTINGS,
    A,
    Actions,
    AgentState,
    Context,
    PlanDecision,
    PlanFallback,
    PromptFallback,
    Role,
    RoleSettings,
    ShouldRespondDecision,
    ShouldRespondFallback,
    Upstream,
)
from runtime.hooks.upstreams import manifest_upstreams, upstream_headers, upstream_url, upstreams_given
from runtime.model_client import ModelClient
from runtime.parse import PlanAnswer, ShouldRespondAnswer, parse_plan, parse_should_respond
from runtime.recorder import Recorder
from runtime.services import RuntimeServices
from runtime.target import InferenceTarget
from runtime.tokens import estimate_input_tokens

T = TypeVar("T")
_Thunk = Callable[[], Awaitable[str | A] | str | A]


class Hooks:
    """`Hooks(manifest)` or `Hooks.from_file("reasoning.yaml")`; close it (or use `with` /
    `async with`) to stop what it started: the inference target (a simulator child process on the
    simulator provider), the refresher, the recorder (drained), the store.

    `agent_runtime` is the ElizaOS runtime whose templates the prompts are rendered from
    ("python-2.0", the default, or "ts-1.7": `runtime.hooks.prompts`), so the models see what
    that runtime's agents send.

    The collaborators are the proxy's (`runtime.services`), made from the manifest unless given.
    The fallback upstream defaults to the manifest's `proxy.openai_upstream` with, for each role,
    the model name `proxy.model_map` maps to it.
    """

    def __init__(
        self,
        manifest: Manifest,
        store: Store | None = None,
        *,
        agent_name: str = "Agent",
        agent_runtime: ElizaRuntime = DEFAULT_RUNTIME,
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
        self.agent_runtime = checked_runtime(agent_runtime)  # before anything starts: a typo starts nothing
        self.settings = {**DEFAULT_SETTINGS, **(settings or {})}
        self._upstreams = upstreams_given(upstream) if upstream is not None else manifest_upstreams(manifest)
        self._should_respond_fallback = should_respond_fallback
        self._plan_fallback = plan_fallback
        self.services = RuntimeServices.from_manifest(
            manifest,
            store,
            target=target,
            availability=availability,
            budget=budget,
            recorder=recorder,
            refresh_seconds=refresh_seconds,
        )
        with ExitStack() as undo:
            undo.callback(self.services.close)
            self.services.start()
            undo.pop_all()
        self.client = ModelClient()
        self._loop: _BackgroundLoop | None = None
        self._loop_lock = threading.Lock()

    @classmethod
    def from_file(cls, path: str | Path = "reasoning.yaml", **kwargs: Any) -> Hooks:
        return cls(load(Path(path)), **kwargs)

    @property
    def target(self) -> InferenceTarget:
        return self.services.target

    @property
    def store(self) -> Store:
        return self.services.store

    @property
    def recorder(self) -> Recorder:
        return self.services.recorder

    @property
    def availability(self) -> Availability:
        return self.services.availability

    @property
    def budget(self) -> BudgetGuard:
        return self.services.budget

    def refresh(self) -> None:
        """Read the applied state and the spend now, not at the next background refresh."""
        self.services.refresh()

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
        prompt = should_respond_prompt(
            message, context, agent_name=agent_name or self.agent_name, sender=sender, runtime=self.agent_runtime
        )
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
        state: AgentState = "",
        actions: Actions = ("REPLY", "IGNORE"),
        *,
        agent_name: str | None = None,
        sender: str = "User",
        fallback: PlanFallback | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> PlanDecision:
        """Thought, actions (out of `actions`, in order), providers and text for answering `message`."""
        prompt = plan_prompt(
            message, state, actions, agent_name=agent_name or self.agent_name, sender=sender, runtime=self.agent_runtime
        )
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
        self, message: str, state: AgentState = "", actions: Actions = ("REPLY", "IGNORE"), **kwargs: Any
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
    ) -> tuple[A, _Decided]:
        """Ask the custom model through the gate, else the fallback; record what happened, whatever happens."""
        settings = self.settings[role]
        attempt = _Attempt(role, _request(prompt, settings), clock.now(), clock.monotonic(), dict(meta or {}))
        admitted = await self.services.gate.admit_async(
            role, input_tokens=estimate_input_tokens(attempt.request, "openai"), max_output_tokens=settings.max_tokens
        )
        admission = None
        if isinstance(admitted, Declined):
            attempt.reason = admitted.reason
        else:
            admission = admitted
        try:
            answer = await self._ask_custom(attempt, admission, parse) if admission is not None else None
            if answer is not None:
                latency_ms = self._settle(attempt, admission, "ok", "custom", attempt.raw or answer.to_xml())
                return answer, _Decided("custom", attempt.reason, latency_ms)
            answer, raw = await self._ask_fallback(attempt, parse, fallback)
        except BaseException:
            self._settle(attempt, admission, "error", None, None)
            raise
        latency_ms = self._settle(attempt, admission, "fallback", "fallback", raw)
        return answer, _Decided("fallback", attempt.reason, latency_ms)

    async def _ask_custom(self, attempt: _Attempt, admission: Admission, parse: Callable[[str], A]) -> A | None:
        """The custom model's answer, or None with `attempt.reason` saying why there is none."""
        settings = self.settings[attempt.role]
        target = self.target
        attempt.model = target.model_for(attempt.role)
        try:
            async with asyncio.timeout(settings.timeout_seconds):
                data = await self._own(
                    self.client.complete(target.chat_url, target.headers, {"model": attempt.model, **attempt.request})
                )
            attempt.raw, attempt.input_tokens, attempt.output_tokens = _completion(data)
        except TimeoutError:
            attempt.reason = f"slow: no answer within {settings.timeout_seconds:g} s"
            admission.failed(attempt.reason)
            return None
        except ModelCallFailed as failed:
            attempt.reason = f"error: {failed.reason}"
            admission.failed(attempt.reason, counts=failed.counts_against)
            return None
        attempt.answered = True
        try:
            answer = parse(attempt.raw)
        except ParseError as error:
            attempt.reason = f"unparseable answer: {error.reason}"
            return None
        attempt.reason = f"answered by {attempt.model}"
        return answer

    async def _ask_fallback(
        self, attempt: _Attempt, parse: Callable[[str], A], fallback: _Thunk[A] | None
    ) -> tuple[A, str]:
        """The fallback's answer and its raw text, in the role's format."""
        role, reason = attempt.role, attempt.reason
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
        attempt.fallback_model = upstream.model
        try:
            authorization = upstream_headers(upstream)
            async with asyncio.timeout(upstream.timeout_seconds):
                body = {"model": upstream.model, **attempt.request}
                data = await self._own(self.client.complete(upstream_url(upstream), authorization, body))
            raw = _completion(data)[0]
            return parse(raw), raw
        except (ModelCallFailed, TimeoutError, ParseError) as error:
            why = error.reason if isinstance(error, ParseError | ModelCallFailed) else "no answer in time"
            raise FallbackFailed(
                f"the {role} model could not answer ({reason}), nor could the fallback {upstream.model}: {why}"
            ) from error

    def _settle(
        self, attempt: _Attempt, admission: Admission | None, outcome: Outcome, source: Source | None, raw: str | None
    ) -> float:
        """Usage always; a sample when something answered. Through the admission while it is open
        (the model answered: its reservation settles at the cost, breaker success), else straight
        to the recorder. Returns the latency."""
        role = attempt.role
        cost = admission.cost(attempt.input_tokens, attempt.output_tokens) if admission is not None else 0.0
        latency_ms = round((clock.monotonic() - attempt.started) * 1000, 3)
        usage = Usage(
            project=self.manifest.project,
            role=role,
            at=attempt.at,
            input_tokens=attempt.input_tokens,
            output_tokens=attempt.output_tokens,
            latency_ms=latency_ms,
            cost_usd=cost,
            outcome=outcome,
            reason=None if outcome == "ok" else attempt.reason or "failed",
        )
        sample = None
        if source is not None and raw is not None:
            ids = {
                key: str(attempt.meta[key]) if attempt.meta.get(key) is not None else None
                for key in ("agent_id", "room_id")
            }
            sample = Sample(
                project=self.manifest.project,
                role=role,
                at=attempt.at,
                source=source,
                prompt=attempt.request,
                answer=raw,
                meta={**attempt.meta, "model": attempt.model if source == "custom" else None, "reason": attempt.reason},
                model=self.availability.revision(role) if source == "custom" else attempt.fallback_model,
                outcome=outcome,
                **ids,
            )
        if admission is None or admission.settled:
            self.services.gate.record(usage, sample)
        elif attempt.answered:
            admission.succeeded(usage, sample)
        else:  # the call was cut short (cancelled): not the model's failure
            admission.failed("no outcome", counts=False, spent=usage)
        return latency_ms

    # -- plumbing ------------------------------------------------------------------------------------

    def _background(self) -> _BackgroundLoop:
        """The hooks' own event loop, with the model client's pool opened in it, started on first use."""
        with self._loop_lock:
            if self._loop is None:
                loop = _BackgroundLoop()
                loop.run(self.client.start())
                self._loop = loop
            return self._loop

    async def _own(self, call: Coroutine[Any, Any, T]) -> T:
        # An aiohttp pool belongs to the loop that opened it: every model call runs on the hooks'
        # own loop, whichever loop the caller awaits from (a fallback function stays on the caller's).
        own = self._background()
        if asyncio.get_running_loop() is own.loop:
            return await call
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call, own.loop))

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self._background().run(coroutine)

    async def aclose(self) -> None:
        """`close()` without blocking the caller's loop (the recorder drains)."""
        await asyncio.to_thread(self.close)

    def close(self) -> None:
        with self._loop_lock:
            loop, self._loop = self._loop, None
        if loop is not None:
            loop.run(self.client.close())
            loop.stop()
        self.services.close()

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
class _Attempt:
    """One decision as it goes: what was asked, what the custom model said, why it did not."""

    role: Role
    request: dict[str, Any]  # the chat-completions request, less its model
    at: datetime
    started: float  # clock.monotonic()
    meta: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    model: str | None = None
    fallback_model: str | None = None  # the upstream's model, when it answered (a caller's function has none)
    raw: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    answered: bool = False  # the custom model gave an answer (parseable or not)


@dataclass(frozen=True)
class _Decided:
    source: Source
    reason: str
    latency_ms: float


def _request(prompt: str, settings: RoleSettings) -> dict[str, Any]:
    """A chat-completions request for `prompt`, less its model: also what a sample keeps of it,
    as the proxy's samples do."""
    return {
        "messages": [{"role": "user", "content": prompt}],
        "max_tokens": settings.max_tokens,
        "temperature": settings.temperature,
    }


def _completion(data: Any) -> tuple[str, int, int]:
    """Text and token counts of a chat completion."""
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise ModelCallFailed("the answer has no choices[0].message") from None
    usage = data.get("usage") or {}
    return str(content or ""), int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)


class _BackgroundLoop:
    """An event loop on a thread of its own: the sync wrappers' and the model client's."""

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
