"""A circuit breaker per role: stop asking a failing model for a while.

The gate (`runtime.gate`) takes a request's turn with `allow()` and reports the model's answer back
(`record_success` / `record_failure`); `Availability` reads `blocked()` to say a role is skipped,
and `reason` is the phrase for `x-reasoning-reason`: `circuit open (5 failures in 30s)`.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta
from typing import Literal

from controlplane import clock

BreakerState = Literal["closed", "open", "half-open"]


class CircuitBreaker:
    """Stop asking a failing model for a while.

    Closed: requests go through; `failures` failures within `window` seconds open it. Open: no
    requests for `reset` seconds; then the first `allow()` gets the one trial request
    (half-open), whose success closes the circuit and whose failure opens it again. A trial that
    never reports back is given up after `reset` seconds and another is allowed. Time is
    `clock.now()`; a lock makes it safe from threads and the event loop alike.
    """

    def __init__(self, failures: int = 5, window: float = 30.0, reset: float = 30.0) -> None:
        if failures < 1 or window <= 0 or reset <= 0:
            raise ValueError("failures must be at least 1, window and reset above 0 seconds")
        self.failures = failures
        self.window = timedelta(seconds=window)
        self.reset = timedelta(seconds=reset)
        self._lock = threading.Lock()
        self._recent: deque[datetime] = deque()
        self._state: BreakerState = "closed"
        self._since = clock.now()  # when it opened, or when the trial began

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state

    @property
    def reason(self) -> str:
        return f"circuit open ({self.failures} failures in {_seconds(self.window)})"

    def blocked(self) -> bool:
        """Whether `allow()` would say no now, without taking the half-open trial."""
        with self._lock:
            return self._state != "closed" and clock.now() < self._since + self.reset

    def allow(self) -> bool:
        """May a request go to the model now? In half-open, True once: the trial request."""
        now = clock.now()
        with self._lock:
            if self._state == "closed":
                return True
            if now < self._since + self.reset:
                return False  # open, or a trial is in flight
            self._state, self._since = "half-open", now
            return True

    def record_success(self) -> None:
        with self._lock:
            if self._state != "closed":
                self._state = "closed"
                self._recent.clear()

    def record_failure(self) -> None:
        now = clock.now()
        with self._lock:
            if self._state == "half-open":
                self._state, self._since = "open", now
                return
            if self._state == "open":
                return  # a request let through before it opened: the clock already runs
            self._recent.append(now)
            while self._recent and self._recent[0] <= now - self.window:
                self._recent.popleft()
            if len(self._recent) >= self.failures:
                self._state, self._since = "open", now
                self._recent.clear()


def _seconds(span: timedelta) -> str:
    seconds = span.total_seconds()
    return f"{seconds:g}s"
