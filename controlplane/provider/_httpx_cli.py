"""Imported before httpx (by `controlplane.provider`): httpx without its command-line program.

httpx's `__init__` imports its command-line program (`httpx._main`: click, rich's progress and
syntax, pygments) whenever those are installed, as they are beside typer and rich: some 60 ms of
CPU in every command that talks to the provider, for a program no process of ours runs. Marked
absent, it makes httpx define its stub `main` instead. The `httpx` command runs in a process of
its own and is not affected; nor is a process that imported httpx before us.
"""

import sys

if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
