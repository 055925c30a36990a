"""The proxy's HTTP/1.1 client (`runtime.proxy.upstream`): exact requests, answers read by their
framing, keep-alive connections reused, an upstream that hangs up handled."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from runtime.proxy.upstream import Pool, Response, UpstreamBroken, origin_of

Answer = Callable[[bytes], bytes | None]  # the request's bytes -> what to write back (None: hang up)


class Upstream:
    """A raw server on 127.0.0.1: each request (head and `content-length` body) is answered by `answer`."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[bytes] = []
        self.connections = 0
        self.hang_up = False  # close each connection after its first answer

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (int(line[15:]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")), 0
                )
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                reply = self.answer(request)
                if reply is None:
                    break
                writer.write(reply)
                await writer.drain()
                if self.hang_up:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    async def run(self, body: Callable[[Pool, str], Awaitable[None]]) -> None:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        pool = Pool()
        try:
            await body(pool, f"http://127.0.0.1:{port}")
        finally:
            await pool.close()
            server.close()


def ok(body: bytes = b"{}", extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n%scontent-length: %d\r\n\r\n%s" % (
        extra,
        len(body),
        body,
    )


async def read_all(response: Response) -> bytes:
    pieces = []
    while piece := await response.readany():
        pieces.append(piece)
    response.close()
    return b"".join(pieces)


class TestRequests:
    def test_the_request_goes_as_given_with_host_and_length(self) -> None:
        upstream = Upstream(lambda _: ok())

        async def body(pool: Pool, base: str) -> None:
            headers = [(b"x-api-key", b"k"), (b"anthropic-version", b"2023-06-01")]
            response = await pool.send(origin_of(base), "POST", "/v1/messages?beta=true", headers, b'{"a":1}')
            await read_all(response)

        asyncio.run(upstream.run(body))
        [request] = upstream.requests
        head, _, sent = request.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        assert lines[0] == b"POST /v1/messages?beta=true HTTP/1.1"
        assert lines[1].startswith(b"host: 127.0.0.1:")
        assert lines[2:] == [b"x-api-key: k", b"anthropic-version: 2023-06-01", b"content-length: 7"]
        assert sent == b'{"a":1}'

    def test_a_get_without_a_body_has_no_length_and_a_base_path_prefixes_the_target(self) -> None:
        upstream = Upstream(lambda _: ok())

        async def body(pool: Pool, base: str) -> None:
            await read_all(await pool.send(origin_of(base + "/gateway/"), "GET", "/v1/models", [], b""))

        asyncio.run(upstream.run(body))
        head = upstream.requests[0].split(b"\r\n")
        assert head[0] == b"GET /gateway/v1/models HTTP/1.1"
        assert not any(line.startswith(b"content-length") for line in head)


class TestAnswers:
    def test_status_headers_and_a_chunked_body_come_back_as_sent(self) -> None:
        chunked = (
            b"HTTP/1.1 201 Created\r\ncontent-type: text/event-stream\r\nX-Request-Id: r1\r\n"
            b"transfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        )
        upstream = Upstream(lambda _: chunked)
        got: list[object] = []

        async def body(pool: Pool, base: str) -> None:
            response = await pool.send(origin_of(base), "POST", "/v1/messages", [], b"{}")
            got.extend([response.status, response.header(b"x-request-id"), response.content_type])
            got.append(await read_all(response))

        asyncio.run(upstream.run(body))
        assert got == [201, b"r1", "text/event-stream", b"hello world"]

    def test_a_body_that_ends_with_the_connection_is_read_whole(self) -> None:
        upstream = Upstream(lambda _: b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nall of it")
        upstream.hang_up = True
        got: list[bytes] = []

        async def body(pool: Pool, base: str) -> None:
            got.append(await read_all(await pool.send(origin_of(base), "GET", "/v1/x", [], b"")))

        asyncio.run(upstream.run(body))
        assert got == [b"all of it"]

    def test_a_head_answer_has_no_body_whatever_its_length_says(self) -> None:
        upstream = Upstream(lambda _: b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n")
        got: list[bytes] = []

        async def body(pool: Pool, base: str) -> None:
            got.append(await read_all(await pool.send(origin_of(base), "HEAD", "/", [], b"")))

        asyncio.run(upstream.run(body))
        assert got == [b""]

    def test_an_answer_cut_short_is_an_error_not_a_short_body(self) -> None:
        upstream = Upstream(lambda _: b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly this")
        upstream.hang_up = True
        got: list[bytes] = []

        async def body(pool: Pool, base: str) -> None:
            response = await pool.send(origin_of(base), "POST", "/v1/messages", [], b"{}")
            with pytest.raises(UpstreamBroken):
                while piece := await response.readany():
                    got.append(piece)
            response.close()

        asyncio.run(upstream.run(body))
        assert got == [b"only this"]


class TestConnections:
    def test_a_kept_alive_connection_is_reused(self) -> None:
        upstream = Upstream(lambda _: ok())

        async def body(pool: Pool, base: str) -> None:
            for _ in range(3):
                await read_all(await pool.send(origin_of(base), "POST", "/v1/messages", [], b"{}"))

        asyncio.run(upstream.run(body))
        assert (len(upstream.requests), upstream.connections) == (3, 1)

    def test_connection_close_is_honoured(self) -> None:
        upstream = Upstream(lambda _: ok(extra=b"connection: close\r\n"))

        async def body(pool: Pool, base: str) -> None:
            for _ in range(2):
                await read_all(await pool.send(origin_of(base), "POST", "/v1/messages", [], b"{}"))

        asyncio.run(upstream.run(body))
        assert (len(upstream.requests), upstream.connections) == (2, 2)

    def test_an_idle_connection_the_upstream_dropped_is_replaced_without_an_error(self) -> None:
        # the server drops each connection after one answer, without saying so (no `connection: close`)
        upstream = Upstream(lambda _: ok())
        upstream.hang_up = True
        got: list[int] = []

        async def body(pool: Pool, base: str) -> None:
            for _ in range(3):
                response = await pool.send(origin_of(base), "POST", "/v1/messages", [], b"{}")
                got.append(response.status)
                await read_all(response)

        asyncio.run(upstream.run(body))
        assert got == [200, 200, 200] and upstream.connections == 3

    def test_an_unreachable_upstream_is_an_os_error(self) -> None:
        async def body() -> None:
            pool = Pool(connect_timeout=5)
            with pytest.raises(OSError):
                await pool.send(origin_of("http://127.0.0.1:1"), "GET", "/", [], b"")

        asyncio.run(body())


class _Skipping(asyncio.SelectorEventLoop):
    """An event loop whose clock the test moves on (timers fall due without waiting for them)."""

    skipped = 0.0

    def time(self) -> float:
        return super().time() + self.skipped


class TestReadTimeout:
    def test_a_silent_upstream_fails_the_request_after_the_read_timeout_not_before(self) -> None:
        upstream = Upstream(lambda _: b"")  # reads each request and never answers
        loop = _Skipping()
        outcome: list[str] = []

        async def turns(until: Callable[[], bool]) -> None:
            for _ in range(10_000):
                if until():
                    return
                await asyncio.sleep(0)

        async def body(pool: Pool, base: str) -> None:
            pool.read_timeout = 30.0
            sent = asyncio.ensure_future(pool.send(origin_of(base), "POST", "/v1/messages", [], b"{}"))
            await turns(lambda: bool(upstream.requests))
            loop.skipped += 29.0
            await turns(lambda: False)
            outcome.append("done early" if sent.done() else "waiting")
            loop.skipped += 2.0
            await turns(sent.done)
            outcome.append("failed" if sent.done() else "still waiting")
            if not sent.done():
                sent.cancel()
                return
            with pytest.raises(TimeoutError, match="no byte from the upstream in 30 s"):
                await sent

        try:
            loop.run_until_complete(upstream.run(body))
        finally:
            loop.close()
        assert outcome == ["waiting", "failed"]
