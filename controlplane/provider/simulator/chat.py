"""What the simulated models say: deterministic chat completions in each role's output format.

`inference` resolves the `model` of `POST /v1/chat/completions` to a running deployment and the role
its names suggest; this module answers, as a pure function of the request. A should-respond model
answers ElizaOS's `<response><name/><reasoning/><action/></response>`, a planning model the
message handler's `<response><thought/><actions/><providers/><text/></response>`, a coding model a
fenced Python block (or, offered a file-writing tool and asked for a file or a function, a call
of that tool, and a line that ends the turn once the tool has answered: `coding`), anything else
an echo. What they answer is the message the prompt is about,
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

from controlplane.provider.simulator import coding, prompts
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
    tool_calls: list[dict[str, Any]] | None = None  # an assistant's, each {id, type, function: {name, arguments}}
    tool_call_id: str | None = None  # a tool message's: the call it answers

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
    call = _tool_call(request, role)
    if call is not None:
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
        answered = _answered(request)
        if answered is not None and answered.role == "tool":
            return _after_tool(request, answered)
        return _coding(coding.user_words(said.text))
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
    return f"```python\n{coding.python_function(said)}```"


def _answered(request: ChatRequest) -> Message | None:
    """The message a coding model answers: the last that is neither a system message nor a user
    turn of only `<system-reminder>`s (which a client may send after a tool's result)."""
    for message in reversed(request.messages):
        if message.role != "system" and not (message.role == "user" and not coding.user_words(message.text)):
            return message
    return None


def _after_tool(request: ChatRequest, result: Message) -> str:
    """A coding model's last word in a tool loop: what its call did, which ends the turn."""
    asked = next((c for m in request.messages for c in m.tool_calls or [] if c.get("id") == result.tool_call_id), None)
    function = (asked or {}).get("function") or {}
    writer = coding.writing_tool(_writing_tools(request))
    path = None
    if writer is not None and function.get("name") == writer[0].name:
        try:
            path = json.loads(function.get("arguments") or "{}").get(writer[1])
        except (ValueError, AttributeError):
            path = None  # arguments that are not a JSON object: the call is reported as any other
    return coding.after_tool(result.text, path if isinstance(path, str) else None)


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


def _tool_call(request: ChatRequest, role: Role) -> ToolCall | None:
    """The call the model makes, if any: the tool `tool_choice` forces; a coding model's write of the
    file the user asks for; the tool the user names; the first tool when one is required."""
    tools = request.tools or []
    choice = request.tool_choice
    if not tools or choice == "none":
        return None
    last = request.messages[-1]
    answered = _answered(request) if role == "coding" else None
    write = _write(request, answered) if answered is not None and answered.role == "user" else None
    if isinstance(choice, dict):
        forced = str(choice.get("function", {}).get("name", ""))
        tool = next((t for t in tools if t.function.name == forced), None)
        if tool is None:
            return None
        return _call(tool.function.name, write.arguments if write and write.tool == forced else None, request)
    if write is not None:
        return _call(write.tool, write.arguments, request)
    if last.role == "user":
        said = last.text.lower()
        for tool in tools:
            name = tool.function.name.lower()
            if name in said or name.replace("_", " ") in said:
                return _call(tool.function.name, None, request)
    return _call(tools[0].function.name, None, request) if choice == "required" else None


def _call(name: str, arguments: JSON | None, request: ChatRequest) -> ToolCall:
    """A call of `name` with `arguments`, else placeholders for its schema's required parameters."""
    if arguments is None:
        tool = next(t for t in request.tools or [] if t.function.name == name)
        arguments = coding.required_arguments(tool.function.parameters)
    encoded = json.dumps(arguments)
    return ToolCall(id="call_" + _digest(name, encoded, request.messages[-1].text)[:24], name=name, arguments=encoded)


def _writing_tools(request: ChatRequest) -> list[coding.Tool]:
    return [coding.Tool(t.function.name, t.function.parameters) for t in request.tools or []]


def _write(request: ChatRequest, turn: Message) -> coding.Write | None:
    """The write a coding model makes for the user's `turn`, in the directory the system prompt states."""
    system = "\n".join(m.text for m in request.messages if m.role == "system")
    return coding.write(coding.user_words(turn.text), _writing_tools(request), system)


# -- text helpers ------------------------------------------------------------------------------


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _SNIPPET_CHARS else flat[: _SNIPPET_CHARS - 1] + "…"


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()
