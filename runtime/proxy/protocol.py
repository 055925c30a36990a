"""The proxy's HTTP/1.1 connections: uvicorn's httptools protocol, with a request cycle of our own.

    uvicorn.Server ── ProxyProtocol (uvicorn's HttpToolsProtocol: parsing, keep-alive, pipelining,
                      │               flow control, graceful shutdown, all unchanged)
                      └─ Cycle, one per request (uvicorn's RequestResponseCycle, two moves changed)

What the proxy spends on a pass-through request is mostly its HTTP layer, so the cycle does two
things uvicorn's does not (bench/proxy_overhead.py measures both paths side by side):

1. **The body in the scope.** A request whose whole body came in with its head (nearly every API
   call: the task starts after the read that held both) reaches the app with the body in
   `scope[BODY]`, so `asgi.read_body` takes it as it is: no `receive()`, no timer for a body that
   is already there. A body still arriving is read through `receive()`, with its limit and timeout.
2. **One write per answer with a length.** uvicorn writes the head when the app starts the response
   and the body when it sends it: two syscalls and two TCP segments for an answer of a few hundred
   bytes. The cycle holds the head of an answer with a `content-length` until its first body bytes
   and writes both at once. A streamed answer (no length) still has its head written at once, so a
   client sees the status before the first event. Header names and values are checked as uvicorn
   checks them, in one pass over the lot rather than two regular expressions per header.

Everything else is uvicorn's own code: the parent class builds the scope and drives the parser,
and the cycle's `receive`, `run_asgi` and the 100-continue, HEAD, 204/304, chunked and
`connection: close` rules are uvicorn's. `protocol_class()` picks this protocol only where uvicorn's
internals are the ones it was written against (checked, not assumed from a version number), and
uvicorn's own protocol otherwise: the proxy then works as before, a little slower.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import urllib.parse
from typing import Any

import httptools
from uvicorn.protocols.http import httptools_impl
from uvicorn.protocols.http.flow_control import service_unavailable
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol, RequestResponseCycle

log = logging.getLogger(__name__)

#: The scope key that carries a request's whole body when it arrived with its head.
BODY = "reasoning.body"

# uvicorn's per-header checks (HEADER_RE, HEADER_VALUE_RE) as the bytes they refuse, looked for
# in all the names joined and all the values joined: `bytes.translate` deletes them in one pass
# of C, a fraction of what a character-class search costs per byte.
_BAD_NAME = bytes(range(0x20)) + b'\x7f()<>@,;:[]={} \t\\"'
_BAD_VALUE = bytes([*range(0x09), *range(0x0A, 0x20), 0x7F])
_CRLF = b"\r\n"


class Cycle(RequestResponseCycle):
    """One request and its answer, as uvicorn's cycle with the two changes the module describes."""

    async def run_asgi(self, app: Any) -> None:
        if not self.more_body and not self.waiting_for_100_continue:
            self.scope[BODY] = bytes(self.body)  # type: ignore[literal-required]
            self.body = bytearray()
        await super().run_asgi(app)

    async def send(self, message: Any) -> None:
        if self.response_started or message["type"] != "http.response.start":
            head, self._held = self._held, None
            if head is None or message["type"] != "http.response.body":
                if head is not None:
                    self.transport.write(head)
                await super().send(message)
                return
            await self._body(head, message)
            return
        status: int = message["status"]
        if self.access_log or self.scope["method"] == "HEAD" or status in (204, 304):
            await super().send(message)  # uvicorn's own rules for the answers that have no body
            return
        length: int | None = None
        lines = [STATUS_LINE[status]]
        for name, value in self.default_headers + list(message.get("headers", ())):
            name = name.lower()
            if name == b"content-length" and length is None:
                length = int(value.decode())
            elif name == b"transfer-encoding" or name == b"connection":
                await super().send(message)  # the framing or the closing an app asks for: uvicorn's rules
                return
            lines += (name, b": ", value, _CRLF)
        if length is None:  # streamed: the head goes now
            await super().send(message)
            return
        names, values = b"".join(lines[1::4]), b"".join(lines[3::4])
        if len(names.translate(None, _BAD_NAME)) != len(names):
            raise RuntimeError("Invalid HTTP header name.")
        if len(values.translate(None, _BAD_VALUE)) != len(values):
            raise RuntimeError("Invalid HTTP header value.")
        if not self.keep_alive:
            lines.append(b"connection: close\r\n")
        lines.append(_CRLF)
        if self.flow.write_paused and not self.disconnected:
            await self.flow.drain()
        if self.disconnected:
            return
        self.response_started = True
        self.waiting_for_100_continue = False
        self.chunked_encoding = False
        self.expected_content_length = length
        self._held = b"".join(lines)

    _held: bytes | None = None

    async def _body(self, head: bytes, message: Any) -> None:
        """The first body message of an answer whose head is held: both in one write."""
        if self.flow.write_paused and not self.disconnected:
            await self.flow.drain()
        if self.disconnected:
            return
        body: bytes = message.get("body", b"")
        more_body = message.get("more_body", False)
        if len(body) > self.expected_content_length:
            raise RuntimeError("Response content longer than Content-Length")
        self.expected_content_length -= len(body)
        self.transport.write(head + body if body else head)
        if not more_body:
            if self.expected_content_length != 0:
                raise RuntimeError("Response content shorter than Content-Length")
            self.response_complete = True
            self.message_event.set()
            if not self.keep_alive:
                self.transport.close()
            self.on_response()


class ProxyProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, making a `Cycle` for each request instead of uvicorn's."""

    def on_headers_complete(self) -> None:
        # uvicorn's own (0.55), with `Cycle` for `RequestResponseCycle`
        http_version = self.parser.get_http_version()
        method = self.parser.get_method()
        self.scope["method"] = method.decode("ascii")
        if http_version != "1.1":
            self.scope["http_version"] = http_version
        if self.parser.should_upgrade() and self._should_upgrade():
            return
        parsed_url = httptools.parse_url(self.url)
        raw_path = parsed_url.path
        path = raw_path.decode("ascii")
        if "%" in path:
            path = urllib.parse.unquote(path)
        self.scope["path"] = self.root_path + path
        self.scope["raw_path"] = self.root_path.encode("ascii") + raw_path
        self.scope["query_string"] = parsed_url.query or b""
        if self.limit_concurrency is not None and (
            len(self.connections) >= self.limit_concurrency or len(self.tasks) >= self.limit_concurrency
        ):
            app = service_unavailable
            self.logger.warning("Exceeded concurrency limit.")
        else:
            app = self.app
        existing = self.cycle
        self.cycle = Cycle(
            scope=self.scope,
            transport=self.transport,
            flow=self.flow,
            logger=self.logger,
            access_logger=self.access_logger,
            access_log=self.access_log,
            default_headers=self.server_state.default_headers,
            message_event=asyncio.Event(),
            expect_100_continue=self.expect_100_continue,
            keep_alive=http_version != "1.0" and self.parser.should_keep_alive(),
            on_response=self.on_response_complete,
        )
        if existing is None or existing.response_complete:
            self._start_asgi_task(self.cycle, app)
        else:  # pipelined: queued behind the answer in progress
            self.flow.pause_reading()
            self.pipeline.appendleft((self.cycle, app))

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        if self.config.reset_contextvars:
            task = self.loop.create_task(cycle.run_asgi(app), context=contextvars.Context())
        else:
            task = self.loop.create_task(cycle.run_asgi(app))
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)


#: The parts of uvicorn's protocol module `ProxyProtocol` relies on, by name.
_CYCLE_ARGUMENTS = (
    "self", "scope", "transport", "flow", "logger", "access_logger", "access_log", "default_headers",
    "message_event", "expect_100_continue", "keep_alive", "on_response",
)  # fmt: skip
_PROTOCOL_METHODS = ("on_response_complete", "_should_upgrade", "on_body", "on_message_complete", "shutdown")


def fits(module: Any = httptools_impl) -> bool:
    """Whether uvicorn's protocol module has the shape `ProxyProtocol` was written against."""
    try:
        arguments = tuple(inspect.signature(module.RequestResponseCycle.__init__).parameters)
    except (AttributeError, TypeError, ValueError):
        return False
    return arguments == _CYCLE_ARGUMENTS and all(hasattr(module.HttpToolsProtocol, m) for m in _PROTOCOL_METHODS)


def protocol_class() -> type[asyncio.Protocol] | str:
    """`ProxyProtocol`, or uvicorn's own ("httptools") where its internals differ."""
    if fits():
        return ProxyProtocol
    log.warning("proxy: this uvicorn's HTTP protocol is not the one the proxy's fast path knows; using uvicorn's own")
    return "httptools"
