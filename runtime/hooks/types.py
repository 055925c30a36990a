"""What the hooks' callers give and get back: decisions, fallbacks, upstreams, per-role settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from controlplane.values import Source, Value
from runtime.parse import PlanAnswer, ShouldRespondAnswer, Verdict

#: The roles the hooks ask.
Role = Literal["should_respond", "planning"]


# -- what callers get back -----------------------------------------------------------------------


class ShouldRespondDecision(Value):
    decision: Verdict
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


# -- what callers may give -----------------------------------------------------------------------

#: What came before the message: the providers text verbatim, or prior turns as "Name: text"
#: strings or (name, text) pairs.
Context = str | Sequence[str | tuple[str, str]]
#: The agent's state: providers text verbatim, or provider name -> value.
AgentState = str | Mapping[str, object]
#: Action names, or name -> description.
Actions = Sequence[str] | Mapping[str, str]

A = TypeVar("A", ShouldRespondAnswer, PlanAnswer)
#: A fallback, sync or async, answers with the model's raw text (parsed like the custom model's)
#: or a decision it made itself.
ShouldRespondFallback = Callable[[str, Context], Awaitable[str | ShouldRespondAnswer] | str | ShouldRespondAnswer]
PlanFallback = Callable[[str, AgentState, Actions], Awaitable[str | PlanAnswer] | str | PlanAnswer]
PromptFallback = Callable[[str], Awaitable[str | A] | str | A]


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
    """How a role's model is called; the defaults are the original ElizaOS service's."""

    max_tokens: int
    temperature: float
    timeout_seconds: float


DEFAULT_SETTINGS: dict[str, RoleSettings] = {
    "should_respond": RoleSettings(max_tokens=512, temperature=0.1, timeout_seconds=5.0),
    "planning": RoleSettings(max_tokens=2048, temperature=0.3, timeout_seconds=30.0),
}
