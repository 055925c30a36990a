"""Decision hooks for Python agents: `should_respond()` and `plan()`, answered by the custom models.

An agent asks, for each message, "should I respond?" and then "what do I do and say?". `Hooks`
renders ElizaOS's own prompts for those questions (`templates/should_respond.<runtime>.j2`,
`templates/message_handler.<runtime>.j2`: the Python 2.0.0a5 or the TypeScript 1.7.x runtime's),
asks the manifest's `should_respond` / `planning` role through the
runtime's gate (Together's OpenAI-compatible chat completions), and reads the answer with
`runtime.parse`. A role that is stopped or disabled, over budget, behind an open circuit, slower
than its timeout, erroring, or answering something unparseable is skipped, and the caller's own
function, or else a configured OpenAI-compatible upstream model, decides instead. Every decision
leaves its usage and a training sample with the recorder.

    hooks       Hooks: the decisions, sync and async (`decide_*` take an already rendered prompt,
                as the `elizaos` plugin does)
    prompts     the templates, filled
    types       what callers give (context, state, actions, fallbacks, upstreams) and get back
    upstreams   the fallback upstreams: given, or the manifest's `proxy.openai_upstream`
"""

from runtime.errors import FallbackFailed, NoFallback
from runtime.hooks.hooks import Hooks
from runtime.hooks.prompts import (
    DEFAULT_RUNTIME,
    RUNTIMES,
    ElizaRuntime,
    current_message,
    plan_prompt,
    render_message_handler,
    render_should_respond,
    should_respond_prompt,
)
from runtime.hooks.types import (
    DEFAULT_SETTINGS,
    Actions,
    AgentState,
    Context,
    PlanDecision,
    RoleSettings,
    ShouldRespondDecision,
    Upstream,
)
from runtime.hooks.upstreams import manifest_upstreams

__all__ = [
    "DEFAULT_RUNTIME",
    "DEFAULT_SETTINGS",
    "RUNTIMES",
    "Actions",
    "AgentState",
    "Context",
    "ElizaRuntime",
    "FallbackFailed",
    "Hooks",
    "NoFallback",
    "PlanDecision",
    "RoleSettings",
    "ShouldRespondDecision",
    "Upstream",
    "current_message",
    "manifest_upstreams",
    "plan_prompt",
    "render_message_handler",
    "render_should_respond",
    "should_respond_prompt",
]
