"""The `reasoning` command: a thin skin over the library, and the only place that prints or exits.

`main()` is the one error boundary: a usage error is typer's own message and exit 2, a declined
prompt "Aborted." and 1, Ctrl-C "Interrupted." and 130, a `ReasoningError` one line on stderr (plus
a hint) and its exit code; anything else is a bug, shown as one line unless `--debug` asks for the
traceback. Command modules import the library inside their functions so `reasoning --help` starts
fast (it imports typer and the command modules, not rich, click or the library).
"""

from __future__ import annotations

import sys

import typer

from controlplane.cli import (
    apply,
    config,
    costs,
    data,
    events,
    lock,
    manifest,
    models,
    plan,
    proxy,
    reconcile,
    rollout,
    route,
    simulator,
    status,
    train,
)
from controlplane.cli.output import err

#: The name on the package index (`reasoning` there is an unrelated project); its metadata has the version.
DISTRIBUTION = "reasoning-gitops"
#: 128 + SIGINT, as shells report a process that Ctrl-C ended.
INTERRUPTED = 130


def _print_version(wanted: bool) -> None:
    if not wanted:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version(DISTRIBUTION)
    except PackageNotFoundError:  # imported from a checkout that was never installed
        installed = "unknown (not installed)"
    typer.echo(f"reasoning {installed}")
    raise typer.Exit()


app = typer.Typer(
    name="reasoning",
    help="GitOps for the fine-tuned models behind an agent's decisions, on Together.ai.",
    no_args_is_help=True,  # bare `reasoning` prints the help and exits 2, as click does (a usage error)
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},  # subcommands inherit it
)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """GitOps for the fine-tuned models behind an agent's decisions, on Together.ai."""


for module in (manifest, plan, apply, status, reconcile, events, lock, config, train):
    module.register(app)
app.add_typer(simulator.app, name="simulator")
app.add_typer(proxy.app, name="proxy")
app.add_typer(costs.app, name="costs")
app.add_typer(models.app, name="models")
app.add_typer(data.app, name="data")
app.add_typer(rollout.app, name="rollout")
app.add_typer(route.app, name="route")


def main() -> None:
    # --debug is taken anywhere on the line, not only before the command: people add it last.
    debug = "--debug" in sys.argv
    args = [arg for arg in sys.argv[1:] if arg != "--debug"]
    try:
        code = app(args=args, prog_name="reasoning", standalone_mode=False)
    except (Exception, KeyboardInterrupt) as error:
        code = _failed(error, debug=debug)
    else:
        if code == INTERRUPTED:  # typer turns Ctrl-C during a command into Exit(130), returned quietly
            err.print("Interrupted.")
    sys.exit(code if isinstance(code, int) else 0)


def _framework_errors() -> tuple[tuple[type[BaseException], ...], ...]:
    """The exit, abort and self-reporting error classes of typer and, where it is loaded, click.

    Typer from 0.26 carries its own copy of click and raises its own classes; an older typer, or
    code calling click directly, raises click's. Both are read, so neither an upgrade nor a stray
    click call turns a usage error into "a bug". click is not imported just to look.
    """
    exits: list[type[BaseException]] = [typer.Exit]
    aborts: list[type[BaseException]] = [typer.Abort]
    shown: list[type[BaseException]] = [typer.TyperException]
    click = sys.modules.get("click")
    if click is not None:
        exits.append(click.exceptions.Exit)
        aborts.append(click.exceptions.Abort)
        shown.append(click.exceptions.ClickException)
    return tuple(exits), tuple(aborts), tuple(shown)


def _failed(error: BaseException, *, debug: bool) -> int:
    """Say in one line on stderr why the command ended, and return its exit code."""
    from controlplane.errors import ReasoningError

    exits, aborts, shown = _framework_errors()
    if isinstance(error, exits):
        code = getattr(error, "exit_code", 1)
        return code if isinstance(code, int) else 1
    if isinstance(error, (*aborts, KeyboardInterrupt, EOFError)):
        # confirm() raises Abort `from None` on Ctrl-C and Ctrl-D: what it was is its __context__
        why = error if isinstance(error, (KeyboardInterrupt, EOFError)) else error.__cause__ or error.__context__
        if isinstance(why, (KeyboardInterrupt, EOFError)):
            err.print()  # the prompt's line has no newline of its own
        if isinstance(why, KeyboardInterrupt):
            err.print("Interrupted.")
            return INTERRUPTED
        err.print("Aborted.")
        return 1
    if isinstance(error, shown):
        show = getattr(error, "show", None)
        if callable(show):
            show()  # typer's (click's) own words: the usage, "Try 'reasoning plan -h'", the error
        else:
            err.print(f"error: {error}", markup=False, highlight=False)
        code = getattr(error, "exit_code", 1)
        return code if isinstance(code, int) else 1
    if isinstance(error, ReasoningError):
        if debug:
            err.print_exception()
        err.print(f"error: {error}", markup=False, highlight=False)
        if error.hint:
            err.print(f"hint: {error.hint}", markup=False, highlight=False)
        return error.exit_code
    if debug:  # a bug: say so in one line, the traceback on request
        err.print_exception()
    err.print(f"internal error: {error.__class__.__name__}: {error}", markup=False, highlight=False)
    err.print("hint: this is a bug in reasoning; run again with --debug and report the traceback")
    return 1
