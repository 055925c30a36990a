"""What keeps the runtime's snapshots of the store fresh, off the request path: one thread.

A request reads the last value in memory (each role's applied state, the budget's baseline); this
thread calls each read every `refresh_seconds`, so no request ever waits on the database. The
proxy and the hooks each start one, through `RuntimeServices`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Self

log = logging.getLogger(__name__)

#: A read of the store: True when it succeeded, False when it failed and the last value is kept.
Read = Callable[[], bool]


class Refresher:
    def __init__(self, reads: Sequence[Read], refresh_seconds: float, *, name: str = "reasoning-refresh") -> None:
        self.reads = tuple(reads)
        self.refresh_seconds = refresh_seconds
        self.name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def refresh(self) -> bool:
        """Every read, now; True when all succeeded (each keeps its last value when it fails)."""
        results = [read() for read in self.reads]
        return all(results)

    def start(self) -> Self:
        """Read once now, then every `refresh_seconds` on a thread until `close()`."""
        self.refresh()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.refresh_seconds):
            try:
                self.refresh()
            except Exception:  # a bug in a read must not end the refreshes: the snapshots would go stale
                log.exception("refresher: a read failed; the next tick tries again")

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
