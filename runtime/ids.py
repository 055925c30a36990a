"""Fresh ids for what the runtime makes per request: records, reservations, message ids.

`uuid.uuid4()` reads the kernel's random source on every call, a system call that lets go of
the GIL; on the proxy's event loop, getting it back waits on whichever thread holds it then (the
recorder's, writing a batch), for up to the interpreter's switch interval. These ids need to be
unique, not secret: a random prefix drawn once per process (again in a forked child), then a
counter. 32 hex characters, like `uuid4().hex`.
"""

from __future__ import annotations

import itertools
import os

_prefix = ""
_counter = itertools.count()


def _reseed() -> None:
    global _prefix, _counter
    _prefix = os.urandom(8).hex()
    _counter = itertools.count()


_reseed()
os.register_at_fork(after_in_child=_reseed)


def fresh_hex() -> str:
    """A new 32-hex-digit id, unique across processes (a 64-bit random prefix) and calls (a count)."""
    return f"{_prefix}{next(_counter):016x}"
