"""The one clock.

Everything that needs the time asks `now()`, every duration is measured on `monotonic()`, and
everything that waits calls `sleep()`. Tests put a fake clock behind these three
(`tests/support/clock.py`), so no test waits on real time and simulated transitions
(provisioning, stopping) happen in simulated time. Read them as `clock.now()`, never
`from controlplane.clock import now`: the name is looked up at each call.
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
    """Wait; under the tests' fake clock, time moves on at once instead."""
    if seconds > 0:
        time.sleep(seconds)
