"""`reasoning reconcile`: one round of `controlplane.reconcile` for cron, or rounds on an interval.

Built for schedulers. Exit codes (also in `--help` and the README):

    0  the round went fine, whether it changed something or not
    1  an error: a bad manifest, a plan refused, a step of apply that failed, the store
    3  skipped: another apply or reconcile holds the project's lock (run again later)
    4  the provider could not be reached or answered 5xx / 429 (run again later)

Nothing is printed when nothing changed, unless `-v`; `--json` prints one versioned object per
round (indented with `--once`, one line each with `--interval`). With `--interval` the rounds go
on until SIGTERM or Ctrl-C, which end the loop between rounds (a round in progress finishes
first, so no apply is cut in half) with exit code 0; an error in one round is reported and the
next round runs, and the exit code is the last round's.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import typer

from controlplane.cli.options import FILE, parse_span
from controlplane.cli.output import err, out
from controlplane.cli.process import long_lived, short_lived
from controlplane.errors import LockHeld, TemporaryError

if TYPE_CHECKING:
    from controlplane.values.reconcile import Round

OK, ERROR, LOCKED, UNREACHABLE = 0, 1, LockHeld.exit_code, TemporaryError.exit_code
EXIT_CODES = (
    "Exit codes: 0 fine (changed or not); 1 error; 3 skipped, another apply or reconcile holds the lock; "
    "4 provider unreachable or failing (5xx, 429)."
)


def register(app: typer.Typer) -> None:
    app.command(epilog=EXIT_CODES)(reconcile)


def reconcile(
    file: Path = FILE,
    once: bool = typer.Option(False, "--once", help="One round, then exit (the default)."),
    interval: str = typer.Option(None, "--interval", help="Run a round every so often (e.g. 60s, 5m) until stopped."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what a round would change; change nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print each round as versioned JSON."),
    verbose: bool = typer.Option(False, "-v", "--verbose", help="Also print rounds that changed nothing."),
    max_rounds: int = typer.Option(None, "--max-rounds", min=1, help="With --interval: stop after this many rounds."),
) -> None:
    """Enforce the policy now: stop idle, over-budget or windowed roles, start woken ones, delete
    expired training data. For cron (--once) or as a service (--interval)."""
    from controlplane.errors import ReasoningError

    if once and interval is not None:
        raise ReasoningError("--once and --interval exclude each other", hint="cron: --once; a service: --interval 60s")
    if interval is None:
        with short_lived():
            code = _once(file, dry_run=dry_run, as_json=as_json, verbose=verbose, loop=False)
    else:
        code = _loop(file, _seconds(interval), max_rounds, dry_run=dry_run, as_json=as_json, verbose=verbose)
    if code:
        raise typer.Exit(code)


def _once(file: Path, *, dry_run: bool, as_json: bool, verbose: bool, loop: bool) -> int:
    """One round; the errors a scheduler should tell apart become exit codes, others propagate
    to the CLI's boundary (or, in a loop, are reported and the loop goes on)."""
    from controlplane import api
    from controlplane.errors import ReasoningError

    try:
        result = api.reconcile_round(api.load(file), dry_run=dry_run)
    except LockHeld as error:
        err.print(f"reconcile skipped: {error}", markup=False, highlight=False)
        return LOCKED
    except TemporaryError as error:
        err.print(f"reconcile failed: provider unavailable: {error}", markup=False, highlight=False)
        if error.hint:
            err.print(f"hint: {error.hint}", markup=False, highlight=False)
        return UNREACHABLE
    except ReasoningError as error:
        if not loop:
            raise
        err.print(f"reconcile failed: {error}", markup=False, highlight=False)
        return error.exit_code
    _show(result, as_json=as_json, verbose=verbose, compact=loop)
    return OK


def _loop(file: Path, seconds: float, max_rounds: int | None, *, dry_run: bool, as_json: bool, verbose: bool) -> int:
    from controlplane import clock

    long_lived()  # a round every --interval until stopped: collect
    rounds, code = 0, OK
    with _stoppable() as stop:
        while True:
            code = _once(file, dry_run=dry_run, as_json=as_json, verbose=verbose, loop=True)
            rounds += 1
            if stop.requested or (max_rounds is not None and rounds >= max_rounds):
                break
            try:
                stop.sleeping = True
                clock.sleep(seconds)
            except _Stop:
                break
            finally:
                stop.sleeping = False
    if stop.requested:
        err.print(f"reconcile stopped by {stop.requested} after {rounds} round(s)")
    return code


class _Stop(Exception):
    """Raised by the signal handler to cut a sleep short; never while a round runs."""


class _Stopper:
    def __init__(self) -> None:
        self.requested: str | None = None
        self.sleeping = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.requested and not self.sleeping and signum == signal.SIGINT:
            raise KeyboardInterrupt  # Ctrl-C twice: the person means now
        self.requested = signal.Signals(signum).name
        if self.sleeping:
            raise _Stop()


@contextmanager
def _stoppable() -> Iterator[_Stopper]:
    """SIGTERM and Ctrl-C end the loop between rounds; the previous handlers come back after."""
    stopper = _Stopper()
    previous = {sig: signal.signal(sig, stopper) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stopper
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _seconds(text: str) -> float:
    from controlplane.errors import ReasoningError

    span = parse_span(text, "--interval")
    if span.total_seconds() < 1:
        raise ReasoningError(f"--interval: {text} is too short; at least 1s")
    return span.total_seconds()


def _show(result: Round, *, as_json: bool, verbose: bool, compact: bool) -> None:
    if as_json:
        data = result.model_dump(mode="json")
        out.print(json.dumps(data, separators=(",", ":")) if compact else json.dumps(data, indent=2), markup=False)
        return
    if not result.changed and not verbose:
        return
    stamp = f"{result.at:%Y-%m-%d %H:%M:%S} UTC"
    would = "would " if result.dry_run else ""
    for change in result.changes:
        out.print(f"{stamp}  {change.role}: {would}{change.kind}: {change.reason}", markup=False)
    for deletion in result.retention:
        reason = deletion.reason.replace("deleted", "would delete", 1) if result.dry_run else deletion.reason
        out.print(f"{stamp}  {deletion.role or 'all roles'}: retention: {reason}", markup=False)
    if verbose:
        for role in result.roles:
            if role.kind == "noop":
                out.print(f"{stamp}  {role.role}: {role.reason}", markup=False)
        summary = "dry run, nothing changed" if result.dry_run else f"{len(result.changes)} change(s)"
        out.print(
            f"{stamp}  {summary}; running cost ${result.usd_per_hour_before:,.2f}/h → "
            f"${result.usd_per_hour_after:,.2f}/h at most",
            markup=False,
        )
