"""What the simulated models say: deterministic chat completions in each role's output format.

`inference` resolves the `model` of `POST /v1/chat/completions` to a running deployment and the role
its names suggest; this module answers, as a pure function of the request. A should-respond model
answers ElizaOS's `<response><name/><reasoning/><action/></response>`, a planning model the
message handler's `<response><thought/><actions/><providers/><text/></response>`, a coding model a
fenced Python block, anything else an echo. What they answer is the message the prompt is about,
found where each ElizaOS runtime puts it (`prompts`). The same request always gets the same answer, so
tests and demos can assert on it. Tokens are whitespace-delimited words: a deterministic stand-in
for a tokenizer that keeps `max_tokens`, `usage` and streaming chunks consistent with each other.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from controlplane.provider.simulator import prompts
from controlplane.provider.simulator.protocol import JSON

Role = Literal["should_respond", "planning", "coding", "chat"]
FinishReason = Literal["stop", "length", "tool_calls"]

_TOKEN = re.compile(r"\s*\S+")
_SNIPPET_CHARS = 80


class _Lenient(BaseModel):
    # OpenAI-style clients send many fields the simulator has no use for; they are ignored.
    model_config = ConfigDict(extra="ignore")


class Message(_Lenient):
    role: str
    content: str | list[dict[str, Any]] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(str(part.get("text", "")) for part in self.content if part.get("type") == "text")
        return self.content or ""


class ToolFunction(_Lenient):
    name: str
    description: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)


class Tool(_Lenient):
    type: str = "function"
    function: ToolFunction


class ChatRequest(_Lenient):
    model: str
    messages: list[Message] = Field(min_length=1)
    max_tokens: int | None = Field(default=None, ge=1)
    stop: str | list[str] | None = None
    stream: bool = False
    tools: list[Tool] | None = None
    tool_choice: str | dict[str, Any] | None = None
    # What routing keeps sticky on, in this order (docs: traffic-routing.md, Stickiness).
    prompt_cache_key: str | None = None
    user: str | None = None


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str

    def wire(self) -> JSON:
        return {
            "index": 0,
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }


@dataclass(frozen=True)
class Answer:
    content: str | None
    tool_call: ToolCall | None
    finish_reason: FinishReason
    prompt_tokens: int
    completion_tokens: int

    def usage(self) -> JSON:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }


def role_for(*names: str) -> Role:
    """The role a deployment plays, guessed from its endpoint's name first, then its model's."""
    for name in names:
        lowered = name.lower()
        if "should" in lowered:
            return "should_respond"
        if "plan" in lowered:
            return "planning"
        if "cod" in lowered:
            return "coding"
    return "chat"


def answer(request: ChatRequest, role: Role, served_by: str) -> Answer:
    """The whole answer of the model `served_by` (a name for the echo) playing `role`."""
    prompt_tokens = max(1, sum(len(_TOKEN.findall(m.text)) for m in request.messages))
    tool = _tool_to_call(request)
    if tool is not None:
        call = ToolCall(
            id="call_" + _digest(tool.function.name, request.messages[-1].text)[:24],
            name=tool.function.name,
            arguments=json.dumps(_placeholder_arguments(tool.function.parameters)),
        )
        tokens = len(_TOKEN.findall(f"{call.name} {call.arguments}"))
        return Answer(None, call, "tool_calls", prompt_tokens, tokens)
    text, finish = _limit(_compose(request, role, served_by), request)
    return Answer(text, None, finish, prompt_tokens, max(1, len(_TOKEN.findall(text))))


def completion(request: ChatRequest, result: Answer, completion_id: str, created: int) -> JSON:
    message: JSON = {
        "role": "assistant",
        "content": result.content,
        "tool_calls": [result.tool_call.wire()] if result.tool_call else [],
    }
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": request.model,
        "prompt": [],
        "choices": [
            {"index": 0, "message": message, "finish_reason": result.finish_reason, "seed": None, "logprobs": None}
        ],
        "usage": result.usage(),
    }


def stream(request: ChatRequest, result: Answer, completion_id: str, created: int) -> Iterator[bytes]:
    """Server-sent events: one chunk per token (or the tool call), a final chunk with usage, [DONE]."""

    def chunk(delta: JSON, finish_reason: str | None = None, usage: JSON | None = None) -> bytes:
        # Together's ChoiceDelta requires `role` on every delta, not only the first.
        body = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": request.model,
            "system_fingerprint": None,
            "choices": [
                {
                    "index": 0,
                    "text": delta.get("content") or "",
                    "delta": {"role": "assistant", **delta},
                    "finish_reason": finish_reason,
                    "seed": None,
                    "logprobs": None,
                }
            ],
            "usage": usage,
        }
        return b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"

    if result.tool_call is not None:
        yield chunk({"content": None, "tool_calls": [result.tool_call.wire()]})
    else:
        for token_id, piece in enumerate(_TOKEN.findall(result.content or "")):
            yield chunk({"content": piece, "token_id": token_id, "tool_calls": None})
    yield chunk({"content": ""}, result.finish_reason, result.usage())
    yield b"data: [DONE]\n\n"


# -- composing the answer ----------------------------------------------------------------------


def _compose(request: ChatRequest, role: Role, served_by: str) -> str:
    whole = "\n".join(m.text for m in request.messages)  # the name may be in a system turn
    said = prompts.latest_message(_user_turn(request))
    if role == "should_respond":
        return _should_respond(prompts.agent_name(whole), said, prompts.participants(whole))
    if role == "planning":
        return _planning(prompts.agent_name(whole), said.line)
    if role == "coding":
        return _coding(said.text)
    return f"Simulated answer from {served_by}: {_snippet(said.line)}"


def _user_turn(request: ChatRequest) -> str:
    """The prompt: the last user turn (ElizaOS sends the whole rendered template as one)."""
    users = [m for m in request.messages if m.role == "user"] or request.messages
    return users[-1].text


def _should_respond(agent: str, said: prompts.Said, present: frozenset[str]) -> str:
    """The template's own rules: STOP when told to, RESPOND to its name, IGNORE talk addressed to
    someone else, RESPOND to a question put to no one in particular, IGNORE the rest."""
    lowered = said.text.lower()
    words = set(re.findall(r"[\w'-]+", said.text))
    others = {name for name in present if name.lower() != agent.lower() and name != said.sender}
    addressed = prompts.addressee(said.text)
    if re.search(r"\bstop\b|be quiet|shut up", lowered):
        action, why = "STOP", f"The user asked {agent} to stop."
    elif re.search(rf"\b{re.escape(agent.lower())}\b", lowered):
        action, why = "RESPOND", f"The message mentions {agent} directly."
    elif (addressed is not None and addressed.lower() != agent.lower()) or words & others:
        talked_to = addressed or sorted(words & others)[0]
        action, why = "IGNORE", f"The message is addressed to {talked_to}, not {agent}."
    elif "?" in said.text:
        action, why = "RESPOND", f"The message asks a question {agent} can answer."
    else:
        action, why = "IGNORE", f"The message is not directed at {agent}."
    return (
        "<response>\n"
        f"  <name>{_xml(agent)}</name>\n"
        f"  <reasoning>{_xml(why)}</reasoning>\n"
        f"  <action>{action}</action>\n"
        "</response>"
    )


def _planning(agent: str, said: str) -> str:
    return (
        "<response>\n"
        f"    <thought>{_xml(agent)} should answer the message directly.</thought>\n"
        "    <actions>REPLY</actions>\n"
        "    <providers></providers>\n"
        f"    <text>{_xml(f'You said: {_snippet(said)}')}</text>\n"
        "</response>"
    )


def _coding(said: str) -> str:
    words = re.findall(r"[a-z0-9]+", said.lower())
    # "write a function to reverse a string" -> reverse_a_string: the words after the last "to".
    tail = words[len(words) - words[::-1].index("to") :] if "to" in words else words
    name = "_".join(tail[:4]) or "solve"
    if name[0].isdigit():
        name = f"solve_{name}"
    docstring = _snippet(said).replace("\\", "/").replace('"', "'")
    return f'```python\ndef {name}(*args: object) -> object:\n    """{docstring}"""\n    return args\n```'


def _limit(text: str, request: ChatRequest) -> tuple[str, FinishReason]:
    """Cut at the first stop sequence, then at `max_tokens`."""
    stops = [request.stop] if isinstance(request.stop, str) else (request.stop or [])
    cuts = [text.find(s) for s in stops if s and s in text]
    if cuts:
        text = text[: min(cuts)]
    pieces = _TOKEN.findall(text)
    if request.max_tokens is not None and len(pieces) > request.max_tokens:
        return "".join(pieces[: request.max_tokens]), "length"
    return text, "stop"


# -- tools -------------------------------------------------------------------------------------


def _tool_to_call(request: ChatRequest) -> Tool | None:
    """The tool the user asked for by name, the one `tool_choice` forces, or None."""
    tools = request.tools or []
    choice = request.tool_choice
    if not tools or choice == "none":
        return None
    if isinstance(choice, dict):
        forced = str(choice.get("function", {}).get("name", ""))
        return next((t for t in tools if t.function.name == forced), None)
    last = request.messages[-1]
    if last.role == "user":
        said = last.text.lower()
        for tool in tools:
            name = tool.function.name.lower()
            if name in said or name.replace("_", " ") in said:
                return tool
    return tools[0] if choice == "required" else None


_PLACEHOLDERS: dict[str, Any] = {
    "string": "example",
    "integer": 0,
    "number": 0.0,
    "boolean": False,
    "array": [],
    "object": {},
}


def _placeholder_arguments(schema: dict[str, Any]) -> JSON:
    properties = schema.get("properties") or {}
    arguments: JSON = {}
    for name in schema.get("required") or []:
        spec = properties.get(name) or {}
        arguments[name] = (
            spec["enum"][0] if spec.get("enum") else _PLACEHOLDERS.get(spec.get("type", "string"), "example")
        )
    return arguments


# -- text helpers ------------------------------------------------------------------------------


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _SNIPPET_CHARS else flat[: _SNIPPET_CHARS - 1] + "…"


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()
