"""Server-sent events, both ways: `encode_sse` for the events the proxy sends an Anthropic client,
`SSEDecoder` for the bytes a model or an upstream streams back (the WHATWG parsing rules, pieces
split anywhere). `chunks` reads OpenAI's payloads on top of it.
"""

from __future__ import annotations

import json
from typing import Any

# Built once: `json.dumps` with any option builds a new encoder per call, which doubles the cost
# of a small event. ASCII output: a lone surrogate in a model's text cannot break the encoding.
_COMPACT = json.JSONEncoder(separators=(",", ":")).encode


def encode_sse(event: str, data: dict[str, Any]) -> bytes:
    """One server-sent event: `event: <name>\\ndata: <compact JSON>\\n\\n`."""
    return f"event: {event}\ndata: {_COMPACT(data)}\n\n".encode()


#: The keep-alive event Anthropic sends early in a stream, encoded once.
PING_SSE = b'event: ping\ndata: {"type":"ping"}\n\n'


_BOM = b"\xef\xbb\xbf"


class SSEDecoder:
    """Server-sent events from a byte stream, as the WHATWG spec parses them.

    `feed(bytes)` returns the complete events in that piece as (event name or None, data): lines
    end in \\n, \\r\\n or \\r (also split across pieces), `data:` lines of one event are joined
    with \\n, comments (`:...`) and `id`/`retry` are skipped, one space after the colon is dropped,
    an event without data is not dispatched. `flush()` returns an event the stream left
    unterminated at its end (the spec drops it; a server that forgets the last blank line is
    common enough to be kinder).
    """

    __slots__ = ("_buffer", "_data", "_event", "_first", "_skip_lf")

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[str] = []
        self._event: str | None = None
        self._skip_lf = False
        self._first = True

    def feed(self, chunk: bytes) -> list[tuple[str | None, str]]:
        if self._first:
            # A byte-order mark opening the stream is dropped, even when it arrives in pieces.
            head = self._buffer + chunk
            if len(head) < 3 and _BOM.startswith(head):
                self._buffer = head
                return []
            self._first = False
            self._buffer = b""
            chunk = head[3:] if head.startswith(_BOM) else head
        if self._skip_lf and chunk:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        buffer = self._buffer + chunk if self._buffer else chunk
        if b"\r" in buffer:
            # A \r at the very end may be the first half of \r\n: end the line now, skip the \n.
            self._skip_lf = buffer.endswith(b"\r")
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = buffer.split(b"\n")
        self._buffer = lines.pop()
        events: list[tuple[str | None, str]] = []
        data = self._data
        for line in lines:
            if line[:6] == b"data: ":  # nearly every line of a model's stream
                data.append(line[6:].decode("utf-8", "replace"))
            else:
                self._line(line, events)
        return events

    def flush(self) -> list[tuple[str | None, str]]:
        events: list[tuple[str | None, str]] = []
        if self._buffer:
            self._line(self._buffer, events)
            self._buffer = b""
        self._line(b"", events)
        return events

    def _line(self, line: bytes, events: list[tuple[str | None, str]]) -> None:
        if not line:
            if self._data:
                data = self._data
                events.append((self._event, data[0] if len(data) == 1 else "\n".join(data)))
                data.clear()
            self._event = None
            return
        if line[0] == 58:  # b":", a comment
            return
        colon = line.find(b":")
        if colon < 0:
            field, value = line, b""
        else:
            field = line[:colon]
            value = line[colon + 2 :] if line[colon + 1 : colon + 2] == b" " else line[colon + 1 :]
        if field == b"data":
            self._data.append(value.decode("utf-8", "replace"))
        elif field == b"event":
            self._event = value.decode("utf-8", "replace")
