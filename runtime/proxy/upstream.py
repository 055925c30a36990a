"""The proxy's HTTP/1.1 client: a pool of keep-alive connections per origin, bytes moved by framing.

    relay (pass-through, fallback) ─┐
    custom (a role's model stream) ─┴─► Pool.send(origin, method, target, headers, body) ─► Response
                                                                   readany() ... b""  (the body, as it comes)

The proxy asks little of a client: write one request (the head it is given, the whole body with
its length), read the status and headers, then the body in the pieces it arrives in, undecoded.
So it is a protocol on the event loop's transport with httptools' response parser (the C parser
uvicorn serves with) and no more: no redirects, no cookies, no decompression, no headers of its
own beyond `host` and `content-length`. That is what keeps pass-through exact (the method, target,
headers and body the client sent, less hop-by-hop) and what takes a relayed request from ~650 µs
of the proxy's CPU through aiohttp to a fraction of it (bench/proxy_overhead.py).

Connections are reused while the upstream keeps them alive, for at most `IDLE_SECONDS` idle. A
request on a reused connection that the upstream closed before answering a byte (it timed out
the idle connection as the request went out) is sent once more on a new one, as browsers and
aiohttp do. What a connection can fail with is an `OSError` (`ConnectionError` for a broken or
malformed answer) or `TimeoutError`: both in `runtime.model_client.TRANSPORT_ERRORS`.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import cast
from urllib.parse import urlsplit

import httptools

#: A connection idle longer than this is closed rather than reused (aiohttp's keep-alive default).
IDLE_SECONDS = 30.0
#: Response bytes buffered before reading from the upstream pauses (the client is slower).
HIGH_WATER = 1 << 20

_CRLF = b"\r\n"


class UpstreamBroken(ConnectionError):
    """The upstream closed the connection, or sent what is not HTTP, before the answer was whole."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a base URL's requests go: scheme, host, port, and the path its targets start with."""

    tls: bool
    host: str
    port: int
    prefix: str  # "" or "/path", prepended to every target
    #: `host:port` (the port only when not the scheme's), as the `host` header says it; made once
    #: (the idna codec is Python code, a few microseconds a request)
    host_header: bytes = field(init=False, repr=False, compare=False)
    #: the prefix as the request line's bytes
    prefix_bytes: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        default = 443 if self.tls else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        header = (host if self.port == default else f"{host}:{self.port}").encode("idna")
        object.__setattr__(self, "host_header", header)  # frozen: set once, here
        object.__setattr__(self, "prefix_bytes", self.prefix.encode())


@lru_cache(maxsize=64)
def origin_of(url: str) -> Origin:
    """The origin of an `http(s)://host[:port][/prefix]` URL (parsed once per URL)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL")
    tls = parts.scheme == "https"
    return Origin(tls, parts.hostname, parts.port or (443 if tls else 80), parts.path.rstrip("/"))


class Response:
    """A response whose head is in; `readany()` gives the body as it arrives, b"" at its end."""

    __slots__ = ("_connection", "headers", "status")

    def __init__(self, connection: _Connection, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        self._connection = connection
        self.status = status
        #: as received, in order; names lower-case
        self.headers = headers

    def header(self, name: bytes) -> bytes | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None

    @property
    def content_type(self) -> str:
        """The media type, lower-case, without parameters (`text/event-stream`)."""
        value = self.header(b"content-type") or b""
        return value.split(b";", 1)[0].strip().lower().decode("latin-1")

    @property
    def complete(self) -> bool:
        """The whole body has been read (`readany()` would give b"")."""
        return self._connection.drained

    async def readany(self) -> bytes:
        """The body bytes received since the last call (waiting for some), b"" once it has all come."""
        return await self._connection.read()

    def close(self) -> None:
        """Done with it: its connection goes back to the pool if the answer was read whole and the
        upstream keeps it alive, else it is closed."""
        self._connection.release()


class _Connection(asyncio.Protocol):
    """One keep-alive connection: one request at a time, its answer parsed as it arrives."""

    def __init__(self, pool: Pool, origin: Origin) -> None:
        self.pool = pool
        self.origin = origin
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self.last_read = 0.0
        #: the read timeout's timer, armed by a wait and left armed (`_check_idle`): one per
        #: connection, not one per wait
        self._timer: asyncio.TimerHandle | None = None
        self.parser = httptools.HttpResponseParser(self)
        self._reset()

    def _reset(self) -> None:
        # The parser stays: after a whole answer on a kept-alive connection (the only kind reused)
        # it is ready for the next, as uvicorn's request parser is.
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.buffered = 0
        self.head_done = False
        self.done = False
        self.error: BaseException | None = None
        self.received = False
        self.waiter: asyncio.Future[None] | None = None
        self.paused = False
        self.head_only = False
        self.released = True
        self.keep_alive = False
        self._until_close = False

    # -- asyncio.Protocol ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is one, without the base class

    def data_received(self, data: bytes) -> None:
        self.received = True
        self.last_read = self.loop.time()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(UpstreamBroken(f"the upstream's answer is not HTTP/1.1 ({error})"))
            return
        if self.buffered > HIGH_WATER and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._disarm()
        self.pool.forget(self)
        if not self.done:
            if self.head_done and self._until_close:  # a body delimited by the end of the connection
                self.done = True
                self._wake()
            else:
                self._fail(UpstreamBroken("the upstream closed the connection before its answer was whole"))

    # -- httptools callbacks ---------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        if self.status < 200:  # 1xx: an interim answer, the real one follows
            return
        self.head_done = True
        self._until_close = not any(n in (b"content-length", b"transfer-encoding") for n, _ in self.headers) and (
            self.status not in (204, 304)
        )
        if self.head_only:
            self.done = True
            self.closed = True  # the parser expects a body a HEAD answer never has: not reused
        self._wake()

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.buffered += len(body)
        if self.waiter is not None:
            self._wake()

    def on_message_complete(self) -> None:
        if self.status < 200:
            self.headers = []
            return
        self.done = True
        self.keep_alive = self.parser.should_keep_alive()
        self._wake()

    # -- the request -----------------------------------------------------------------------

    def _wake(self) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, error: BaseException) -> None:
        if self.error is None:
            self.error = error
        self.done = True
        self._wake()
        if self.transport is not None:
            self.transport.close()

    async def _wait(self) -> None:
        """Until the parser has news; TimeoutError after `read_timeout` seconds without a byte."""
        waiter = self.waiter = self.loop.create_future()
        timeout = self.pool.read_timeout
        if timeout is not None and self._timer is None:
            self._timer = self.loop.call_at(self.last_read + timeout, self._check_idle, timeout)
        await waiter

    def _check_idle(self, timeout: float) -> None:
        """The read timeout's timer: fails a wait that has had no byte for `timeout` seconds, and
        re-arms for one that has (or stays unarmed until the next wait, when nobody waits)."""
        self._timer = None
        waiter = self.waiter
        if waiter is None or waiter.done() or self.closed:
            return
        if self.loop.time() - self.last_read >= timeout:
            self._fail(TimeoutError(f"no byte from the upstream in {timeout:g} s"))
        else:
            self._timer = self.loop.call_at(self.last_read + timeout, self._check_idle, timeout)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def exchange(self, request: bytes, head_only: bool) -> Response:
        self._reset()
        self.released = False
        self.head_only = head_only
        self.last_read = self.loop.time()
        assert self.transport is not None
        self.transport.write(request)
        while not self.head_done and self.error is None:
            await self._wait()
        if self.error is not None:
            raise self.error
        return Response(self, self.status, self.headers)

    @property
    def drained(self) -> bool:
        return self.done and not self.chunks

    async def read(self) -> bytes:
        while not self.chunks and not self.done:
            await self._wait()
        if self.chunks:
            data = self.chunks[0] if len(self.chunks) == 1 else b"".join(self.chunks)
            self.chunks.clear()
            self.buffered = 0
            if self.paused and self.transport is not None:
                self.paused = False
                self.transport.resume_reading()
            return data
        if self.error is not None:
            raise self.error
        return b""

    def discard(self) -> None:
        self.released = self.closed = True
        if self.transport is not None:
            self.transport.close()

    def release(self) -> None:
        if self.released:
            return
        self.released = True
        if self.done and self.error is None and not self.closed and self.keep_alive:
            self.idle_since = self.loop.time()
            self.pool.put(self)
        else:
            self.discard()


class Pool:
    """Keep-alive connections per origin, for the proxy's event loop (made in it)."""

    def __init__(self, *, connect_timeout: float | None = None, read_timeout: float | None = None) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._idle: dict[Origin, list[_Connection]] = {}
        self._tls: ssl.SSLContext | None = None

    async def send(
        self, origin: Origin, method: str, target: str, headers: Sequence[tuple[bytes, bytes]], body: bytes
    ) -> Response:
        """Send one request; its `Response` once the head is in. `headers` are sent as given, after
        `host`, with `content-length` for a body (and for an empty POST, PUT or PATCH)."""
        lines = [b"%s %s%s HTTP/1.1" % (method.encode("ascii"), origin.prefix_bytes, target.encode("latin-1")),
                 b"host: " + origin.host_header, *map(b": ".join, headers)]  # fmt: skip
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(b"content-length: %d" % len(body))
        lines += (b"", body)
        request = _CRLF.join(lines)
        head_only = method == "HEAD"
        connection = self._take(origin)
        if connection is not None:
            try:
                return await connection.exchange(request, head_only)
            except UpstreamBroken:
                if connection.received:  # it began to answer: this request is the upstream's now
                    raise
            except BaseException:  # a timeout or a cancellation around the call: the answer is unread
                connection.discard()
                raise
        connection = await self._connect(origin)
        try:
            return await connection.exchange(request, head_only)
        except BaseException:
            connection.discard()
            raise

    def _take(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        if not idle:
            return None
        now = idle[-1].loop.time()  # the loop every connection of this pool runs in
        while idle:
            connection = idle.pop()
            if not connection.closed and now - connection.idle_since < IDLE_SECONDS:
                return connection
            connection.closed = True
            if connection.transport is not None:
                connection.transport.close()
        return None

    async def _connect(self, origin: Origin) -> _Connection:
        loop = asyncio.get_running_loop()
        tls = None
        if origin.tls:
            if self._tls is None:
                self._tls = ssl.create_default_context()
            tls = self._tls
        async with asyncio.timeout(self.connect_timeout):
            _, protocol = await loop.create_connection(
                lambda: _Connection(self, origin), origin.host, origin.port, ssl=tls,
                server_hostname=origin.host if tls else None,
            )  # fmt: skip
        return protocol

    def put(self, connection: _Connection) -> None:
        self._idle.setdefault(connection.origin, []).append(connection)

    def forget(self, connection: _Connection) -> None:
        idle = self._idle.get(connection.origin)
        if idle and connection in idle:
            idle.remove(connection)

    async def close(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.closed = True
                if connection.transport is not None:
                    connection.transport.close()
        self._idle.clear()
