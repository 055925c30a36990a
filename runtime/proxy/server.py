"""The proxy on a socket: `ProxyServer` for `reasoning proxy serve` (and `serve()`, its one-call form).

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
from contextlib import ExitStack
from typing import Any

import uvicorn

from controlplane.manifest import Manifest
from controlplane.store import Store
from runtime.proxy.app import ProxyApp
from runtime.proxy.context import ProxyContext
from runtime.proxy.protocol import protocol_class
from runtime.proxy.security import Guard, check_bind, check_not_itself, split_listen
from runtime.services import RuntimeServices

#: How long shutdown waits for the recorder to write what the proxy answered.
DRAIN_SECONDS = 30.0


class ProxyServer:
    """Bind (with every start-up check), then `run()` until a signal ends it.

    `access_log` overrides `proxy.access_log`. `services` (the keyword arguments beyond these) go
    to `RuntimeServices.from_manifest`: `refresh_seconds`, `router`, `drain_seconds`..."""

    def __init__(
        self,
        manifest: Manifest,
        listen: str | None = None,
        *,
        store: Store | None = None,
        log_config: dict[str, Any] | None = None,
        own_process: bool = False,
        access_log: str | None = None,
        **services: Any,
    ) -> None:
        self.manifest = manifest
        self.listen = listen or manifest.proxy.listen
        host, self._port = split_listen(self.listen)
        self._host = host
        check_bind(manifest, host)
        guard = Guard.from_manifest(manifest)  # before anything starts: a missing key is one line
        services.setdefault("drain_seconds", DRAIN_SECONDS)
        self.services = RuntimeServices.from_manifest(manifest, store, **services)
        with ExitStack() as undo:
            undo.callback(self.services.close)
            self.context = ProxyContext(manifest, self.services, guard, access_log=access_log)
            self.app = ProxyApp(self.context, freeze_gc=own_process)
            config = uvicorn.Config(
                self.app,
                interface="asgi3",
                http=protocol_class(),  # uvicorn's httptools protocol with the proxy's request cycle
                lifespan="on",
                access_log=False,  # ours (`access`) says the decision; uvicorn's would be a second line
                log_config=log_config,
                timeout_graceful_shutdown=None,  # wait for every request in flight, however long
                server_header=False,
                proxy_headers=False,  # we are the proxy: no X-Forwarded-* rewriting on every request
            )
            self.server = uvicorn.Server(config)
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            self.socket = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            undo.pop_all()

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
        with ExitStack() as undo:
            undo.callback(self.close)
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind((self._host, self._port))
            self.socket.listen(2048)
            check_not_itself(self.manifest, self.address)
            undo.pop_all()
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


def serve(manifest: Manifest, listen: str | None = None, **kwargs: Any) -> None:
    """`reasoning proxy serve` without the CLI: bind, check, serve until a signal."""
    server = ProxyServer(manifest, listen, own_process=True, **kwargs)
    server.bind()
    server.run()
