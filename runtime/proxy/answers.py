"""What an answer said, read back from its bytes after it was relayed: for usage and samples.

Relayed answers (the fallback upstream's, and a custom model's in OpenAI format) go to the
client byte for byte; the proxy keeps a copy and reads it here once the client has it all, so
the request path never parses what it only forwards. Either API, whole JSON or a stream, plain
or gzip/deflate-encoded. Anything unreadable gives an empty `Answer`: recording is best effort,
answering is not.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from runtime.proxy.errors import Api
from runtime.translate import OpenAIStreamDecoder, SSEDecoder, UpstreamFormatError


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
    if not encoding or encoding == "identity":
        return body
    try:
        if encoding == "gzip":
            return zlib.decompress(body, 16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            return zlib.decompress(body)
    except zlib.error:
        return None
    return None  # br, zstd: not worth a dependency for a training sample


def read(api: Api, body: bytes, *, stream: bool) -> Answer:
    try:
        if api == "anthropic":
            return _anthropic_stream(body) if stream else _anthropic(json.loads(body))
        return _openai_stream(body) if stream else _openai(json.loads(body))
    except (ValueError, KeyError, TypeError, AttributeError, UpstreamFormatError):
        return Answer()


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _anthropic(message: dict[str, Any]) -> Answer:
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
    usage = message.get("usage") or {}
    answer.input_tokens, answer.output_tokens = _int(usage.get("input_tokens")), _int(usage.get("output_tokens"))
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
            usage = event["message"].get("usage") or {}
            answer.input_tokens = _int(usage.get("input_tokens"))
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
            usage = event.get("usage") or {}
            answer.output_tokens = _int(usage.get("output_tokens"))
            answer.input_tokens = _int(usage.get("input_tokens")) or answer.input_tokens
    answer.text = "".join(texts)
    answer.tool_calls = [tool_call(i, n, "".join(parts) or "{}") for i, n, parts in calls.values()]
    return answer


def _openai(completion: dict[str, Any]) -> Answer:
    answer = Answer()
    message = (completion.get("choices") or [{}])[0].get("message") or {}
    answer.text = message.get("content") or ""
    answer.finish_reason = (completion.get("choices") or [{}])[0].get("finish_reason")
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        answer.tool_calls.append(tool_call(call.get("id"), function.get("name"), function.get("arguments") or "{}"))
    usage = completion.get("usage") or {}
    answer.input_tokens, answer.output_tokens = _int(usage.get("prompt_tokens")), _int(usage.get("completion_tokens"))
    return answer


def _openai_stream(body: bytes) -> Answer:
    answer = Answer()
    texts: list[str] = []
    calls: dict[int, list[Any]] = {}
    decoder = OpenAIStreamDecoder()
    for chunk in decoder.feed(body) + decoder.flush():
        usage = chunk.get("usage")
        if usage:
            answer.input_tokens = _int(usage.get("prompt_tokens"))
            answer.output_tokens = _int(usage.get("completion_tokens"))
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


def tool_call(call_id: Any, name: Any, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
