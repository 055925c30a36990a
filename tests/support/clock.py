"""The fake clock behind `controlplane.clock`: the one seam every time read goes through.

`FakeClock.install(monkeypatch)` replaces `clock.now`, `clock.monotonic` and `clock.sleep`; from
then on time moves only when a test says so (`tick`, `move_to`) or when the code under test
sleeps, which advances it at once. Server threads in the test process (the simulator, the proxy,
stand-ins) read the same clock, so a test decides what time it is everywhere, and pytest's own
timing, asyncio's loops and socket timeouts keep real time.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest

from controlplane import clock

#: The moment every test starts at: a Tuesday, 09:00 UTC (10:00 in Berlin).
START = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


def _utc(moment: str | date | datetime) -> datetime:
    """A naive time or string is UTC (as tests write times); an aware one is converted."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


class FakeClock:
    """Wall time and a monotonic counter that move together, and only when told to.

    The monotonic counter never goes back: moving the wall clock backwards (a clock-skew test)
    leaves it where it is.
    """

    def __init__(self, start: str | date | datetime = START) -> None:
        self._lock = threading.Lock()
        self._now = _utc(start)
        self._monotonic = 1_000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.tick(seconds)

    def tick(self, delta: float | timedelta = 1.0) -> datetime:
        """Move on by `delta` (seconds, or a timedelta; negative goes back); returns the new time."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        with self._lock:
            self._now += step
            self._monotonic += max(0.0, step.total_seconds())
            return self._now

    def move_to(self, moment: str | date | datetime) -> datetime:
        """Jump to `moment` ("2026-11-24 09:30", a date, a datetime; naive means UTC)."""
        target = _utc(moment)
        with self._lock:
            self._monotonic += max(0.0, (target - self._now).total_seconds())
            self._now = target
            return self._now

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeClock:
        """Put this clock behind `controlplane.clock` until the test ends."""
        monkeypatch.setattr(clock, "now", self.now)
        monkeypatch.setattr(clock, "monotonic", self.monotonic)
        monkeypatch.setattr(clock, "sleep", self.sleep)
        return self
