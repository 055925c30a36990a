"""The simulator over HTTP: an ASGI app around `Simulator`, run by uvicorn.

`serve()` is what `reasoning simulator serve` runs: Together's API on a local port, for the proxy,
the official SDKs, people with curl, and the runtime, which starts it as a child process when the
manifest names no served simulator (`--port 0 --exit-with-stdin`). Requests are handled in worker
threads, because a `WorldFile` session may wait for another process's lock; without a state file
the world lives in memory, behind `MemoryWorld`'s lock.
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import parse_qsl

import anyio
import uvicorn
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from controlplane.provider.simulator.api import Simulator
from controlplane.provider.simulator.protocol import SimResponse
from controlplane.provider.simulator.world import MemoryWorld, WorldFile, WorldStore


class SimulatorApp:
    """The ASGI callable: every HTTP request goes to `Simulator.handle`, which does all routing."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator
        self._busy = 0
        self._idle = threading.Condition()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no request is in flight (a held or dropped answer included); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        with self._idle:
            self._busy += 1
        try:
            await self._http(scope, receive, send)
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await Request(scope, receive).body()
        answer = await run_in_threadpool(self._answer, scope, body)
        if answer.drop is not None:
            await _drop(answer, receive, send)
            return
        response: Response
        if isinstance(answer.body, bytes):
            response = Response(answer.body, answer.status, headers=answer.headers)
        else:
            response = StreamingResponse(answer.body, answer.status, headers=answer.headers)
        await response(scope, receive, send)

    def _answer(self, scope: Scope, body: bytes) -> SimResponse:
        # Runs in a worker thread: a `WorldFile` session may wait for another process's lock.
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        return self.simulator.handle(scope["method"], raw_path.decode("latin-1"), query, headers, body)


async def _drop(answer: SimResponse, receive: Receive, send: Send) -> None:
    """Act out an injected fault that keeps the answer from the client."""
    if answer.drop == "timeout":
        # Hold the answer until the client gives up and hangs up, or the hold ends.
        with anyio.move_on_after(answer.hold_seconds):
            while (await receive())["type"] != "http.disconnect":
                pass
    # A response started and never finished: uvicorn closes the connection, and the client sees
    # it end mid-answer, as after a reset (ASGI has no way to send a bare RST).
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _simulator(
    state_path: Path | None, provision_seconds: float | None, stop_seconds: float | None, scale_seconds: float | None
) -> Simulator:
    store: WorldStore = WorldFile(state_path) if state_path is not None else MemoryWorld()
    return Simulator(store, provision_seconds=provision_seconds, stop_seconds=stop_seconds, scale_seconds=scale_seconds)


def serve(
    host: str,
    port: int,
    state_path: Path | None,
    *,
    provision_seconds: float | None = None,
    stop_seconds: float | None = None,
    scale_seconds: float | None = None,
    log_level: str = "info",
    announce: Callable[[str], None] | None = None,
    exit_with_stdin: bool = False,
) -> None:
    """Serve the simulator until interrupted; the world is in `state_path`, or in memory if None.

    The socket is bound first, so port 0 means any free port and `announce` gets the real base URL
    before the first request can arrive. With `exit_with_stdin`, the server also stops when its
    standard input closes: a parent holding the other end of that pipe has ended, however it ended.
    """
    app = SimulatorApp(_simulator(state_path, provision_seconds, stop_seconds, scale_seconds))
    listener = listening_socket(host, port)
    server = uvicorn.Server(uvicorn.Config(app, log_level=log_level, lifespan="off"))
    if exit_with_stdin:
        threading.Thread(target=_exit_at_eof, args=(server,), name="simulator-stdin", daemon=True).start()
    if announce is not None:
        announce(base_url(listener))
    try:
        server.run(sockets=[listener])
    finally:
        listener.close()


def listening_socket(host: str, port: int, *, backlog: int = 1024) -> socket.socket:
    """A bound, listening TCP socket that says it is TCP (IPPROTO_TCP): asyncio sets TCP_NODELAY
    only on those, and without it every answer waits ~40 ms for a delayed ACK."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with ExitStack() as stack:
        listener = stack.enter_context(socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP))
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(backlog)
        stack.pop_all()  # bound: the caller owns it now
    return listener


def base_url(listener: socket.socket) -> str:
    host, port = listener.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in str(host) else f"http://{host}:{port}"


def _exit_at_eof(server: uvicorn.Server) -> None:
    # Blocks until the parent closes its end (or dies); anything it writes is ignored.
    while sys.stdin.buffer.read(65536):
        pass
    server.should_exit = True
