"""What the stand-in upstreams "say": a deterministic model that answers the prompts real clients
send the way a capable real model would, so a client that checks its answers keeps going.

It is the text side of `tests/clients/standins.py` (which speaks the HTTP of each API): ElizaOS's
should-respond and message-handler templates get their XML (judging the message under
`# Received Message`), bootstrap's reflection gets facts and relationships that parse, a JSON
request (a schema, JSON mode, or a prompt that asks for valid JSON only) gets JSON, a forced or
named tool is called, requested thinking is given, and anything else is echoed as
"Upstream says: ...". Every answer says "Upstream" so a test can tell it from a custom model's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

UPSTREAM = "Upstream says: "


@dataclass(frozen=True)
class Tool:
    name: str
    schema: dict[str, Any]


@dataclass(frozen=True)
class Ask:
    """What a request asks of the model, whichever API carried it."""

    prompt: str  # the last user turn's text
    system: str = ""
    tools: tuple[Tool, ...] = ()
    forced_tool: str | None = None  # a tool the request forces ("any"/"required": the first)
    after_tool_result: bool = False  # the last turn carries a tool's result
    json_schema: dict[str, Any] | None = None
    json_mode: bool = False
    thinking: bool = False


@dataclass(frozen=True)
class Reply:
    text: str
    tool: tuple[str, dict[str, Any]] | None = None
    thinking: str | None = None


def reply(ask: Ask) -> Reply:
    thinking = f"Upstream thought about: {_snippet(ask.prompt)}" if ask.thinking else None
    tool = None if ask.after_tool_result else _tool_to_call(ask)
    if tool is not None:
        return Reply(f"I will call {tool.name}.", (tool.name, placeholder(tool.schema)), thinking)
    if ask.json_schema is not None:
        return Reply(json.dumps(placeholder(ask.json_schema)), None, thinking)
    if ask.json_mode or "valid json only" in ask.system.lower():
        return Reply(json.dumps(_json_answer(ask.prompt)), None, thinking)
    return Reply(_text(ask.prompt), None, thinking)


def placeholder(schema: dict[str, Any]) -> Any:
    """A value that validates against a (simple) JSON schema: every property, not only the required."""
    kind = schema.get("type", "object")
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        return placeholder(schema["anyOf"][0])
    if kind == "object":
        return {name: placeholder(spec) for name, spec in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [placeholder(schema.get("items") or {"type": "string"})]
    return {"string": "example", "integer": 1, "number": 1.0, "boolean": True, "null": None}.get(str(kind), "example")


def _tool_to_call(ask: Ask) -> Tool | None:
    if ask.forced_tool is not None:
        return next((t for t in ask.tools if t.name == ask.forced_tool), ask.tools[0] if ask.tools else None)
    said = ask.prompt.lower()
    return next((t for t in ask.tools if t.name.lower() in said or t.name.lower().replace("_", " ") in said), None)


# -- ElizaOS's prompts, as a real model would answer them ---------------------------------------


def _text(prompt: str) -> str:
    agent = _agent(prompt)
    if prompt.startswith("<task>Decide on behalf of"):
        return _should_respond(agent, _received(prompt))
    if prompt.startswith("<task>Generate dialog and actions"):
        said = _received(prompt)
        return (
            f"<response>\n<thought>{agent} answers the message.</thought>\n<actions>REPLY</actions>\n"
            f"<providers></providers>\n<text>{_xml(UPSTREAM + _snippet(said))}</text>\n</response>"
        )
    if prompt.startswith("# Task: Generate Agent Reflection"):
        return _reflection(prompt)
    return UPSTREAM + _snippet(prompt)


def _agent(prompt: str) -> str:
    for pattern in (r"on behalf of (\S+) whether", r"for the character (\S+?)\.", r"Agent Name: (\S+)"):
        found = re.search(pattern, prompt)
        if found:
            return found.group(1)
    return "the agent"


def _received(prompt: str) -> str:
    """The message being answered: TS 1.7's `# Received Message` block, else the last line."""
    found = re.search(r"# Received Message\n(.+)", prompt)
    if found:
        return found.group(1).strip()
    providers = re.search(r"<providers>(.*?)</providers>", prompt, re.DOTALL)
    lines = [line.strip() for line in (providers.group(1) if providers else prompt).splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _should_respond(agent: str, said: str) -> str:
    message = said.split(":", 1)[-1].lower()
    if agent.lower() in message and ("stop" in message or "be quiet" in message):
        action = "STOP"
    elif agent.lower() in message:
        action = "RESPOND"
    else:
        action = "IGNORE"
    return (
        f"<response>\n<name>{agent}</name>\n<reasoning>Upstream judged: {_xml(_snippet(said))}</reasoning>\n"
        f"<action>{action}</action>\n</response>"
    )


def _reflection(prompt: str) -> str:
    """Bootstrap's reflection evaluator: one new fact, one relationship between two real entities
    (ids the evaluator resolves, so it logs no warning)."""
    sender = re.search(r"Message Sender: *(.*?) *\(ID: ([0-9a-f-]{36})\)", prompt)
    found = re.search(r"# Entities in Room\n(\[.*?\])\n", prompt, re.DOTALL)
    entities = {entity["id"]: entity.get("name") or "" for entity in json.loads(found.group(1))} if found else {}
    source = sender.group(2) if sender else next(iter(entities), "")
    target = next((i for i in entities if i != source), source)
    name = (sender.group(1) if sender else "") or entities.get(source) or "someone"
    return (
        "<response>\n<thought>Upstream reflected on the conversation.</thought>\n<facts>\n<fact>\n"
        f"<claim>{_xml(name)} spoke in the room</claim>\n<type>fact</type>\n<in_bio>false</in_bio>\n"
        "<already_known>false</already_known>\n</fact>\n</facts>\n<relationships>\n<relationship>\n"
        f"<sourceEntityId>{source}</sourceEntityId>\n<targetEntityId>{target}</targetEntityId>\n"
        "<tags>group_interaction</tags>\n</relationship>\n</relationships>\n</response>"
    )


def _json_answer(prompt: str) -> dict[str, Any]:
    if prompt.startswith("# Task: Generate Agent Reflection"):
        return {"thought": "Upstream reflected on the conversation.", "facts": [], "relationships": []}
    return {"answer": UPSTREAM + _snippet(prompt)}


def _snippet(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
