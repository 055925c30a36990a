"""The prompts a Python ElizaOS agent (`elizaos` 2.0.0a5) really sends, composed by the package itself.

`compose(manifest_path)` runs a real `AgentRuntime` with reasoning's plugin (`runtime.elizaos`), in a
GROUP room, on the messages of the TS agent's run (`agent.MESSAGES`), with every role of the
manifest not yet applied: so each decision falls back to the agent's own TEXT_SMALL / TEXT_LARGE,
a recording plugin here, which receives the prompt exactly as the runtime and the plugin composed
it. Offline: no model, no network. `REASONING_CAPTURE_PROMPTS=1` makes
tests/clients/test_elizaos_python.py rewrite prompts/py-2.0.0a5/ from a new run.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.clients.agent import MESSAGES

os.environ.setdefault("LOG_LEVEL", "WARNING")  # elizaos configures the root logger on import

SHOULD_RESPOND = "<task>Decide on behalf of"
MESSAGE_HANDLER = "<task>Generate dialog and actions"  # after 2.0.0a5's "initial code: ..." line


@dataclass
class Composed:
    """Each model call's type and prompt, with the message that caused it."""

    calls: list[tuple[str, str, str]] = field(default_factory=list)  # (message, model type, prompt)

    def prompts(self, message: str, kind: str) -> list[str]:
        """The prompts of `kind` (a template's first words, in its first lines) `message` caused."""
        return [prompt for said, _, prompt in self.calls if said == message and kind in prompt[:200]]


async def _compose(manifest_path: Path) -> Composed:
    from elizaos import Character, Content, Memory, ModelType, Plugin
    from elizaos.runtime import AgentRuntime

    from runtime.elizaos import reasoning_plugin
    from runtime.hooks import Hooks

    composed = Composed()
    current = {"message": ""}

    async def small(runtime: Any, params: dict[str, Any]) -> str:
        composed.calls.append((current["message"], "TEXT_SMALL", str(params.get("prompt"))))
        return "<response><name>Eliza</name><reasoning>recorded</reasoning><action>RESPOND</action></response>"

    async def large(runtime: Any, params: dict[str, Any]) -> str:
        composed.calls.append((current["message"], "TEXT_LARGE", str(params.get("prompt"))))
        return (
            "<response><thought>recorded</thought><actions>REPLY</actions>"
            "<providers></providers><text>ok</text></response>"
        )

    recording = Plugin(
        name="recording-models",
        description="Records each prompt",
        models={ModelType.TEXT_SMALL: small, ModelType.TEXT_LARGE: large},
    )
    async with Hooks.from_file(manifest_path, agent_name="Eliza") as hooks:
        runtime = AgentRuntime(
            character=Character(name="Eliza", bio=["Eliza is a helpful member of the group chat."]),
            plugins=[recording, reasoning_plugin(hooks)],
            log_level="ERROR",
        )
        await runtime.initialize()
        user, room = str(uuid.uuid4()), str(uuid.uuid4())
        try:
            for message in MESSAGES:
                current["message"] = message["text"]
                memory = Memory(
                    entity_id=user,
                    room_id=room,
                    content=Content(text=message["text"], source="test", channel_type="GROUP"),
                )
                await runtime.message_service.handle_message(runtime, memory)
        finally:
            await runtime.stop()
    return composed


def compose(manifest_path: Path) -> Composed:
    return asyncio.run(_compose(manifest_path))
