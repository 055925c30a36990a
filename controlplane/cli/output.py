"""Where output goes: results to stdout, progress and errors to stderr.

The consoles are made on first use, so importing the CLI (all `reasoning --help` does) never
imports rich.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

#: When the output is a file or a pipe, tables are not cut to 80 columns: logs and CI read them.
PIPE_WIDTH = 220


class _Deferred:
    """A rich `Console` made on first use, with these settings."""

    def __init__(self, **settings: Any) -> None:
        self._settings = settings
        self._console: Console | None = None

    def _made(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._settings)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self._made(), name)

    # special methods are looked up on the type, not through __getattr__: rich's Live enters its console
    def __enter__(self) -> Console:
        return self._made().__enter__()

    def __exit__(self, *exc: object) -> None:
        self._made().__exit__(*exc)


def plain() -> bool:
    """NO_COLOR (no-color.org) asks for no styling at all: no colour, and no bold or dim either."""
    import os

    return bool(os.environ.get("NO_COLOR"))


class _Styled(_Deferred):
    def _made(self) -> Console:
        if self._console is None and plain():
            self._settings = {**self._settings, "color_system": None}
        return super()._made()


if TYPE_CHECKING:
    out: Console
    err: Console
else:
    # off a terminal rich writes no escape codes at all; on one, NO_COLOR turns them all off
    out = _Styled(highlight=False, soft_wrap=True)
    err = _Styled(stderr=True, highlight=False, soft_wrap=True)


def show(renderable: RenderableType) -> None:
    """Print a table or other block to stdout, full width when it is not a terminal."""
    from rich.console import Console

    if out.is_terminal:
        out.print(renderable)
    else:  # rich caps a print's width at the console's, so a wider console it is
        Console(highlight=False, width=PIPE_WIDTH, color_system=None).print(renderable)
