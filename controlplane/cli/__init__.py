"""The `reasoning` command: a thin skin over the library, and the only place that prints or exits.

`main()` is the one error boundary: a `ReasoningError` becomes one line on stderr (plus a hint)
and its exit code; anything else is a bug, shown as one line unless `--debug` asks for the
traceback. Command modules import the library inside their functions so `reasoning --help`
starts fast.
"""

from __future__ import annotations

import sys

import click
import typer

from controlplane.cli import apply, costs, events, manifest, plan, proxy, reconcile, simulator, status
from controlplane.cli.output import err

app = typer.Typer(
    name="reasoning",
    help="GitOps for the fine-tuned models behind an agent's decisions, on Together.ai.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
) -> None:
    """GitOps for the fine-tuned models behind an agent's decisions, on Together.ai."""


for module in (manifest, plan, apply, status, reconcile, events):
    module.register(app)
app.add_typer(simulator.app, name="simulator")
app.add_typer(proxy.app, name="proxy")
app.add_typer(costs.app, name="costs")


def main() -> None:
    # --debug is taken anywhere on the line, not only before the command: people add it last.
    debug = "--debug" in sys.argv
    args = [arg for arg in sys.argv[1:] if arg != "--debug"]
    from controlplane.errors import ReasoningError

    try:
        code = app(args=args, prog_name="reasoning", standalone_mode=False)
    except click.exceptions.Exit as exit_:
        code = exit_.exit_code
    except click.UsageError as error:
        error.show()
        code = 2
    except click.exceptions.Abort:
        err.print("aborted")
        code = 1
    except KeyboardInterrupt:
        err.print("interrupted")
        code = 130
    except ReasoningError as error:
        if debug:
            err.print_exception()
        err.print(f"error: {error}", markup=False, highlight=False)
        if error.hint:
            err.print(f"hint: {error.hint}", markup=False, highlight=False)
        code = error.exit_code
    except Exception as error:  # a bug: say so in one line, the traceback on request
        if debug:
            err.print_exception()
        err.print(f"internal error: {error.__class__.__name__}: {error}", markup=False, highlight=False)
        err.print("hint: this is a bug in reasoning; run again with --debug and report the traceback")
        code = 1
    sys.exit(code if isinstance(code, int) else 0)
