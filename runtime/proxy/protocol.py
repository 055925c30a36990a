"""The proxy's HTTP/1.1 connections: uvicorn's httptools protocol, with a request cycle and a fast path of its own.

    uvicorn.Server ── ProxyProtocol (uvicorn's HttpToolsProtocol: parsing, keep-alive, pipelining,
                      │               flow control, graceful shutdown)
                      ├─ the fast path: a pass-through request answered below ASGI (`_Answer`)
                      └─ Cycle, for every other request (uvicorn's RequestResponseCycle, two moves changed)

What the proxy spends on a pass-through request is mostly its HTTP layer (bench/proxy_overhead.py
measures it beside a bare relay), so three things differ from uvicorn's:

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
3. **The fast path** (`ProxyProtocol`'s docstring): a POST to one of the app's chat paths is read
   without a scope or a cycle and, once the app has decided it passes through, relayed with no
   ASGI at all; anything else it read becomes a `Cycle` with what was decided.

The keep-alive timeout is one timer per connection, left armed, where uvicorn makes one after each
answer. The rest (the parser's callbacks, receive, 100-continue, HEAD, 204/304, chunked and
`connection: close` rules) is uvicorn's own code. `protocol_class()` picks this protocol only on
the uvicorn release it was written against and tested with (`KNOWN`, and the shape of the classes
it extends), and uvicorn's own protocol otherwise: the proxy then works as before, a little slower.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import urllib.parse
from collections.abc import Iterable
from typing import Any

import httptools
import uvicorn
from uvicorn.protocols.http import httptools_impl
from uvicorn.protocols.http.flow_control import service_unavailable
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol, RequestResponseCycle

log = logging.getLogger(__name__)

#: The scope key that carries a request's whole body when it arrived with its head.
BODY = "reasoning.body"
#: The scope key of what the fast path decided of a request it hands to the ASGI path (the app's
#: `Decided`: parsed and routed), so that the app does neither again.
DECIDED = "reasoning.decided"

# uvicorn's per-header checks (HEADER_RE, HEADER_VALUE_RE) as the bytes they refuse, looked for
# in all the names joined and all the values joined: `bytes.translate` deletes them in one pass
# of C, a fraction of what a character-class search costs per byte.
_BAD_NAME = bytes(range(0x20)) + b'\x7f()<>@,;:[]={} \t\\"'
_BAD_VALUE = bytes([*range(0x09), *range(0x0A, 0x20), 0x7F])
_CRLF = b"\r\n"


class Cycle(RequestResponseCycle):
    """One request and its answer, as uvicorn's cycle with the two changes the module describes."""

    async def run_asgi(self, app: Any) -> None:
        if not self.more_body and not self.waiting_for_100_continue and BODY not in self.scope:
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
        made = _head(status, message.get("headers", ()), self.default_headers, self.keep_alive)
        if made is None:  # the app's own framing or closing: uvicorn's rules
            await super().send(message)
            return
        head, length = made
        if self.flow.write_paused and not self.disconnected:
            await self.flow.drain()
        if self.disconnected:
            return
        self.response_started = True
        self.waiting_for_100_continue = False
        self.chunked_encoding = length is None
        self.expected_content_length = length or 0
        if length is None:  # streamed: the head goes now, uvicorn's send frames the body chunked
            self.transport.write(head)
        else:
            self._held = head

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


def _head(
    status: int, headers: Iterable[tuple[bytes, bytes]], default: list[tuple[bytes, bytes]], keep_alive: bool
) -> tuple[bytes, int | None] | None:
    """An answer's head as uvicorn writes it (names lower-cased, `connection: close` when the
    connection ends with it) and its `content-length`; one without a length is framed chunked,
    but for a 204 or 304, which has no body.
    None for one with `transfer-encoding` or `connection` headers, whose rules are uvicorn's. A
    `RuntimeError` for a name or value uvicorn refuses."""
    length: int | None = None
    lines = [STATUS_LINE[status]]
    for name, value in (*default, *headers):
        name = name.lower()
        if name == b"content-length" and length is None:
            length = int(value.decode())
        elif name == b"transfer-encoding" or name == b"connection":
            return None
        lines += (name, b": ", value, _CRLF)
    names, values = b"".join(lines[1::4]), b"".join(lines[3::4])
    if len(names.translate(None, _BAD_NAME)) != len(names):
        raise RuntimeError("Invalid HTTP header name.")
    if len(values.translate(None, _BAD_VALUE)) != len(values):
        raise RuntimeError("Invalid HTTP header value.")
    if not keep_alive:  # in uvicorn's order
        lines.append(b"connection: close\r\n")
    if length is None and status not in (204, 304):
        lines.append(b"transfer-encoding: chunked\r\n")
    lines.append(_CRLF)
    return b"".join(lines), length


class _Request:
    """A request on the fast path: what the parser gave, the body as it arrives."""

    __slots__ = ("body", "complete", "headers", "keep_alive", "target")

    def __init__(self, target: bytes, headers: list[tuple[bytes, bytes]], keep_alive: bool) -> None:
        self.target = target
        self.headers = headers
        self.keep_alive = keep_alive
        self.body = bytearray()
        self.complete = False


class _Answer:
    """The ASGI `send` of a request the fast path answers: the bytes `Cycle.send` would write, to
    the connection, by the same rules (an answer with a length in one write, head first for one
    without, chunked), with the connection's flow control."""

    __slots__ = ("chunked", "complete", "gone", "held", "keep_alive", "left", "protocol", "started", "status")

    def __init__(self, protocol: ProxyProtocol, keep_alive: bool) -> None:
        self.protocol = protocol
        self.keep_alive = keep_alive
        self.held: bytes | None = None
        #: the answer's status, once it has started (None: never, as for a client gone first)
        self.status: int | None = None
        self.chunked = self.started = self.complete = self.gone = False
        self.left = 0

    async def __call__(self, message: Any) -> None:
        protocol = self.protocol
        if protocol.flow.write_paused and not self.gone:
            await protocol.flow.drain()
        if self.gone or self.complete:
            return
        transport = protocol.transport
        if message["type"] == "http.response.start":
            if self.started:
                raise RuntimeError("the answer has started already")
            self.started = True
            status = self.status = message["status"]
            made = _head(status, message.get("headers", ()), protocol.server_state.default_headers, self.keep_alive)
            if made is None:
                raise RuntimeError("the fast path relays no hop-by-hop headers")
            head, length = made
            if status in (204, 304):  # no body, whatever the length says
                self.left = 0
                transport.write(head)
            elif length is None:  # streamed: the head goes now, the body chunked
                self.chunked = True
                transport.write(head)
            else:
                self.held, self.left = head, length
            return
        body: bytes = message.get("body", b"")
        more = bool(message.get("more_body", False))
        if self.chunked:
            transport.write((b"%x\r\n%s\r\n" % (len(body), body) if body else b"") + (b"" if more else b"0\r\n\r\n"))
        else:
            if len(body) > self.left:
                raise RuntimeError("Response content longer than Content-Length")
            self.left -= len(body)
            held, self.held = self.held, None
            data = held + body if held is not None else body
            if data:
                transport.write(data)
            if not more and self.left:
                raise RuntimeError("Response content shorter than Content-Length")
        if not more:
            self.complete = True


class ProxyProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, making a `Cycle` for each request instead of uvicorn's, with
    the proxy's fast path: a request the app passes through is answered below ASGI.

    The fast path takes a POST to one of the app's `FAST_PATHS` (HTTP/1.1, kept alive, a
    `content-length` within the app's limit, no `expect`, nothing else in progress on the
    connection) and, once its body is in, asks the app to decide it (`ProxyApp.decide`: parsed
    and routed). One that passes through is relayed by `ProxyApp.pass_through` with `_Answer` as
    its `send`: no scope, no cycle, no ASGI. Any other (refused, a dry run, a role's, a body
    still arriving after the read that brought its head) is made a `Cycle` and goes the ASGI
    way, with what was decided in the scope, so nothing is parsed or routed twice. uvicorn's own
    machinery (keep-alive timer, pipelining queue, graceful shutdown, flow control) serves both."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        app = self.config.app
        #: the app, when it has the fast path's methods (`ProxyApp`)
        self.fast: Any = app if all(hasattr(app, n) for n in ("decide", "pass_through", "FAST_PATHS")) else None
        self._request: _Request | None = None  # the fast path's request being read
        self._answer: _Answer | None = None  # the fast path's answer in progress
        self._closing = False

    # -- parsing: the fast path's request, or uvicorn's scope ---------------------------------

    def on_message_begin(self) -> None:
        if self.fast is None:
            super().on_message_begin()
            return
        self.url = b""
        self.expect_100_continue = False
        self.headers = []
        self._request = None  # the scope waits until a request is known not to be the fast path's

    def _begin_scope(self) -> None:
        """uvicorn's `on_message_begin`, for the request whose head was just parsed."""
        url, headers, expect = self.url, self.headers, self.expect_100_continue
        super().on_message_begin()
        self.url, self.expect_100_continue = url, expect
        self.headers = self.scope["headers"] = headers

    def _takes(self) -> bool:
        """Whether the fast path takes the request whose head was just parsed."""
        parser = self.parser
        if (
            self.url not in self.fast.FAST_PATHS
            or parser.get_method() != b"POST"
            or parser.get_http_version() != "1.1"
            or not parser.should_keep_alive()
            or parser.should_upgrade()
            or self.expect_100_continue
            or self.limit_concurrency is not None
            or self.root_path
            or self._closing
            or self._answer is not None
            or not (self.cycle is None or self.cycle.response_complete)
        ):
            return False
        length = None
        for name, value in self.headers:
            if name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                return False
        return length is not None and length.isdigit() and int(length) <= self.fast.max_body_bytes

    def on_headers_complete(self) -> None:
        if self.fast is not None:
            if self._takes():
                self._request = _Request(self.url, self.headers, keep_alive=True)
                return
            self._begin_scope()
        self._asgi()

    def on_body(self, body: bytes) -> None:
        request = self._request
        if request is None:
            super().on_body(body)
        else:
            request.body += body

    def on_message_complete(self) -> None:
        request = self._request
        if request is None:
            super().on_message_complete()
            return
        self._request = None
        request.complete = True
        self._answer = _Answer(self, request.keep_alive)
        task = self.loop.create_task(self._serve(request, self._answer))
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        request = self._request
        if request is not None and not request.complete and not self.transport.is_closing():
            # the rest of the body comes later: read as uvicorn reads it, with the app's limit and timeout
            self._request = None
            self._begin_scope()
            self._asgi()
            if request.body:
                self.on_body(bytes(request.body))

    def _asgi(self) -> None:
        """uvicorn's `on_headers_complete` (0.55), with `Cycle` for `RequestResponseCycle`."""
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
        self.cycle = self._cycle(self.scope, http_version != "1.0" and self.parser.should_keep_alive())
        if (existing is None or existing.response_complete) and self._answer is None:
            self._start_asgi_task(self.cycle, app)
        else:  # pipelined: queued behind the answer in progress
            self.flow.pause_reading()
            self.pipeline.appendleft((self.cycle, app))

    def _cycle(self, scope: Any, keep_alive: bool) -> Cycle:
        return Cycle(
            scope=scope,
            transport=self.transport,
            flow=self.flow,
            logger=self.logger,
            access_logger=self.access_logger,
            access_log=self.access_log,
            default_headers=self.server_state.default_headers,
            message_event=asyncio.Event(),
            expect_100_continue=self.expect_100_continue,
            keep_alive=keep_alive,
            on_response=self.on_response_complete,
        )

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        if getattr(self.config, "reset_contextvars", False):  # uvicorn 0.40 and later
            task = self.loop.create_task(cycle.run_asgi(app), context=contextvars.Context())
        else:
            task = self.loop.create_task(cycle.run_asgi(app))
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)

    # -- the fast path's answer ---------------------------------------------------------------

    async def _serve(self, request: _Request, answer: _Answer) -> None:
        raw = bytes(request.body)
        try:
            decided = self.fast.decide(request.target, request.headers, raw)
        except Exception:  # a bug: the ASGI path decides again and answers it in the API's shape
            log.exception("proxy: the fast path could not decide POST %s", request.target.decode("latin-1"))
            decided = None
        if decided is None or not decided.passes or self._closing:
            await self._hand_over(request, raw, decided)
            return
        try:
            await self.fast.pass_through(request.target, request.headers, raw, decided, answer)
        finally:
            self._answer = None
            if answer.complete and answer.keep_alive and not answer.gone:
                self.on_response_complete()
            else:  # over (shut down, the client gone) or broken off: the connection ends with it
                self.transport.close()

    async def _hand_over(self, request: _Request, raw: bytes, decided: Any) -> None:
        """The request the ASGI way, as a `Cycle` whose scope is uvicorn's for it, with its body
        and what was decided of it."""
        path = request.target.decode("ascii")
        scope = {
            "type": "http",
            "asgi": {"version": self.asgi_version, "spec_version": "2.3"},
            "http_version": "1.1",
            "server": self.server,
            "client": self.client,
            "scheme": self.scheme,
            "root_path": self.root_path,
            "headers": request.headers,
            "state": self.app_state.copy(),
            "method": "POST",
            "path": path,
            "raw_path": request.target,
            "query_string": b"",
            BODY: raw,
        }
        if decided is not None:
            scope[DECIDED] = decided
        cycle = self._cycle(scope, request.keep_alive and not self._closing)
        cycle.more_body = False
        self.cycle, self._answer = cycle, None
        await cycle.run_asgi(self.app)

    # -- the connection -------------------------------------------------------------------

    # The keep-alive timeout, as one timer per connection left armed: uvicorn makes one after each
    # answer and cancels it at the next read, two timer operations a request.
    _idle_since: float | None = None

    def _unset_keepalive_if_required(self) -> None:
        self._idle_since = None  # busy: the armed timer, when it fires, finds it so and waits on

    def on_response_complete(self) -> None:
        # uvicorn's own (0.55), with the timer left armed
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self._idle_since = None
        self.flow.resume_reading()
        if self.pipeline:
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
            return
        self._idle_since = self.loop.time()
        if self.timeout_keep_alive_task is None:
            self.timeout_keep_alive_task = self.loop.call_at(
                self._idle_since + self.timeout_keep_alive, self._keep_alive_check
            )

    def _keep_alive_check(self) -> None:
        """Closes a connection idle for the keep-alive timeout since its last answer; re-arms for
        one that is busy or has been idle less."""
        self.timeout_keep_alive_task = None
        since = self._idle_since
        if since is None or self.transport.is_closing():
            return  # busy: the next answer arms it again
        if self.loop.time() - since >= self.timeout_keep_alive:
            self.timeout_keep_alive_handler()
        else:
            self.timeout_keep_alive_task = self.loop.call_at(since + self.timeout_keep_alive, self._keep_alive_check)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._answer is not None:
            self._answer.gone = True
        if self.timeout_keep_alive_task is not None:
            self.timeout_keep_alive_task.cancel()
            self.timeout_keep_alive_task = None
        super().connection_lost(exc)

    def shutdown(self) -> None:
        self._closing = True
        if self._answer is not None:  # the answer in progress ends the connection
            self._answer.keep_alive = False
            return
        super().shutdown()


#: The parts of uvicorn's protocol module `ProxyProtocol` relies on, by name.
_CYCLE_ARGUMENTS = (
    "self", "scope", "transport", "flow", "logger", "access_logger", "access_log", "default_headers",
    "message_event", "expect_100_continue", "keep_alive", "on_response",
)  # fmt: skip
_PROTOCOL_METHODS = (
    "on_response_complete", "_should_upgrade", "on_body", "on_message_complete", "shutdown",
    "_unset_keepalive_if_required", "timeout_keep_alive_handler", "on_message_begin", "connection_lost",
)  # fmt: skip


#: The uvicorn releases whose protocol `ProxyProtocol` was written against and tested with (its
#: attributes, the order of its callbacks, which its methods set): others vary in all three
#: (0.45 has no `asgi_version` on the protocol, 0.30 another keep-alive rule).
KNOWN = ("0.55",)


def fits(module: Any = httptools_impl, version: str = uvicorn.__version__) -> bool:
    """Whether uvicorn is a release `ProxyProtocol` knows, with the shape it was written against."""
    if ".".join(version.split(".")[:2]) not in KNOWN:
        return False
    try:
        arguments = tuple(inspect.signature(module.RequestResponseCycle.__init__).parameters)
    except (AttributeError, TypeError, ValueError):
        return False
    return arguments == _CYCLE_ARGUMENTS and all(hasattr(module.HttpToolsProtocol, m) for m in _PROTOCOL_METHODS)


def protocol_class() -> type[asyncio.Protocol] | str:
    """`ProxyProtocol`, or uvicorn's own ("httptools") where its internals differ."""
    if fits():
        return ProxyProtocol
    log.warning(
        "proxy: uvicorn %s is not a release the proxy's own protocol knows (%s); using uvicorn's, a little slower",
        uvicorn.__version__, ", ".join(f"{known}.x" for known in KNOWN),
    )  # fmt: skip
    return "httptools"
