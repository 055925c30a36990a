"""An ASGI app served on a free loopback port in a background thread, for a `with` block.

The served simulator and the test stand-ins (Anthropic, OpenAI, chat models) are all this:
uvicorn on a socket we make ourselves, so that it is IPPROTO_TCP and not the default 0 —
asyncio sets TCP_NODELAY only on sockets that say they are TCP, and without it every response
waits ~40 ms for a delayed ACK.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType
from typing import Any, Self

import uvicorn


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
