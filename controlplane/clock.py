"""The one clock.

Everything that needs the time asks `now()`; everything that waits calls `sleep()`. Tests freeze
`now()` with freezegun and replace `sleep()` with a tick of the frozen clock, so no test waits on
real time and simulated transitions (provisioning, stopping) happen in simulated time.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone


def now() -> datetime:
    """The current time, always timezone-aware UTC."""
    return datetime.now(timezone.utc)


def monotonic() -> float:
    """Seconds on a clock that never goes back, for durations (latency); tests drive it too."""
    return time.monotonic()


def sleep(seconds: float) -> None:
    """Wait; tests swap this for a tick of the frozen clock."""
    if seconds > 0:
        time.sleep(seconds)
