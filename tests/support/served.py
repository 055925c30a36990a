"""Apps served on a free loopback port in a background thread, for the length of a `with` block:
the simulator, the proxy, and the stand-in upstreams (`ServedASGI` under each).

All of it is uvicorn on a socket made here, so that it is IPPROTO_TCP and not the default 0:
asyncio sets TCP_NODELAY only on sockets that say they are TCP, and without it every response
waits ~40 ms for a delayed ACK. The socket is bound before the server thread starts, so the port
is known at once and connections made before uvicorn's loop runs wait in the backlog.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import uvicorn

from controlplane.manifest import Manifest
from controlplane.provider.simulator import MemoryWorld, Simulator, World, WorldFile, WorldStore
from controlplane.provider.simulator.server import SimulatorApp
from runtime.proxy.server import ProxyServer


class ServedASGI:
    def __init__(self, app: Any, *, backlog: int = 1024) -> None:
        # log_config=None: a helper must not reconfigure the process's logging.
        config = uvicorn.Config(app, lifespan="off", log_config=None, access_log=False, interface="asgi3")
        self._server = uvicorn.Server(config)
        self._backlog = backlog
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Self:
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(self._backlog)
        self._thread.start()
        while not self._server.started:
            self._thread.join(0.01)  # returns at once if the server thread died
            if not self._thread.is_alive():
                raise RuntimeError(f"{type(self).__name__}'s server thread stopped during start-up")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._server.should_exit = True
        self._thread.join()
        self._socket.close()


class ServedSimulator(ServedASGI):
    """`with ServedSimulator() as served:` Together at `served.base_url` until the block ends; the
    world in `state_path` (shared with CLI runs and apply), or in memory."""

    def __init__(
        self,
        state_path: Path | None = None,
        *,
        provision_seconds: float | None = None,
        stop_seconds: float | None = None,
        scale_seconds: float | None = None,
    ) -> None:
        store: WorldStore = WorldFile(state_path) if state_path is not None else MemoryWorld()
        self.simulator = Simulator(
            store, provision_seconds=provision_seconds, stop_seconds=stop_seconds, scale_seconds=scale_seconds
        )
        self._app = SimulatorApp(self.simulator)
        super().__init__(self._app)

    def world(self) -> AbstractContextManager[World]:
        """The served world, locked for the block; changes made in it are kept."""
        return self.simulator.world()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until the server has finished every request it received (held answers included)."""
        return self._app.wait_idle(timeout)


class ServedProxy:
    """`with ServedProxy(manifest) as proxy:` the proxy at `proxy.base_url` until the block ends.

    On a free loopback port unless `listen` says otherwise, in a background thread; leaving the
    block shuts it down as SIGTERM would (requests finish, the recorder drains). `refresh()` reads
    the store now instead of at the next tick; `flush()` writes what the recorder holds.
    """

    def __init__(self, manifest: Manifest, listen: str = "127.0.0.1:0", **kwargs: Any) -> None:
        self.proxy = ProxyServer(manifest, listen, **kwargs)
        self.services = self.proxy.services
        self._thread = threading.Thread(target=self.proxy.run, daemon=True, name="reasoning-proxy")

    @property
    def base_url(self) -> str:
        return self.proxy.base_url

    def refresh(self) -> None:
        self.services.refresh()

    def flush(self, timeout: float = 10.0) -> None:
        """Write to the store everything recorded for the requests answered so far.

        A client has its answer before the proxy records it, so first wait (bounded) for the
        requests still being handled to finish."""
        deadline = time.monotonic() + timeout
        while self.proxy.context.inflight and time.monotonic() < deadline:
            time.sleep(0.001)
        self.services.recorder.flush(timeout=max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> Self:
        self.proxy.bind()
        self._thread.start()
        server = self.proxy.server
        while not server.started:
            self._thread.join(0.01)  # returns at once if the server thread died (a failed start-up)
            if not self._thread.is_alive():
                raise RuntimeError("the proxy's server thread stopped during start-up")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.proxy.server.should_exit = True
        self._thread.join()
