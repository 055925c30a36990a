"""The custom decision models inside the `elizaos` Python runtime (2.0.0a5): a plugin.

Where this sits: an agent built on `elizaos.AgentRuntime` adds `reasoning_plugin(hooks)` to its
plugins, `hooks` being a `runtime.hooks.Hooks` for its `reasoning.yaml`. Then, for every message:

1. **Gate.** 2.0.0a5's `DefaultMessageService` has no should-respond step (it only logs the
   setting), so the plugin installs `GatedMessageService`, a subclass of it with the step ElizaOS's
   TS core has. It composes the state, renders ElizaOS's SHOULD_RESPOND_TEMPLATE from it and asks
   the should-respond model (`Hooks.decide_should_respond`).
   IGNORE and STOP end the turn with `did_respond=False`; RESPOND goes on to the runtime's own
   flow. As in ElizaOS's TS core, DMs, self, voice DMs and API channels always get an answer.
2. **Plan.** The runtime plans with TEXT_LARGE on its message-handler prompt. The plugin's
   TEXT_LARGE handler, registered above every other, sends that prompt to the planning model
   (`Hooks.decide_plan`) and hands back its answer as clean `<response>` XML; any other TEXT_LARGE
   prompt goes to the handler that would have answered without the plugin.
3. **The message itself.** The runtime leaves the user's message out of both prompts (its
   RECENT_MESSAGES finds nothing without a working database). The plugin adds a CURRENT_MESSAGE
   provider, last in the state, so both models see what they decide on.

Fallback, when the custom model cannot answer, is the model the agent had before: the runtime's
TEXT_SMALL for the gate, the next TEXT_LARGE handler for planning (or the hooks' upstream). A gate
with no fallback, or whose fallback fails too, lets the message through: the runtime answers every
message without one, and the plugin must not make the agent answer less.

The runtime checks planning answers for echoed validation codes unless `VALIDATION_LEVEL` is
`trusted` or `fast` (§7.5); a fine-tuned model answers the template's format, without them. The
plugin sets `trusted` when the agent has not chosen a level, and warns when it has chosen a
stricter one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar

try:
    from elizaos import Memory, ModelType, Plugin, Provider, ProviderResult, Service, State
    from elizaos.runtime import AgentRuntime
    from elizaos.services.message_service import DefaultMessageService, HandlerCallback, MessageProcessingResult
    from elizaos.types.runtime import IAgentRuntime
except ImportError as missing:  # pragma: no cover - depends on the environment
    raise ImportError("runtime.elizaos needs the elizaos runtime: pip install 'reasoning-gitops[elizaos]'") from missing

from runtime.hooks import Hooks, PlanDecision, ShouldRespondDecision, current_message, render_should_respond
from runtime.parse import ShouldRespondAnswer

log = logging.getLogger(__name__)

PLUGIN_NAME = "reasoning"
#: Above any plugin's default 0: `use_model` picks the highest priority.
PRIORITY = 1000
#: After every provider of the bootstrap plugin (RECENT_MESSAGES is at 100): the message is last.
CURRENT_MESSAGE_POSITION = 10_000
#: Channels ElizaOS's TS core answers without asking the should-respond model.
ALWAYS_RESPOND_CHANNELS: tuple[str, ...] = ("DM", "VOICE_DM", "SELF", "API")
#: Events emitted with each decision: {"runtime", "message", "decision"} for the gate,
#: {"runtime", "decision"} for the plan (TEXT_LARGE is not told which message it plans for).
SHOULD_RESPOND_EVENT = "REASONING_SHOULD_RESPOND"
PLAN_EVENT = "REASONING_PLAN"

_PLANNING_MARKERS = (
    "<task>Generate dialog and actions for the character",  # MESSAGE_HANDLER_TEMPLATE
    "<actions>List of actions to take (comma-separated)</actions>",  # the message service's schema
)

ModelHandler = Callable[[IAgentRuntime, dict[str, Any]], Awaitable[Any]]


class ReasoningService(Service):
    """`runtime.get_service("reasoning").hooks`: the hooks, for actions and other plugins."""

    service_type: ClassVar[str] = PLUGIN_NAME
    bound_hooks: ClassVar[Hooks | None] = None

    def __init__(self, runtime: IAgentRuntime | None = None, hooks: Hooks | None = None) -> None:
        super().__init__(runtime)
        if hooks is None:
            raise ValueError("ReasoningService needs hooks: register it through reasoning_plugin(hooks)")
        self.hooks = hooks

    @property
    def capability_description(self) -> str:
        return "Fine-tuned should-respond and planning models, with fallback and training-data recording"

    @classmethod
    async def start(cls, runtime: IAgentRuntime) -> ReasoningService:
        return cls(runtime, cls.bound_hooks)

    async def stop(self) -> None:
        # The hooks belong to whoever made them (they may serve several runtimes): not closed here.
        return None


class GatedMessageService(DefaultMessageService):
    """DefaultMessageService with the should-respond step ElizaOS's TS core has."""

    def __init__(self, hooks: Hooks, *, always_respond_channels: Sequence[str] = ALWAYS_RESPOND_CHANNELS) -> None:
        super().__init__()
        self.hooks = hooks
        self.always_respond_channels = tuple(always_respond_channels)

    async def handle_message(
        self, runtime: IAgentRuntime, message: Memory, callback: HandlerCallback | None = None
    ) -> MessageProcessingResult:
        # The runtime caches the state per room, so a second message in a room would be decided
        # (and planned) on the first one's state: compose it afresh for each message.
        runtime.state_cache.pop(str(message.room_id), None)
        if runtime.is_check_should_respond_enabled() and not self.always_responds(message):
            state = await runtime.compose_state(message)
            try:
                decision = await self.should_respond(runtime, message, state)
            except Exception as error:
                # The custom model and the fallback both failed (the hooks recorded it). Without
                # the gate the runtime answers every message: so does a gate that cannot decide.
                runtime.logger.warning(f"should_respond could not decide ({error}); responding")
            else:
                if decision.decision != "RESPOND":
                    return MessageProcessingResult(did_respond=False, response_content=None, state=state)
        result: MessageProcessingResult = await super().handle_message(runtime, message, callback)
        return result

    def always_responds(self, message: Memory) -> bool:
        content = message.content
        channel = content.channel_type if content is not None else ""
        source = content.source if content is not None else ""
        return channel in self.always_respond_channels or "client_chat" in (source or "")

    async def should_respond(self, runtime: IAgentRuntime, message: Memory, state: State) -> ShouldRespondDecision:
        prompt = render_should_respond(runtime.character.name, state.text or "")
        decision = await self.hooks.decide_should_respond(
            prompt, fallback=self._fallback(runtime), meta=_meta(runtime, message)
        )
        await runtime.emit_event(SHOULD_RESPOND_EVENT, {"runtime": runtime, "message": message, "decision": decision})
        return decision

    def _fallback(self, runtime: IAgentRuntime) -> Callable[[str], Awaitable[str | ShouldRespondAnswer]] | None:
        """The agent's own small model; else the hooks' fallback; else respond, as without a gate."""
        if runtime.has_model(ModelType.TEXT_SMALL):

            async def small_model(prompt: str) -> str:
                return str(await runtime.use_model(ModelType.TEXT_SMALL, {"prompt": prompt}))

            return small_model
        if self.hooks.has_upstream("should_respond"):
            return None

        async def respond(prompt: str) -> ShouldRespondAnswer:
            return ShouldRespondAnswer(decision="RESPOND", reasoning="no TEXT_SMALL model: the runtime responds")

        return respond


def reasoning_plugin(
    hooks: Hooks,
    *,
    priority: int = PRIORITY,
    always_respond_channels: Sequence[str] = ALWAYS_RESPOND_CHANNELS,
) -> Plugin:
    """The plugin: gate, planning model and CURRENT_MESSAGE provider, all answering through `hooks`."""

    async def text_large(runtime: IAgentRuntime, params: dict[str, Any]) -> str:
        prompt = str(params.get("prompt") or "")
        below = _next_handler(runtime, ModelType.TEXT_LARGE.value)
        if not any(marker in prompt for marker in _PLANNING_MARKERS):
            # Replies, summaries, parameter repair...: not what the planning model was trained on.
            if below is None:
                raise RuntimeError("no TEXT_LARGE model besides the planning model, which answers only planning")
            return str(await below(runtime, params))
        fallback = None
        if below is not None:

            async def fallback(_: str) -> str:
                assert below is not None
                return str(await below(runtime, params))

        decision: PlanDecision = await hooks.decide_plan(prompt, fallback=fallback, meta=_run_meta(runtime))
        await runtime.emit_event(PLAN_EVENT, {"runtime": runtime, "decision": decision})
        return decision.answer().to_xml()

    async def current(runtime: IAgentRuntime, message: Memory, state: State) -> ProviderResult:
        text = message.content.text if message.content is not None else ""
        if not text:
            return ProviderResult(text="")
        return ProviderResult(text=current_message(text, await _sender(runtime, message)))

    async def init(config: dict[str, Any], runtime: IAgentRuntime) -> None:
        runtime.register_model(ModelType.TEXT_LARGE, text_large, provider=PLUGIN_NAME, priority=priority)
        level = runtime.get_setting("VALIDATION_LEVEL")
        if level is None:
            runtime.set_setting("VALIDATION_LEVEL", "trusted")
        elif str(level).lower() not in ("trusted", "fast"):
            runtime.logger.warning(
                f"VALIDATION_LEVEL={level}: the runtime will reject planning answers that do not echo its "
                "validation codes; a fine-tuned planning model does not. Set VALIDATION_LEVEL=trusted."
            )
        service = runtime.message_service
        if type(service) is DefaultMessageService and isinstance(runtime, AgentRuntime):
            # 2.0.0a5 has no setter for the message service; this is what it caches the default in.
            runtime._message_service = GatedMessageService(hooks, always_respond_channels=always_respond_channels)
        elif not isinstance(service, GatedMessageService):
            runtime.logger.warning(
                f"{type(service).__name__} is not DefaultMessageService: messages are not gated by "
                "should_respond; derive it from runtime.elizaos.GatedMessageService to gate them"
            )

    service = type("BoundReasoningService", (ReasoningService,), {"bound_hooks": hooks})
    return Plugin(
        name=PLUGIN_NAME,
        description="Fine-tuned should-respond and planning models from reasoning.yaml",
        init=init,
        services=[service],
        providers=[
            Provider(
                name="CURRENT_MESSAGE",
                description="The message being answered, as the last provider",
                get=current,
                position=CURRENT_MESSAGE_POSITION,
            )
        ],
    )


def _next_handler(runtime: IAgentRuntime, model_type: str) -> ModelHandler | None:
    """The handler that answers `model_type` when the plugin's does not: the highest priority of
    the others. 2.0.0a5 has no public listing of handlers, hence `_models`."""
    handlers = [h for h in getattr(runtime, "_models", {}).get(model_type, []) if h.provider != PLUGIN_NAME]
    if not handlers:
        return None
    best: ModelHandler = max(handlers, key=lambda h: h.priority).handler
    return best


async def _sender(runtime: IAgentRuntime, message: Memory) -> str:
    """The sender's name when the database knows the entity, else "User"."""
    try:
        entity = await runtime.get_entity_by_id(message.entity_id)
    except Exception:  # an adapter that cannot look it up: the name is a nicety
        log.debug("elizaos: the sender's entity could not be looked up; using 'User'", exc_info=True)
        return "User"
    names = list(getattr(entity, "names", []) or [])
    return str(names[0]) if names else "User"


def _meta(runtime: IAgentRuntime, message: Memory) -> dict[str, Any]:
    content = message.content
    return {
        **_run_meta(runtime),
        "room_id": str(message.room_id),
        "message_id": str(message.id) if message.id else None,
        "channel": content.channel_type if content is not None else None,
        "source": content.source if content is not None else None,
    }


def _run_meta(runtime: IAgentRuntime) -> dict[str, Any]:
    return {"agent_id": str(runtime.agent_id), "agent": runtime.character.name, "via": "elizaos"}


__all__ = [
    "ALWAYS_RESPOND_CHANNELS",
    "PLAN_EVENT",
    "PLUGIN_NAME",
    "SHOULD_RESPOND_EVENT",
    "GatedMessageService",
    "ReasoningService",
    "reasoning_plugin",
]
