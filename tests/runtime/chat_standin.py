"""Stand-ins for models the hooks talk to, on 127.0.0.1: an OpenAI-compatible chat completions
server that answers what a test tells it to, and a port that accepts and never answers.

    with StandInChat("<response><action>IGNORE</action></response>") as model:
        ... model.base_url, model.received[-1]["messages"] ...

Served by uvicorn on a thread, on an IPPROTO_TCP socket (see `ServedSimulator`: without it each
answer waits ~40 ms on delayed ACK).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from starlette.types import Receive, Scope, Send

from tests.support.served import ServedASGI


class StandInChat(ServedASGI):
    def __init__(self, answer: str | Callable[[dict[str, Any]], str] = "", *, status: int = 200) -> None:
        self.answer = answer
        self.status = status
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        super().__init__(self._asgi, backlog=64)

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        request = json.loads(raw)
        self.received.append(request)
        self.headers.append({k.decode(): v.decode() for k, v in scope["headers"]})
        if self.status >= 400:
            body: dict[str, Any] = {"error": {"message": "stand-in failure", "code": "standin_error"}}
        else:
            text = self.answer(request) if callable(self.answer) else self.answer
            body = {
                "id": "chatcmpl-standin",
                "object": "chat.completion",
                "model": request.get("model"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
            }
        data = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": data})


@contextmanager
def silent_port() -> Iterator[str]:
    """A base URL whose server takes the connection (the kernel's backlog does) and the request,
    and never says a word: a model that is up but too slow."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        host, port = listener.getsockname()[:2]
        yield f"http://{host}:{port}"
    finally:
        listener.close()
