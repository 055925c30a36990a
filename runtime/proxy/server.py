"""The proxy on a socket: `ProxyServer` for `reasoning proxy serve`, `ServedProxy` for tests and
benchmarks.

uvicorn runs the ASGI app. The listening socket is made here, with IPPROTO_TCP: asyncio sets
TCP_NODELAY only on sockets that say they are TCP, and without it every response waits ~40 ms on
a delayed ACK (the simulator's server says the same). Binding first also means the bound address
is known before serving: the start-up checks (loopback or a token; no upstream that is the
proxy itself) run against the real address, port 0 included, and a script learns the port
before the first request.

On SIGTERM (or SIGINT) uvicorn stops accepting, lets the requests in flight finish, then runs
the app's lifespan shutdown, which drains the recorder into the store: every request answered is
recorded before the process exits.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from controlplane.manifest import Manifest
from controlplane.store import Store
from runtime.proxy.app import ProxyApp
from runtime.proxy.security import check_bind, check_not_itself, split_listen
from runtime.proxy.services import Services


def _open_store(manifest: Manifest) -> Store:
    from controlplane.project import store_url
    from controlplane.store import open_store

    return open_store(store_url(manifest), manifest.path("."))


class ProxyServer:
    """Bind (with every start-up check), then `run()` until a signal ends it."""

    def __init__(
        self,
        manifest: Manifest,
        listen: str | None = None,
        *,
        store: Store | None = None,
        log_config: dict[str, Any] | None = None,
        own_process: bool = False,
        **services: Any,
    ) -> None:
        self.manifest = manifest
        self.listen = listen or manifest.proxy.listen
        host, self._port = split_listen(self.listen)
        self._host = host
        check_bind(manifest, host)
        self._own_store = store is None
        self.store = store if store is not None else _open_store(manifest)
        try:
            self.services = Services(manifest, self.store, **services)
        except BaseException:
            if self._own_store:
                self.store.close()
            raise
        self.app = ProxyApp(self.services, freeze_gc=own_process)
        config = uvicorn.Config(
            self.app,
            interface="asgi3",
            lifespan="on",
            access_log=False,  # a line per request is a cost on the hot path, and logs no decision
            log_config=log_config,
            timeout_graceful_shutdown=None,  # wait for every request in flight, however long
            server_header=False,
            proxy_headers=False,  # we are the proxy: no X-Forwarded-* rewriting on every request
        )
        self.server = uvicorn.Server(config)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.socket.getsockname()[:2]
        return str(host), int(port)

    @property
    def base_url(self) -> str:
        host, port = self.address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def bind(self) -> tuple[str, int]:
        """Bind and listen; refuse an upstream that is this very address. Returns it."""
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind((self._host, self._port))
            self.socket.listen(2048)
            check_not_itself(self.manifest, self.address)
        except BaseException:
            self.close()
            raise
        return self.address

    def run(self) -> None:
        """Serve until SIGTERM/SIGINT (or `should_exit`); returns after the recorder drained."""
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.close()

    def close(self) -> None:
        self.services.close()  # a no-op when the lifespan shutdown already drained it
        self.socket.close()
        if self._own_store:
            self.store.close()


def serve(manifest: Manifest, listen: str | None = None, **kwargs: Any) -> None:
    """`reasoning proxy serve` without the CLI: bind, check, serve until a signal."""
    server = ProxyServer(manifest, listen, own_process=True, **kwargs)
    server.bind()
    server.run()


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
        while self.services.inflight and time.monotonic() < deadline:
            time.sleep(0.001)
        self.services.recorder.flush(timeout=max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> ServedProxy:
        self.proxy.bind()
        self._thread.start()
        server = self.proxy.server
        while not server.started:
            self._thread.join(0.01)  # returns at once if the thread died (a failed start-up)
            if not self._thread.is_alive():
                raise RuntimeError("the proxy's server thread stopped during start-up")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.proxy.server.should_exit = True
        self._thread.join()
