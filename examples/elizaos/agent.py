"""An ElizaOS agent (the `elizaos` Python runtime, 2.0.0a5) whose should-respond and planning
decisions come from the models in reasoning.yaml.

    reasoning apply --auto-approve                       # the quickstart, on the simulator
    python examples/elizaos/agent.py "Hi Eliza, how are you?" "Bob, lunch at noon"

Each message goes through the runtime's message service. The reasoning plugin gates it with the
should-respond model and, when the answer is RESPOND, the runtime plans the reply with the
planning model. When a role cannot answer (stopped, over budget, slow, failing), the agent's own
models decide instead: here `local_models`, a stand-in that needs no network; with `--openai`,
ElizaOS's OpenAI plugin (`pip install elizaos-plugin-openai`, `OPENAI_API_KEY`, and
`OPENAI_BASE_URL` if it should go through `reasoning proxy serve`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# elizaos configures the root logger when it is imported, at INFO unless LOG_LEVEL says otherwise.
os.environ.setdefault("LOG_LEVEL", "WARNING")

from elizaos import Character, Content, Memory, ModelType, Plugin
from elizaos.runtime import AgentRuntime

from runtime.elizaos import PLAN_EVENT, SHOULD_RESPOND_EVENT, reasoning_plugin
from runtime.hooks import Hooks, PlanDecision, ShouldRespondDecision


async def _small(runtime: Any, params: dict[str, Any]) -> str:
    said = str(params.get("prompt", "")).split("# Current Message\n")[-1].split("\n")[0]
    return (
        "<response><name>Eliza</name><reasoning>The local model answers everyone.</reasoning>"
        f"<action>RESPOND</action></response><!-- heard: {said} -->"
    )


async def _large(runtime: Any, params: dict[str, Any]) -> str:
    said = str(params.get("prompt", "")).split("# Current Message\n")[-1].split("\n")[0]
    return (
        "<response><thought>Answer with the local model.</thought><actions>REPLY</actions>"
        f"<providers></providers><text>(local model) You said: {said}</text></response>"
    )


#: Stands in for the models the agent used before reasoning (elizaos-plugin-openai, say): the
#: fallback when a custom model cannot answer.
local_models = Plugin(
    name="local-models",
    description="Offline stand-in for the agent's original models",
    models={ModelType.TEXT_SMALL: _small, ModelType.TEXT_LARGE: _large},
)


@dataclass
class Turn:
    message: str
    responded: bool
    text: str | None
    gate: ShouldRespondDecision | None
    plan: PlanDecision | None


async def converse(hooks: Hooks, messages: Sequence[str], *, models: Plugin | None = local_models) -> list[Turn]:
    """Send `messages` to the agent, one by one, in a group room; what it did with each."""
    decisions: dict[str, Any] = {}

    async def seen(payload: dict[str, Any]) -> None:
        decisions[payload["decision"].__class__.__name__] = payload["decision"]

    watcher = Plugin(
        name="decision-log",
        description="Keeps the reasoning plugin's decisions for the transcript",
        events={SHOULD_RESPOND_EVENT: [seen], PLAN_EVENT: [seen]},
    )
    plugins = [p for p in (models, reasoning_plugin(hooks), watcher) if p is not None]
    runtime = AgentRuntime(
        character=Character(name="Eliza", bio=["A helpful AI assistant."]), plugins=plugins, log_level="ERROR"
    )
    await runtime.initialize()
    user, room = str(uuid.uuid4()), str(uuid.uuid4())
    turns = []
    try:
        for text in messages:
            decisions.clear()
            memory = Memory(
                entity_id=user, room_id=room, content=Content(text=text, source="example", channel_type="GROUP")
            )
            result = await runtime.message_service.handle_message(runtime, memory)
            content = result.response_content
            turns.append(
                Turn(
                    message=text,
                    responded=result.did_respond,
                    text=content.text if content is not None else None,
                    gate=decisions.get("ShouldRespondDecision"),
                    plan=decisions.get("PlanDecision"),
                )
            )
    finally:
        await runtime.stop()
    return turns


def show(turns: Sequence[Turn]) -> str:
    lines = []
    for turn in turns:
        lines.append(f"> {turn.message}")
        if turn.gate is not None:
            lines.append(f"  should_respond: {turn.gate.decision} ({turn.gate.source}: {turn.gate.reason})")
        if turn.plan is not None:
            lines.append(f"  plan: {','.join(turn.plan.actions)} ({turn.plan.source}: {turn.plan.reason})")
        lines.append(f"  Eliza: {turn.text}" if turn.responded else "  (Eliza stays quiet)")
    return "\n".join(lines)


async def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("messages", nargs="*", default=["Hi Eliza, how are you?", "Bob, lunch at noon"])
    parser.add_argument("-f", "--file", type=Path, default=Path("reasoning.yaml"), help="the manifest")
    parser.add_argument("--openai", action="store_true", help="fall back to elizaos-plugin-openai")
    args = parser.parse_args(argv)
    models = local_models
    if args.openai:
        from elizaos_plugin_openai import get_openai_plugin  # type: ignore[import-not-found]

        models = get_openai_plugin()
    async with Hooks.from_file(args.file, agent_name="Eliza") as hooks:
        print(show(await converse(hooks, args.messages, models=models)))


if __name__ == "__main__":
    asyncio.run(main())
