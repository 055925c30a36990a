"""The `reasoning` command as installed: `controlplane.cli.main()` in a process of its own.

Tests call `main()` in theirs. A process of its own runs without Python's cyclic collector from
its first line: starting a command (typer, the command's modules, pydantic's and SQLAlchemy's)
builds some 100k objects that live until it exits, and the collector's passes over them free
nothing (~9 % of `reasoning plan`'s CPU on the quickstart, bench/cli_startup.py); reference
counting still frees everything else as it goes. A command that may run long (serving, waiting,
a reconcile loop) collects again (`controlplane.cli.process.long_lived`). At exit the heap is
frozen, so the interpreter's last collections skip it (`process.exiting`).

Nor does it look for pydantic plugins: pydantic reads every installed distribution's entry
points the first time it builds a validator (~11 ms of `reasoning plan`'s CPU on the quickstart,
more in a larger environment), and the command uses none. It sets `PYDANTIC_DISABLE_PLUGINS`
(pydantic's own switch) unless the environment already says otherwise: whoever wants a plugin
(logfire's, say) in `reasoning proxy serve` sets it to the empty string. Processes the command
starts inherit the setting.
"""

from __future__ import annotations

import gc
import os

#: pydantic's switch for its plugins, and the value that turns them all off
PYDANTIC_PLUGINS = "PYDANTIC_DISABLE_PLUGINS"


def run() -> None:
    """The `reasoning` console script."""
    gc.disable()
    os.environ.setdefault(PYDANTIC_PLUGINS, "__all__")
    from controlplane.cli import main
    from controlplane.cli.process import exiting

    try:
        main()
    finally:
        exiting()
