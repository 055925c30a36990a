"""The proxy's request cycle (`runtime.proxy.protocol`): the bytes uvicorn's cycle writes, in fewer
writes, and a body that came with its head handed to the app whole.

uvicorn's own `RequestResponseCycle` is the reference: for the same ASGI messages, ours must put
the same bytes on the wire, and where it holds a head back, in one write instead of two."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from uvicorn.protocols.http import httptools_impl
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

from runtime.proxy import protocol
from runtime.proxy.protocol import BODY, DECIDED, Cycle
from tests.runtime.proxy.conftest import ANTHROPIC_KEY, UPSTREAM_MODEL, Serve, World
from tests.support.served import ServedProxy

DATE = b"Thu, 03 Dec 2026 09:00:00 GMT"


class Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None: ...
    def resume_reading(self) -> None: ...


class Flow:
    write_paused = False
    read_paused = False

    def resume_reading(self) -> None: ...


def run(kind: type[RequestResponseCycle], messages: list[dict[str, Any]], *, method: str = "POST",
        keep_alive: bool = True) -> tuple[Transport, list[str]]:  # fmt: skip
    """`messages` sent through a cycle of `kind`; what reached the transport, and what was raised."""
    transport = Transport()
    completed: list[str] = []

    async def go() -> None:
        cycle = kind(
            scope={"method": method, "path": "/v1/messages", "http_version": "1.1"},  # type: ignore[typeddict-item]
            transport=transport,  # type: ignore[arg-type]
            flow=Flow(),  # type: ignore[arg-type]
            logger=None,  # type: ignore[arg-type]
            access_logger=None,  # type: ignore[arg-type]
            access_log=False,
            default_headers=[(b"date", DATE)],
            message_event=asyncio.Event(),
            expect_100_continue=False,
            keep_alive=keep_alive,
            on_response=lambda: completed.append("complete"),
        )
        for message in messages:
            try:
                await cycle.send(message)  # type: ignore[arg-type]
            except RuntimeError as error:
                completed.append(f"error: {error}")
                return

    asyncio.run(go())
    return transport, completed


def start(status: int, *headers: tuple[bytes, bytes]) -> dict[str, Any]:
    return {"type": "http.response.start", "status": status, "headers": list(headers)}


def body(data: bytes, more: bool = False) -> dict[str, Any]:
    return {"type": "http.response.body", "body": data, "more_body": more}


JSON = (b"content-type", b"application/json")

CASES: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {
    "a whole answer": ([start(200, JSON, (b"content-length", b"2")), body(b"{}")], {}),
    "a length answer in pieces": (
        [start(200, (b"content-length", b"6")), body(b"ab", True), body(b"cd", True), body(b"ef")],
        {},
    ),
    "an empty answer with its length": ([start(200, (b"content-length", b"0")), body(b"")], {}),
    "a length answer whose first piece is empty": (
        [start(200, (b"content-length", b"2")), body(b"", True), body(b"ok")],
        {},
    ),
    "a stream": ([start(200, (b"content-type", b"text/event-stream")), body(b"data: 1\n\n", True), body(b"")], {}),
    "a chunked answer the app frames": (
        [start(200, (b"transfer-encoding", b"chunked")), body(b"ab", True), body(b"")],
        {},
    ),
    "connection close from the app": (
        [start(400, (b"content-length", b"2"), (b"connection", b"close")), body(b"no")],
        {},
    ),
    "a connection not kept alive": ([start(200, (b"content-length", b"2")), body(b"ok")], {"keep_alive": False}),
    "a stream on a connection not kept alive": (
        [start(200, (b"content-type", b"text/event-stream")), body(b"data: 1\n\n", True), body(b"")],
        {"keep_alive": False},
    ),
    "a head answer": ([start(200, (b"content-length", b"20")), body(b"")], {"method": "HEAD"}),
    "no content": ([start(204), body(b"")], {}),
    "upper-case names": ([start(200, (b"Content-Length", b"2"), (b"X-Thing", b"1")), body(b"ok")], {}),
    "a value with a tab": ([start(200, (b"content-length", b"2"), (b"x-a", b"a\tb")), body(b"ok")], {}),
    "a bad header value": ([start(200, (b"content-length", b"2"), (b"x-a", b"a\nb")), body(b"ok")], {}),
    "a bad header name": ([start(200, (b"content-length", b"2"), (b"x a", b"1")), body(b"ok")], {}),
    "a body longer than its length": ([start(200, (b"content-length", b"1")), body(b"ok")], {}),
    "a body shorter than its length": ([start(200, (b"content-length", b"3")), body(b"ok")], {}),
}


@pytest.mark.parametrize("case", CASES)
def test_the_same_bytes_as_uvicorns_cycle(case: str) -> None:
    messages, options = CASES[case]
    theirs, their_end = run(RequestResponseCycle, messages, **options)
    ours, our_end = run(Cycle, messages, **options)
    assert (our_end, ours.closed) == (their_end, theirs.closed)
    if their_end and their_end[-1].startswith("error"):  # the app's bug: ours may not have written the held head
        assert b"".join(theirs.writes).startswith(b"".join(ours.writes))
    else:
        assert b"".join(ours.writes) == b"".join(theirs.writes)


def test_an_answer_with_its_length_is_one_write_and_a_stream_has_its_head_at_once() -> None:
    whole, _ = run(Cycle, CASES["a whole answer"][0])
    assert len(whole.writes) == 1 and whole.writes[0].endswith(b"\r\n\r\n{}")
    assert len(run(RequestResponseCycle, CASES["a whole answer"][0])[0].writes) == 2  # uvicorn's: head, then body
    stream = Transport()

    async def go() -> None:
        cycle = Cycle({"method": "POST"}, stream, Flow(), None, None, False, [], asyncio.Event(), False, True,  # type: ignore[arg-type, typeddict-item]
                      lambda: None)  # fmt: skip
        await cycle.send(start(200, (b"content-type", b"text/event-stream")))
        assert len(stream.writes) == 1 and stream.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")  # before any event

    asyncio.run(go())


def test_the_installed_uvicorn_fits_and_another_shape_is_refused() -> None:
    assert protocol.fits()
    assert protocol.protocol_class() is protocol.ProxyProtocol

    class Elsewise:
        class RequestResponseCycle:
            def __init__(self, scope: Any, transport: Any) -> None: ...

        HttpToolsProtocol = httptools_impl.HttpToolsProtocol

    assert not protocol.fits(Elsewise)
    assert not protocol.fits(version="0.56.0") and not protocol.fits(version="0.45.0")


def _exchange(address: tuple[str, int], data: bytes, answers: int) -> list[bytes]:
    """`data` written to the proxy at once; `answers` answers read back by their content-length."""
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(data)
        buffer, out = b"", list[bytes]()
        while len(out) < answers:
            while b"\r\n\r\n" not in buffer:
                buffer += sock.recv(65536)
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            length = int(next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))[15:])
            while len(buffer) < length:
                buffer += sock.recv(65536)
            out.append(head + b"\r\n\r\n" + buffer[:length])
            buffer = buffer[length:]
        return out


def request(body: bytes) -> bytes:
    return (
        b"POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        b"x-reasoning-dry-run: 1\r\ncontent-length: %d\r\n\r\n" % len(body)
    ) + body


BODY_JSON = b'{"model":"claude-x","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}'


def test_pipelined_requests_are_answered_in_order(proxy: ServedProxy) -> None:
    other = BODY_JSON.replace(b"claude-x", b"claude-y")
    answers = _exchange(proxy.proxy.address, request(BODY_JSON) + request(other) + request(BODY_JSON), 3)
    assert [b'"model": "claude-x"' in a for a in answers] == [True, False, True]
    assert all(a.startswith(b"HTTP/1.1 200") for a in answers)


def test_the_body_reaches_the_app_in_the_scope_when_it_came_with_its_head() -> None:
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope.get(BODY))
        await send(start(200, (b"content-length", b"0")))
        await send(body(b""))

    async def go() -> None:
        for whole in (False, True):
            cycle = Cycle({"method": "POST"}, Transport(), Flow(), None, None, False, [], asyncio.Event(), False,  # type: ignore[arg-type, typeddict-item]
                          True, lambda: None)  # fmt: skip
            cycle.body += b"{}"
            cycle.more_body = not whole  # still arriving: read through receive()
            await cycle.run_asgi(app)

    asyncio.run(go())
    assert seen == [None, b"{}"]


def test_the_bytes_refused_in_headers_are_uvicorns() -> None:
    for code in range(256):
        byte = bytes([code])
        assert (httptools_impl.HEADER_RE.search(byte) is not None) == (not byte.translate(None, protocol._BAD_NAME))
        assert (httptools_impl.HEADER_VALUE_RE.search(byte) is not None) == (
            not byte.translate(None, protocol._BAD_VALUE)
        )


# -- the fast path, on a connection the test writes to (`FakeApp` decides as `ProxyApp` does) ------


class Connection(Transport):
    """A client connection as the protocol sees it: what it was written, what it reads."""

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8001), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def set_protocol(self, protocol: Any) -> None: ...


class FakeApp:
    """The fast path's side of `ProxyApp`: a body `{"pass": true}` passes through (answered 200
    `passed` by the fast path), any other is answered by the ASGI call with what it was handed."""

    FAST_PATHS = {b"/v1/messages": "anthropic"}
    max_body_bytes = 1000

    def __init__(self) -> None:
        self.decided: list[bytes] = []
        self.asgi: list[tuple[Any, Any]] = []

    def decide(self, target: bytes, headers: Any, raw: bytes) -> Any:
        self.decided.append(raw)
        if raw == b'{"boom": 1}':
            raise ValueError("a bug in deciding")

        class Decided:
            passes = b'"pass": true' in raw

        return Decided() if raw.startswith(b"{") else None

    async def pass_through(self, target: bytes, headers: Any, raw: bytes, decided: Any, send: Any) -> None:
        await send(start(200, (b"content-length", b"6")))
        await send(body(b"passed"))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        got = scope.get(BODY)
        if got is None:  # a body still arriving: read as uvicorn reads it
            got, more = b"", True
            while more:
                message = await receive()
                got, more = got + message.get("body", b""), message.get("more_body", False)
        self.asgi.append((got, DECIDED in scope))
        answer = b"asgi " + got
        await send(start(200, (b"content-length", str(len(answer)).encode())))
        await send(body(answer))


def serve_connection(*writes: bytes) -> tuple[Connection, FakeApp]:
    """The protocol on one connection: `writes` arrive (each a read of its own), answers are awaited."""
    import uvicorn
    from uvicorn.server import ServerState

    app = FakeApp()
    transport = Connection()

    async def go() -> None:
        config = uvicorn.Config(app, lifespan="off", access_log=False, log_config=None)
        config.load()
        state = ServerState()
        connection = protocol.ProxyProtocol(config=config, server_state=state, app_state={})
        connection.connection_made(transport)  # type: ignore[arg-type]
        for data in writes:
            connection.data_received(data)
            for _ in range(50):  # what the reads set going runs (no real time passes)
                await asyncio.sleep(0)
        assert not state.tasks, "every answer is done"

    asyncio.run(go())
    return transport, app


def post(data: bytes, **headers: str) -> bytes:
    extra = b"".join(b"%s: %s\r\n" % (k.replace("_", "-").encode(), v.encode()) for k, v in headers.items())
    return b"POST /v1/messages HTTP/1.1\r\nhost: x\r\n%scontent-length: %d\r\n\r\n%s" % (extra, len(data), data)


def bodies(transport: Connection) -> list[bytes]:
    """The answers' bodies, in order (each answer has a content-length)."""
    data, out = b"".join(transport.writes), []
    while data:
        head, _, data = data.partition(b"\r\n\r\n")
        length = int(
            next(v for k, _, v in (line.partition(b": ") for line in head.split(b"\r\n")) if k == b"content-length")
        )
        out.append(data[:length])
        data = data[length:]
    return out


class TestFastPath:
    def test_a_request_that_passes_is_answered_below_asgi_in_one_write(self) -> None:
        transport, app = serve_connection(post(b'{"pass": true}'))
        assert bodies(transport) == [b"passed"] and len(transport.writes) == 1
        assert app.asgi == [] and app.decided == [b'{"pass": true}']

    def test_one_that_does_not_goes_the_asgi_way_decided_once(self) -> None:
        transport, app = serve_connection(post(b'{"pass": false}'))
        assert bodies(transport) == [b'asgi {"pass": false}']
        assert app.asgi == [(b'{"pass": false}', True)] and len(app.decided) == 1

    def test_a_refused_one_goes_the_asgi_way_undecided(self) -> None:
        transport, app = serve_connection(post(b"not json"))
        assert bodies(transport) == [b"asgi not json"] and app.asgi == [(b"not json", False)]

    def test_a_bug_in_deciding_leaves_the_request_to_the_asgi_path(self, caplog: pytest.LogCaptureFixture) -> None:
        transport, app = serve_connection(post(b'{"boom": 1}'))
        assert bodies(transport) == [b'asgi {"boom": 1}'] and app.asgi == [(b'{"boom": 1}', False)]
        assert "could not decide" in caplog.text

    def test_pipelined_requests_are_answered_in_order_whichever_way_each_goes(self) -> None:
        transport, _ = serve_connection(
            post(b'{"pass": true}') + post(b'{"n": 2}') + post(b'{"pass": true, "n": 3}') + post(b'{"n": 4}')
        )
        # the first is the fast path's; those queued behind an answer go the ASGI way, in order
        assert bodies(transport) == [b"passed", b'asgi {"n": 2}', b'asgi {"pass": true, "n": 3}', b'asgi {"n": 4}']

    def test_a_body_that_comes_after_its_head_is_read_through_receive(self) -> None:
        request = post(b'{"pass": true}')
        transport, app = serve_connection(request[:-5], request[-5:])
        assert bodies(transport) == [b'asgi {"pass": true}'] and app.decided == []

    def test_what_the_fast_path_does_not_take_is_uvicorns(self) -> None:
        too_big = post(b"{" + b" " * 1000 + b"}")
        waits = post(b'{"pass": true}', expect="100-continue")
        other = b"POST /v1/other HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}"
        query = b"POST /v1/messages?beta=true HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}"
        for request in (too_big, waits, other, query):
            _, app = serve_connection(request)
            assert app.decided == [] and len(app.asgi) == 1, request[:40]

    def test_after_shutdown_the_answer_in_progress_closes_the_connection(self) -> None:
        import uvicorn
        from uvicorn.server import ServerState

        app, transport = FakeApp(), Connection()

        async def go() -> None:
            config = uvicorn.Config(app, lifespan="off", access_log=False, log_config=None)
            config.load()
            connection = protocol.ProxyProtocol(config=config, server_state=ServerState(), app_state={})
            connection.connection_made(transport)  # type: ignore[arg-type]
            connection.data_received(post(b'{"pass": true}'))
            connection.shutdown()  # before the answer's task has run
            for _ in range(50):
                await asyncio.sleep(0)

        asyncio.run(go())
        assert b"connection: close" in transport.writes[0] and transport.closed


class TestServed:
    """The fast path in `reasoning proxy serve`, with the real app: what the client and the store
    see is what the ASGI path gives."""

    def test_a_passed_request_is_logged_and_a_scored_one_recorded_once_either_way(
        self, world: World, serve: Serve, caplog: pytest.LogCaptureFixture
    ) -> None:
        import logging

        import httpx

        caplog.set_level(logging.INFO, logger="runtime.proxy.access")
        proxy = serve(world.write(proxy_extra="    - {to: coding, when: {min_score: 0.999}}\n"))
        headers = {"x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01"}

        def ask(text: str, **extra: str) -> httpx.Response:
            body = {"model": UPSTREAM_MODEL, "max_tokens": 10, "messages": [{"role": "user", "content": text}]}
            return httpx.post(f"{proxy.base_url}/v1/messages", json=body, headers={**headers, **extra})

        passed = ask("write me a haiku about the sea")  # scored, below the bar: passes, the fast path's
        dry = ask("fix the failing test in parser.py", **{"x-reasoning-dry-run": "1"})  # handed to ASGI
        assert passed.status_code == 200 and passed.headers["x-reasoning-role"] == "upstream"
        assert dry.status_code == 200 and dry.json()["score"] is not None
        assert dry.json()["reason"].startswith("no rule matched")  # routed again, it would say "affinity"
        assert len(passed.headers.get_list("date")) == 1
        proxy.flush()
        lines = [r.getMessage() for r in caplog.records if r.name == "runtime.proxy.access"]
        assert lines[0].startswith('POST /v1/messages 200 upstream "no rule matched') and lines[0].endswith("ms")
        recorded = world.store().decisions("proxytest")
        assert len(recorded) == 2, recorded  # one each: routed once, not again by the ASGI path


ANSWERED = [
    case for case, (_, options) in CASES.items() if not options and "connection" not in case and "frames" not in case
]


@pytest.mark.parametrize("case", ANSWERED)
def test_the_fast_paths_answer_writes_the_bytes_uvicorns_cycle_writes(case: str) -> None:
    from types import SimpleNamespace

    messages, _ = CASES[case]
    theirs, their_end = run(RequestResponseCycle, messages)
    transport = Transport()
    connection = SimpleNamespace(
        transport=transport, flow=Flow(), server_state=SimpleNamespace(default_headers=[(b"date", DATE)])
    )
    answer = protocol._Answer(connection, keep_alive=True)  # type: ignore[arg-type]
    ended: list[str] = []

    async def go() -> None:
        for message in messages:
            try:
                await answer(message)
            except RuntimeError as error:
                ended.append(f"error: {error}")
                return
        if answer.complete:
            ended.append("complete")

    asyncio.run(go())
    if their_end and their_end[-1].startswith("error"):
        assert ended and ended[-1].startswith("error")
        assert b"".join(theirs.writes).startswith(b"".join(transport.writes))
    else:
        assert (b"".join(transport.writes), ended) == (b"".join(theirs.writes), their_end)
        assert len(transport.writes) <= len(theirs.writes)


class _Skipping(asyncio.SelectorEventLoop):
    """An event loop whose clock the test moves on (timers fall due without waiting for them)."""

    skipped = 0.0

    def time(self) -> float:
        return super().time() + self.skipped


def test_a_connection_idle_for_the_keep_alive_timeout_is_closed_and_one_in_use_is_not() -> None:
    import uvicorn
    from uvicorn.server import ServerState

    loop, transport = _Skipping(), Connection()
    seen: list[bool] = []

    async def turns() -> None:
        for _ in range(50):
            await asyncio.sleep(0)

    async def go() -> None:
        config = uvicorn.Config(FakeApp(), lifespan="off", access_log=False, log_config=None, timeout_keep_alive=5)
        config.load()
        connection = protocol.ProxyProtocol(config=config, server_state=ServerState(), app_state={})
        connection.connection_made(transport)  # type: ignore[arg-type]
        connection.data_received(post(b'{"pass": true}'))
        await turns()
        loop.skipped += 4  # idle 4 s, then another request: the timer armed by the first answer is still due at 5 s
        connection.data_received(post(b'{"pass": true}'))
        await turns()
        loop.skipped += 4  # 8 s since the first answer, 4 since the second
        await turns()
        seen.append(transport.closed)
        loop.skipped += 2  # 6 s since the second answer
        await turns()
        seen.append(transport.closed)

    try:
        loop.run_until_complete(go())
    finally:
        loop.close()
    assert seen == [False, True] and bodies(transport) == [b"passed", b"passed"]
