"""How a command's process uses Python's cyclic garbage collector, while it runs and as it exits.

A command is a short process: its imports (SQLAlchemy, pydantic's models, the simulator) build
some 100k objects that live until it exits, and the collector's passes over them free nothing.
They were ~14 % of `reasoning plan`'s CPU time (they walk the whole heap, so they cost more
time than instructions). A short command runs without them (the `reasoning` command from its
first line, `controlplane.command`; a command called in a test's process inside `short_lived`);
reference counting still frees everything else as it goes. What may run for long (apply waiting
on deployments, `train --wait`, the proxy and the simulator serving, a reconcile loop) calls
`long_lived` and collects again.

At exit the interpreter collects the whole heap (three passes) before tearing the modules down:
~5 % of `reasoning plan`'s instructions on the quickstart (callgrind), to free what the process's
end frees anyway. The `reasoning` command (`controlplane.command`) freezes the heap first, so
those passes skip it; `atexit` handlers and the stdio flush still run as before.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def short_lived() -> Iterator[None]:
    """No cyclic collection until the block ends; then as before (tests call commands in-process)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        else:
            gc.disable()


def exiting() -> None:
    """The process is about to exit: move every object to the collector's permanent generation,
    which the collections at shutdown do not walk. Only for a process of its own (the `reasoning`
    command): in a test process the objects would never be collected again."""
    gc.freeze()


def long_lived() -> None:
    """From here on the command may run for long: collect again."""
    gc.enable()
