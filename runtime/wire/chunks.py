"""OpenAI chat-completion chunks from a streamed body: what a role's endpoint sends the proxy.

`OpenAIStreamDecoder` turns the model's bytes (server-sent events, `sse.SSEDecoder`) into parsed
chunks up to `[DONE]`; a payload that is not a chunk, or that carries an `error`, is a model
failure (`UpstreamFormatError`).
"""

from __future__ import annotations

import json
from typing import Any

from runtime.errors import UpstreamFormatError
from runtime.wire.api import JSON
from runtime.wire.sse import SSEDecoder

_DONE = "[DONE]"


def _chunk(data: str) -> JSON | None:
    """One OpenAI stream `data:` payload as a chunk; None for `[DONE]`."""
    if data == _DONE:
        return None
    try:
        chunk = json.loads(data)
    except ValueError:
        raise UpstreamFormatError(f"stream: a chunk is not JSON: {data[:200]!r}") from None
    if not isinstance(chunk, dict):
        raise UpstreamFormatError(f"stream: a chunk is not an object: {data[:200]!r}")
    error = chunk.get("error")
    if error:
        message = error.get("message") if isinstance(error, dict) else error
        raise UpstreamFormatError(f"stream: the upstream reported an error: {message}")
    return chunk


class OpenAIStreamDecoder:
    """Bytes of an OpenAI chat-completions stream in, parsed chunks out; `done` after `[DONE]`.

    Raises `UpstreamFormatError` for a payload that is not a JSON object or carries `error`. The
    proxy's read loop::

        decoder, stream = OpenAIStreamDecoder(), AnthropicStream(model, message_id(None))
        async for piece in upstream_body:
            for chunk in decoder.feed(piece):
                for name, data in stream.feed(chunk):
                    send(encode_sse(name, data))
        send(b"".join(encode_sse(n, d) for n, d in stream.finish()))
    """

    __slots__ = ("_sse", "done")

    def __init__(self) -> None:
        self._sse = SSEDecoder()
        self.done = False

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """The chunks completed by `data`; [] once `[DONE]` was seen. Raises `UpstreamFormatError`."""
        if self.done:
            return []
        return self._collect(self._sse.feed(data))

    def flush(self) -> list[dict[str, Any]]:
        """A last chunk the stream left without its blank line, at the end of the body."""
        if self.done:
            return []
        return self._collect(self._sse.flush())

    def _collect(self, events: list[tuple[str | None, str]]) -> list[JSON]:
        chunks: list[JSON] = []
        for _, data in events:
            chunk = _chunk(data)
            if chunk is None:
                self.done = True
                break
            chunks.append(chunk)
        return chunks
