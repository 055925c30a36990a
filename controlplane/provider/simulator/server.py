"""The simulator over HTTP: an ASGI app around `Simulator`, run by uvicorn.

`serve()` is what `reasoning simulator serve` runs: Together's API on a local port, for the proxy,
the official SDKs and people with curl. `ServedSimulator` runs the same app on a free port in a
background thread, for tests that drive real clients against it. Requests are handled in worker
threads, because a `WorldFile` session may wait for another process's lock; without a state file
the world lives in memory, behind `MemoryWorld`'s lock.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from urllib.parse import parse_qsl

import uvicorn
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from controlplane.provider.simulator.api import Simulator
from controlplane.provider.simulator.protocol import SimResponse
from controlplane.provider.simulator.world import MemoryWorld, World, WorldFile, WorldStore
from controlplane.served import ServedASGI


class SimulatorApp:
    """The ASGI callable: every HTTP request goes to `Simulator.handle`, which does all routing."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await Request(scope, receive).body()
        answer = await run_in_threadpool(self._answer, scope, body)
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
) -> None:
    """Serve the simulator until interrupted; the world is in `state_path`, or in memory if None."""
    app = SimulatorApp(_simulator(state_path, provision_seconds, stop_seconds, scale_seconds))
    uvicorn.run(app, host=host, port=port, log_level=log_level, lifespan="off")


class ServedSimulator(ServedASGI):
    """`with ServedSimulator() as served:` Together at `served.base_url` until the block ends.

    The listening socket is bound before the server thread starts, so the port is known at once
    and connections made before uvicorn's loop runs wait in the backlog instead of failing.
    """

    def __init__(
        self,
        state_path: Path | None = None,
        *,
        provision_seconds: float | None = None,
        stop_seconds: float | None = None,
        scale_seconds: float | None = None,
    ) -> None:
        self.simulator = _simulator(state_path, provision_seconds, stop_seconds, scale_seconds)
        super().__init__(SimulatorApp(self.simulator))

    def world(self) -> AbstractContextManager[World]:
        """The served world, locked for the block; changes made in it are kept."""
        return self.simulator.world()
