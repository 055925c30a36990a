"""OpenAI's Responses API (`POST /v1/responses`) for a role's custom model, which speaks chat completions.

    request   Responses request -> chat-completions request     (to_chat)
    stream    chat-completion chunks -> Responses events         (ResponsesStream: feed, finish)
    whole     the same answer as one Response object             (ResponsesStream.response)
    read      a relayed Response (or its events) -> Answer       (for a fallback's usage and sample)

`@elizaos/plugin-openai` >= 1.5 (AI SDK 5, `@ai-sdk/openai` `responses` models) sends every text and
object call this way, and the `openai` SDK's `responses.create` (plain and `stream=True`) reads
what comes back. The shapes follow OpenAI's API reference (Responses: create; streaming events),
as `openai` 1.x's `types/responses` models them: `input` is a string or a list of items (messages
with `input_text` / `output_text` parts, `function_call`, `function_call_output`), `instructions`
a system message, tools are flat `{type: function, name, parameters}`. What has no
chat-completions equivalent (built-in tools, `previous_response_id`, images, files) is
`UnsupportedContent`, so the request goes to the OpenAI upstream instead. Pure: values in, values out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from runtime.errors import TranslationError, UnsupportedContent
from runtime.ids import fresh_hex
from runtime.wire.answers import Answer
from runtime.wire.api import JSON
from runtime.wire.response import usage_counts
from runtime.wire.sse import SSEDecoder

Event = tuple[str, JSON]

#: Fields copied from a Responses request to the chat-completions one under the same name.
_SAME = ("temperature", "top_p", "user", "metadata", "parallel_tool_calls", "stream", "store", "prompt_cache_key")


def to_chat(body: JSON) -> JSON:
    """The chat-completions request for a Responses request (`model` kept: the caller replaces it)."""
    if body.get("previous_response_id") or body.get("conversation"):
        raise UnsupportedContent("previous_response_id", "a stored conversation lives at the upstream")
    messages: list[JSON] = []
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        messages.append({"role": "system", "content": instructions})
    given = body.get("input")
    if isinstance(given, str):
        messages.append({"role": "user", "content": given})
    elif isinstance(given, list):
        for index, item in enumerate(given):
            messages.extend(_item(item, f"input.{index}"))
    else:
        raise TranslationError("input", "Field required" if given is None else "Input should be a string or a list")
    if not messages:
        raise TranslationError("input", "no message to answer")
    chat: JSON = {"model": body.get("model"), "messages": messages}
    for name in _SAME:
        if name in body and body[name] is not None:
            chat[name] = body[name]
    if isinstance(body.get("max_output_tokens"), int):
        chat["max_tokens"] = body["max_output_tokens"]
    tools = body.get("tools")
    if tools:
        chat["tools"] = [_tool(tool, f"tools.{index}") for index, tool in enumerate(tools)]
    choice = body.get("tool_choice")
    if isinstance(choice, str):
        chat["tool_choice"] = choice
    elif isinstance(choice, dict) and choice.get("type") == "function":
        chat["tool_choice"] = {"type": "function", "function": {"name": choice.get("name")}}
    elif choice is not None:
        raise UnsupportedContent("tool_choice", f"{choice!r} has no chat-completions equivalent")
    form = (body.get("text") or {}).get("format") if isinstance(body.get("text"), dict) else None
    if isinstance(form, dict) and form.get("type") == "json_object":
        chat["response_format"] = {"type": "json_object"}
    elif isinstance(form, dict) and form.get("type") == "json_schema":
        schema = {k: form[k] for k in ("name", "schema", "strict", "description") if k in form}
        chat["response_format"] = {"type": "json_schema", "json_schema": schema}
    return chat


def _item(item: Any, where: str) -> list[JSON]:
    if not isinstance(item, dict):
        raise TranslationError(where, "Input should be an object")
    kind = item.get("type", "message")
    if kind == "message":
        role = item.get("role")
        if role not in ("user", "assistant", "system", "developer"):
            raise TranslationError(f"{where}.role", f"unknown role {role!r}")
        return [{"role": "system" if role == "developer" else role, "content": _text(item.get("content"), where)}]
    if kind == "function_call":
        call = {"id": item.get("call_id"), "type": "function"}
        call["function"] = {"name": item.get("name"), "arguments": item.get("arguments") or "{}"}
        return [{"role": "assistant", "content": None, "tool_calls": [call]}]
    if kind == "function_call_output":
        output = item.get("output")
        text = output if isinstance(output, str) else json.dumps(output)
        return [{"role": "tool", "tool_call_id": item.get("call_id"), "content": text}]
    if kind == "reasoning":
        return []  # a reasoning model's own summary of earlier turns: nothing a chat model reads
    raise UnsupportedContent(f"{where}.type", f"{kind!r} items have no chat-completions equivalent")


def _text(content: Any, where: str) -> str:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise TranslationError(f"{where}.content", "Input should be a string or a list")
    texts = []
    for index, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind not in ("input_text", "output_text", "text"):
            raise UnsupportedContent(f"{where}.content.{index}.type", f"{kind!r} content is not text")
        texts.append(str(part.get("text", "")))
    return "".join(texts)


def _tool(tool: Any, where: str) -> JSON:
    if not isinstance(tool, dict) or tool.get("type") != "function":
        kind = tool.get("type") if isinstance(tool, dict) else tool
        raise UnsupportedContent(f"{where}.type", f"built-in tool {kind!r}: only the upstream has it")
    function = {"name": tool.get("name"), "parameters": tool.get("parameters") or {"type": "object"}}
    if tool.get("description"):
        function["description"] = tool["description"]
    if tool.get("strict") is not None:
        function["strict"] = tool["strict"]
    return {"type": "function", "function": function}


@dataclass
class _Call:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class ResponsesStream:
    """Chat-completion chunks in, Responses events out: text as it comes, tool calls whole at the
    end (a `function_call` item's name must be known when it is added), then `response.completed`
    (`response.incomplete` when the model hit its token limit)."""

    def __init__(self, request: JSON, input_tokens: int, created: int) -> None:
        self.request = request
        self.id = "resp_" + fresh_hex()
        self.message_id = "msg_" + fresh_hex()
        self.created = created
        self.input_tokens = input_tokens
        self.output_tokens = 0
        self.text = ""
        self.finish_reason: str | None = None
        self.started = False  # a token (or the finish) is in
        self._calls: dict[int, _Call] = {}
        self._sequence = 0
        self._opened = False  # response.created sent
        self._text_open = False

    # -- the events ----------------------------------------------------------------------------

    def feed(self, chunk: JSON) -> list[Event]:
        events: list[Event] = []
        usage = chunk.get("usage")
        if usage:
            prompt, completion = usage_counts(usage)
            self.input_tokens = prompt if prompt is not None else self.input_tokens
            self.output_tokens = completion if completion is not None else self.output_tokens
        choices = [c for c in chunk.get("choices") or [] if c.get("index", 0) == 0]
        if not choices:
            return events
        choice = choices[0]
        delta = choice.get("delta") or {}
        text = delta.get("content")
        if text:
            self.started = True
            self._open(events)
            if not self._text_open:
                self._text_open = True
                events.append(
                    self._event("response.output_item.added", output_index=0, item=self._message("in_progress", ""))
                )
                events.append(self._event("response.content_part.added", **self._at(0), part=self._part("")))
            self.text += text
            events.append(self._event("response.output_text.delta", **self._at(0), delta=text, logprobs=[]))
        for call in delta.get("tool_calls") or []:
            self.started = True
            held = self._calls.setdefault(int(call.get("index", 0)), _Call())
            held.id = call.get("id") or held.id
            function = call.get("function") or {}
            held.name = function.get("name") or held.name
            if function.get("arguments"):
                held.arguments.append(function["arguments"])
        if choice.get("finish_reason"):
            self.started = True
            self.finish_reason = choice["finish_reason"]
        return events

    def finish(self) -> list[Event]:
        events: list[Event] = []
        self._open(events)
        if self._text_open:
            events.append(self._event("response.output_text.done", **self._at(0), text=self.text, logprobs=[]))
            events.append(self._event("response.content_part.done", **self._at(0), part=self._part(self.text)))
            events.append(
                self._event("response.output_item.done", output_index=0, item=self._message("completed", self.text))
            )
        for index, item in enumerate(self._call_items(), start=1 if self._text_open else 0):
            at = {"item_id": item["id"], "output_index": index}
            opened = {**item, "arguments": "", "status": "in_progress"}
            events.append(self._event("response.output_item.added", output_index=index, item=opened))
            events.append(self._event("response.function_call_arguments.delta", **at, delta=item["arguments"]))
            events.append(self._event("response.function_call_arguments.done", **at, arguments=item["arguments"]))
            events.append(self._event("response.output_item.done", output_index=index, item=item))
        response = self.response()
        done = "response.completed" if response["status"] == "completed" else "response.incomplete"
        events.append(self._event(done, response=response))
        return events

    def error(self, message: str) -> Event:
        return self._event("error", code="server_error", message=message, param=None)

    # -- the Response object -------------------------------------------------------------------

    def response(self, status: str | None = None) -> JSON:
        """The whole Response, as `responses.create` without `stream` returns it."""
        output: list[JSON] = [self._message("completed", self.text)] if self.text or not self._calls else []
        output += self._call_items()
        short = self.finish_reason == "length"
        form = (self.request.get("text") or {}).get("format") if isinstance(self.request.get("text"), dict) else None
        return {
            "id": self.id,
            "object": "response",
            "created_at": self.created,
            "status": status or ("incomplete" if short else "completed"),
            "model": self.request.get("model"),
            "output": output if status is None else [],
            "incomplete_details": {"reason": "max_output_tokens"} if short and status is None else None,
            "error": None,
            "instructions": self.request.get("instructions"),
            "metadata": self.request.get("metadata") or {},
            "parallel_tool_calls": self.request.get("parallel_tool_calls", True),
            "temperature": self.request.get("temperature", 1.0),
            "top_p": self.request.get("top_p", 1.0),
            "tool_choice": self.request.get("tool_choice") or "auto",
            "tools": self.request.get("tools") or [],
            "max_output_tokens": self.request.get("max_output_tokens"),
            "previous_response_id": None,
            "reasoning": {"effort": None, "summary": None},
            "text": {"format": form or {"type": "text"}},
            "truncation": "disabled",
            "store": False,  # the proxy keeps no responses: GET /v1/responses/{id} is the upstream's
            "usage": None
            if status is not None
            else {
                "input_tokens": self.input_tokens,
                "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                "output_tokens": self.output_tokens,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": self.input_tokens + self.output_tokens,
            },
        }

    def tool_calls(self) -> list[JSON]:
        """The calls in chat-completions shape, for the sample."""
        return [
            {
                "id": item["call_id"],
                "type": "function",
                "function": {"name": item["name"], "arguments": item["arguments"]},
            }
            for item in self._call_items()
        ]

    # -- helpers -------------------------------------------------------------------------------

    def _open(self, events: list[Event]) -> None:
        if not self._opened:
            self._opened = True
            pending = self.response("in_progress")
            events.append(self._event("response.created", response=pending))
            events.append(self._event("response.in_progress", response=pending))

    def _event(self, name: str, **data: Any) -> Event:
        self._sequence += 1
        return name, {"type": name, "sequence_number": self._sequence - 1, **data}

    def _at(self, index: int) -> JSON:
        return {"item_id": self.message_id, "output_index": index, "content_index": 0}

    @staticmethod
    def _part(text: str) -> JSON:
        return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}

    def _message(self, status: str, text: str) -> JSON:
        content = [self._part(text)] if status == "completed" else []
        return {"type": "message", "id": self.message_id, "status": status, "role": "assistant", "content": content}

    def _call_items(self) -> list[JSON]:
        items = []
        for index in sorted(self._calls):
            call = self._calls[index]
            items.append(
                {
                    "type": "function_call",
                    "id": "fc_" + (call.id.removeprefix("call_") or f"{self.id[5:17]}{index}"),
                    "call_id": call.id or f"call_{self.id[5:17]}{index}",
                    "name": call.name,
                    "arguments": "".join(call.arguments) or "{}",
                    "status": "completed",
                }
            )
        return items


def read(body: bytes, *, stream: bool) -> Answer:
    """What a relayed Responses answer said (the upstream's, after a fallback): for its usage and
    sample. The Response itself, or the one `response.completed` / `response.incomplete` carries."""
    response: Any = None
    try:
        if not stream:
            response = json.loads(body)
        else:
            decoder = SSEDecoder()
            for _, data in decoder.feed(body) + decoder.flush():
                event = json.loads(data)
                if isinstance(event, dict) and event.get("type") in ("response.completed", "response.incomplete"):
                    response = event.get("response")
    except ValueError:
        return Answer()
    if not isinstance(response, dict):
        return Answer()
    text, calls = [], []
    for item in response.get("output") or []:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "message":
            text += [str(p.get("text", "")) for p in item.get("content") or [] if isinstance(p, dict)]
        elif item.get("type") == "function_call":
            function = {"name": item.get("name"), "arguments": item.get("arguments") or ""}
            calls.append({"id": item.get("call_id"), "type": "function", "function": function})
    given = response.get("usage")
    usage: dict[str, Any] = given if isinstance(given, dict) else {}
    return Answer("".join(text), calls, int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0))
