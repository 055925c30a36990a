"""What the runtime keeps fresh off the request path: the applied state, the spend.

A request reads the last value in memory; a daemon thread re-reads the store every
`refresh_seconds`, so no request ever waits on the database.
"""

from __future__ import annotations

import threading
from typing import Self


class Refresher:
    thread_name = "reasoning-refresh"

    def __init__(self, refresh_seconds: float) -> None:
        self.refresh_seconds = refresh_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def refresh(self) -> bool:
        """Read now; False (and the last value kept) when the read failed."""
        raise NotImplementedError

    def start(self) -> Self:
        """Read once now, then every `refresh_seconds` on a thread until `close()`."""
        self.refresh()
        self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.refresh_seconds):
            self.refresh()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
