"""What an answer said, read back from its bytes after they were relayed: for usage and samples.

Relayed answers (a fallback upstream's, and a custom model's in OpenAI format) go to the client
byte for byte; the proxy keeps a copy and reads it here once the client has it all, so the
request path never parses what it only forwards. Either API, whole JSON or a stream, plain or
gzip/deflate-encoded, with the same SSE and chunk decoders the translation uses. Anything
unreadable gives an empty `Answer`: recording is best effort, answering is not.
"""

from __future__ import annotations

import json
import logging
import zlib
from dataclasses import dataclass, field
from typing import Any

from runtime.errors import UpstreamFormatError
from runtime.wire.api import JSON, Api
from runtime.wire.chunks import OpenAIStreamDecoder
from runtime.wire.response import usage_counts
from runtime.wire.sse import SSEDecoder

log = logging.getLogger(__name__)


@dataclass
class Answer:
    text: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # OpenAI shape: id, type, function
    input_tokens: int = 0
    output_tokens: int = 0
    finish_reason: str | None = None

    def sample_text(self) -> str:
        """The answer as a sample stores it: the text, or the assistant message when it calls tools."""
        if not self.tool_calls:
            return self.text
        return json.dumps({"content": self.text or None, "tool_calls": self.tool_calls}, ensure_ascii=False)


def decoded(body: bytes, encoding: str | None) -> bytes | None:
    """`body` without its `content-encoding`; None for an encoding not read here (br, zstd)."""
    if not encoding or encoding == "identity":
        return body
    try:
        if encoding == "gzip":
            return zlib.decompress(body, 16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            return zlib.decompress(body)
    except zlib.error:
        log.debug("answers: a %s body that does not decompress is not read", encoding)
        return None
    return None  # br, zstd: not worth a dependency for a training sample


def read(api: Api, body: bytes, *, stream: bool) -> Answer:
    try:
        if api == "anthropic":
            return _anthropic_stream(body) if stream else _anthropic(json.loads(body))
        return _openai_stream(body) if stream else _openai(json.loads(body))
    except (ValueError, KeyError, TypeError, AttributeError, UpstreamFormatError) as error:
        log.debug("answers: an %s answer could not be read (%s)", api, type(error).__name__)
        return Answer()


def tool_call(call_id: Any, name: Any, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def completion(answer: Answer, completion_id: str, created: int, model: str) -> dict[str, Any]:
    """A non-streaming chat completion assembled from a streamed answer."""
    message: dict[str, Any] = {"role": "assistant", "content": answer.text or (None if answer.tool_calls else "")}
    if answer.tool_calls:
        message["tool_calls"] = answer.tool_calls
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": answer.finish_reason or "stop"}],
        "usage": {
            "prompt_tokens": answer.input_tokens,
            "completion_tokens": answer.output_tokens,
            "total_tokens": answer.input_tokens + answer.output_tokens,
        },
    }


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _anthropic_usage(usage: Any) -> tuple[int, int]:
    """`input_tokens` and `output_tokens` of an Anthropic `usage`, 0 where missing."""
    if not isinstance(usage, dict):
        return 0, 0
    return _int(usage.get("input_tokens")), _int(usage.get("output_tokens"))


def _openai_usage(usage: Any) -> tuple[int, int]:
    prompt, completion_ = usage_counts(usage)
    return _int(prompt), _int(completion_)


def _anthropic(message: JSON) -> Answer:
    answer = Answer()
    texts = []
    for block in message.get("content") or []:
        if block.get("type") == "text":
            texts.append(block.get("text", ""))
        elif block.get("type") == "tool_use":
            answer.tool_calls.append(
                tool_call(block.get("id"), block.get("name"), json.dumps(block.get("input") or {}))
            )
    answer.text = "".join(texts)
    answer.input_tokens, answer.output_tokens = _anthropic_usage(message.get("usage"))
    return answer


def _anthropic_stream(body: bytes) -> Answer:
    answer = Answer()
    texts: list[str] = []
    calls: dict[int, list[Any]] = {}  # block index -> [id, name, argument fragments]
    decoder = SSEDecoder()
    for _, data in decoder.feed(body) + decoder.flush():
        event = json.loads(data)
        kind = event.get("type")
        if kind == "message_start":
            answer.input_tokens, _ = _anthropic_usage(event["message"].get("usage"))
        elif kind == "content_block_start" and event["content_block"].get("type") == "tool_use":
            block = event["content_block"]
            calls[event["index"]] = [block.get("id"), block.get("name"), []]
        elif kind == "content_block_delta":
            delta = event["delta"]
            if delta.get("type") == "text_delta":
                texts.append(delta.get("text", ""))
            elif delta.get("type") == "input_json_delta" and event["index"] in calls:
                calls[event["index"]][2].append(delta.get("partial_json", ""))
        elif kind == "message_delta":
            input_tokens, answer.output_tokens = _anthropic_usage(event.get("usage"))
            answer.input_tokens = input_tokens or answer.input_tokens
    answer.text = "".join(texts)
    answer.tool_calls = [tool_call(i, n, "".join(parts) or "{}") for i, n, parts in calls.values()]
    return answer


def _openai(completion_: JSON) -> Answer:
    answer = Answer()
    choice = (completion_.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    answer.text = message.get("content") or ""
    answer.finish_reason = choice.get("finish_reason")
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        answer.tool_calls.append(tool_call(call.get("id"), function.get("name"), function.get("arguments") or "{}"))
    answer.input_tokens, answer.output_tokens = _openai_usage(completion_.get("usage"))
    return answer


def _openai_stream(body: bytes) -> Answer:
    answer = Answer()
    texts: list[str] = []
    calls: dict[int, list[Any]] = {}
    decoder = OpenAIStreamDecoder()
    for chunk in decoder.feed(body) + decoder.flush():
        usage = chunk.get("usage")
        if usage:
            answer.input_tokens, answer.output_tokens = _openai_usage(usage)
        for choice in chunk.get("choices") or []:
            answer.finish_reason = choice.get("finish_reason") or answer.finish_reason
            delta = choice.get("delta") or {}
            if delta.get("content"):
                texts.append(delta["content"])
            for call in delta.get("tool_calls") or []:
                slot = calls.setdefault(call.get("index", len(calls)), [None, None, []])
                function = call.get("function") or {}
                slot[0] = slot[0] or call.get("id")
                slot[1] = slot[1] or function.get("name")
                if function.get("arguments"):
                    slot[2].append(function["arguments"])
    answer.text = "".join(texts)
    answer.tool_calls = [tool_call(i, n, "".join(parts) or "{}") for i, n, parts in calls.values()]
    return answer
