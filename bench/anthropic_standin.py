"""A fast stand-in for Anthropic's Messages API, the upstream `bench/proxy_overhead.py` puts each
proxy in front of.

    python bench/anthropic_standin.py --port 9100 [--stream-gap-ms 1]

Raw asyncio (a Protocol, no framework) so the upstream costs as little as possible and the
difference between "direct" and "through a proxy" is the proxy's. `POST /v1/messages` answers a
fixed short message; with `"stream": true` it sends Anthropic's exact SSE sequence (chunked),
the text deltas `--stream-gap-ms` apart so a proxy that buffers a stream shows it in time to
first byte. `POST /v1/chat/completions` plays a role's custom model (OpenAI-compatible, as Together
serves it): the same text as chat-completion chunks, then a usage chunk and `[DONE]`, streamed
when asked (the proxy always asks), the deltas `--stream-gap-ms` apart too. `GET /_stats` counts
requests by path, so the benchmark can check that every request it sent through a proxy reached
the upstream.

The listening socket is made with IPPROTO_TCP and every accepted socket gets TCP_NODELAY: a
socket made with proto 0 is skipped by asyncio's nodelay and each response then waits ~40 ms
on delayed ACK.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.anthropic_stream import stream

MODEL = "claude-sonnet-4-5"
TEXT = ["Hello", " from the", " stand-in."]
USAGE_IN, USAGE_OUT = 12, 6

MESSAGE = json.dumps(
    {
        "id": "msg_bench0001",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [{"type": "text", "text": "".join(TEXT)}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": USAGE_IN, "output_tokens": USAGE_OUT},
    },
    separators=(",", ":"),
).encode()


def _event(name: str, data: dict[str, object]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def _chunk(payload: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(payload), payload)


# Anthropic's order (tests/support/anthropic_stream.py, which the tests' stand-in sends too):
# message_start, content_block_start, ping, deltas, content_block_stop, message_delta,
# message_stop. The first three go out at once, as the real API sends them.
_STREAM = stream("msg_bench0001", MODEL, TEXT, input_tokens=USAGE_IN, output_tokens=USAGE_OUT)
_DELTAS = slice(3, 3 + len(TEXT))
STREAM_HEAD = _chunk(b"".join(_event(name, data) for name, data in _STREAM[: _DELTAS.start]))
STREAM_DELTAS = [_chunk(_event(name, data)) for name, data in _STREAM[_DELTAS]]
STREAM_TAIL = _chunk(b"".join(_event(name, data) for name, data in _STREAM[_DELTAS.stop :])) + b"0\r\n\r\n"
EVENTS = [name for name, _ in _STREAM]


def _data(data: dict[str, object]) -> bytes:
    return b"data: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"


def _completion_chunk(delta: dict[str, object], finish: str | None = None) -> dict[str, object]:
    return {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1, "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}  # fmt: skip


# A custom model's stream (OpenAI chat-completion chunks): role, the text deltas, the finish, usage.
CHAT_HEAD = _chunk(_data(_completion_chunk({"role": "assistant", "content": ""})))
CHAT_DELTAS = [_chunk(_data(_completion_chunk({"content": piece}))) for piece in TEXT]
_USAGE = {"prompt_tokens": USAGE_IN, "completion_tokens": USAGE_OUT, "total_tokens": USAGE_IN + USAGE_OUT}
CHAT_TAIL = (
    _chunk(
        _data(_completion_chunk({}, "stop"))
        + _data({**_completion_chunk({}), "choices": [], "usage": _USAGE})
        + b"data: [DONE]\n\n"
    )
    + b"0\r\n\r\n"
)
COMPLETION = json.dumps(
    {"id": "chatcmpl-bench", "object": "chat.completion", "created": 1, "model": MODEL, "usage": _USAGE,
     "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(TEXT)}, "finish_reason": "stop"}]},
    separators=(",", ":"),
).encode()  # fmt: skip

JSON_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nrequest-id: req_bench\r\ncontent-length: %d\r\n\r\n"
SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\ncache-control: no-cache\r\n"
    b"request-id: req_bench\r\ntransfer-encoding: chunked\r\n\r\n"
)


def _error(status: str, kind: str, message: str) -> bytes:
    body = json.dumps({"type": "error", "error": {"type": kind, "message": message}}).encode()
    return b"HTTP/1.1 %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (
        status.encode(),
        len(body),
        body,
    )


class Upstream(asyncio.Protocol):
    """One connection: requests are handled in order; a stream in progress holds the next one."""

    stats: Counter[str] = Counter()
    gap = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.streaming = False

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.streaming:
            self.drain_requests()

    def drain_requests(self) -> None:
        while not self.streaming:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1").split("\r\n")
            length = 0
            for line in head[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            method, path, *_ = head[0].split(" ")
            self.handle(method, path.split("?")[0], body)

    def handle(self, method: str, path: str, body: bytes) -> None:
        Upstream.stats[f"{method} {path}"] += 1
        if method == "GET" and path == "/_stats":
            payload = json.dumps(dict(Upstream.stats)).encode()
            self.transport.write(JSON_HEAD % len(payload) + payload)
            return
        if method != "POST" or path not in ("/v1/messages", "/v1/chat/completions"):
            self.transport.write(_error("404 Not Found", "not_found_error", f"{method} {path}"))
            return
        try:
            request = json.loads(body)
        except ValueError:
            self.transport.write(_error("400 Bad Request", "invalid_request_error", "body is not JSON"))
            return
        chat = path == "/v1/chat/completions"
        if not isinstance(request, dict) or not request.get("stream"):
            whole = COMPLETION if chat else MESSAGE
            self.transport.write(JSON_HEAD % len(whole) + whole)
            return
        Upstream.stats["chat streams" if chat else "streams"] += 1
        parts = (CHAT_HEAD, CHAT_DELTAS, CHAT_TAIL) if chat else (STREAM_HEAD, STREAM_DELTAS, STREAM_TAIL)
        if self.gap <= 0:
            self.transport.write(SSE_HEAD + parts[0] + b"".join(parts[1]) + parts[2])
            return
        self.streaming = True
        asyncio.get_running_loop().create_task(self.stream(*parts))

    async def stream(self, head: bytes, deltas: list[bytes], tail: bytes) -> None:
        self.transport.write(SSE_HEAD + head)
        for delta in deltas:
            await asyncio.sleep(self.gap)
            if self.transport.is_closing():
                return
            self.transport.write(delta)
        self.transport.write(tail)
        self.streaming = False
        self.drain_requests()


async def serve(port: int, gap_ms: float) -> None:
    Upstream.gap = gap_ms / 1000
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1024)
    server = await asyncio.get_running_loop().create_server(Upstream, sock=listener)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stream-gap-ms", type=float, default=1.0, help="pause before each text delta")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, args.stream_gap_ms))


if __name__ == "__main__":
    main()
