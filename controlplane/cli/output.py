"""Where output goes: results to stdout, progress and errors to stderr."""

from rich.console import Console, RenderableType

#: When the output is a file or a pipe, tables are not cut to 80 columns: logs and CI read them.
PIPE_WIDTH = 220

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def show(renderable: RenderableType) -> None:
    """Print a table or other block to stdout, full width when it is not a terminal."""
    if out.is_terminal:
        out.print(renderable)
    else:  # rich caps a print's width at the console's, so a wider console it is
        Console(highlight=False, width=PIPE_WIDTH).print(renderable)
