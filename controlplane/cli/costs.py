"""`reasoning costs report`: spend per role, day or hour against the budget, as a table and a bar chart.

A thin skin over `controlplane.costs.report`: it reads the store only (the ledger and the usage),
so it works offline and is as fresh as the last apply or reconcile.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from controlplane.cli.options import FILE, WHEN, parse_when
from controlplane.cli.output import PIPE_WIDTH, err, out, show
from controlplane.cli.process import short_lived

if TYPE_CHECKING:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from controlplane.values.report import CostReport

BAR_WIDTH = 40
#: below this many columns tables lose their vertical rules (two characters per column saved)
COMPACT = 100
EIGHTHS = " ▏▎▍▌▋▊▉"

app = typer.Typer(
    help="What the models cost (the ledger and request costs, against the budget); budgets and idle shutdown.",
    no_args_is_help=True,
)


@app.command()
def report(
    file: Path = FILE,
    since: str = typer.Option(None, "--since", help=f"Start: {WHEN}. Default: the budget period's start."),
    until: str = typer.Option(None, "--until", help=f"End: {WHEN}. Default: now."),
    by: str = typer.Option("role", "--by", help="Group by role, day or hour (days and hours in UTC)."),
    as_json: bool = typer.Option(False, "--json", help="Print versioned JSON."),
) -> None:
    """Spend per role (or per day or hour) against the budget, burn rate now and projection."""
    from controlplane import clock
    from controlplane.errors import EmptySpan, ReasoningError, UnknownGrouping

    now = clock.now()
    start = parse_when(since, "--since", now)
    end = parse_when(until, "--until", now)
    try:
        with short_lived():
            from controlplane import api

            result = api.costs_report(api.load(file), now=now, since=start, until=end, by=by)
    except UnknownGrouping:
        raise ReasoningError(f"--by {by}: not one of role, day, hour", hint="e.g. --by day") from None
    except EmptySpan as error:
        raise ReasoningError(
            f"--since {error.since:%Y-%m-%d %H:%M} UTC is not before --until {error.until:%Y-%m-%d %H:%M} UTC"
            + (" (--until is cut to now)" if error.cut_to_now else ""),
            hint="give --since an earlier time than --until, e.g. --since 7d",
        ) from None
    if as_json:
        out.print(json.dumps(result.as_json(), indent=2), markup=False)
        return
    show(render(result))


@app.command("set-budget")
def set_budget(
    amount: float = typer.Argument(..., help="USD per period, e.g. 150."),
    period: str = typer.Option(None, "--period", help="day, week, month or total (default: as the file says)."),
    role: str = typer.Option(None, "--role", help="This role's own budget instead of the global one."),
    file: Path = FILE,
    quiet: bool = typer.Option(False, "-q", "--quiet", help="Print nothing but errors."),
) -> None:
    """Set the budget in reasoning.yaml in place (comments kept) and show the diff."""
    from controlplane import api
    from controlplane.cli.models import show_edit
    from controlplane.errors import ReasoningError

    if period is not None and period not in ("day", "week", "month", "total"):
        raise ReasoningError(f"--period {period}: not one of day, week, month, total", hint="e.g. --period month")
    edit = api.set_budget(file, amount, period=period, role=role)
    show_edit(edit, quiet=quiet, unchanged=f"The budget is already {amount:,.2f} USD in {file}.")


@app.command("auto-shutdown")
def auto_shutdown(
    minutes: int = typer.Option(
        ..., "--minutes", min=0, help="Minutes without a request before a role stops; 0 = never."
    ),
    role: str = typer.Option(None, "--role", help="Only this role (default: the default of every role)."),
    file: Path = FILE,
    quiet: bool = typer.Option(False, "-q", "--quiet", help="Print nothing but errors."),
) -> None:
    """Set idle shutdown in reasoning.yaml: `defaults.idle_shutdown_minutes`, or one role's."""
    from controlplane import api
    from controlplane.cli.models import show_edit

    edit, own = api.set_auto_shutdown(file, minutes, role=role)
    show_edit(edit, quiet=quiet, unchanged=f"Idle shutdown is already {minutes} minute(s) in {file}.")
    if own and not quiet:
        keeps = ", ".join(f"{name} ({edit.get(['models', name, 'idle_shutdown_minutes'])})" for name in own)
        err.print(f"Note: these roles keep their own idle_shutdown_minutes: {keeps}; --role ROLE changes one.",
                  markup=False)  # fmt: skip


# -- for people ---------------------------------------------------------------------------------


def render(result: CostReport, *, bars: int | None = None, width: int | None = None) -> Group:
    """The report for people; `bars` is the longest bar in characters (default: what the terminal
    leaves room for). Under 100 columns the table drops its vertical rules, so at 80 every
    figure stays whole and the bars take what is left."""
    from rich.console import Group
    from rich.text import Text

    width = width or (out.width if out.is_terminal else PIPE_WIDTH)
    bars = bars or bar_width(width)
    title = Text(
        f"Project {result.project}: spend from {result.since:%Y-%m-%d %H:%M} to {result.until:%Y-%m-%d %H:%M} UTC",
        style="bold",
    )
    table = _by_role(result, bars) if result.by == "role" else _by_bucket(result, bars)
    if width < COMPACT:  # no rules at all: each one costs a column the figures need
        table.box, table.pad_edge, table.show_edge = None, False, False
    return Group(title, table, Text(""), *_budget_lines(result))


def _by_role(result: CostReport, bars: int) -> Table:
    from rich.table import Table

    table = Table(title_justify="left", expand=False)
    for column in ("role", "replica-h", "requests", "hardware", "requests $", "total"):
        table.add_column(column, justify="left" if column == "role" else "right", no_wrap=True)
    table.add_column(f"share of {_usd(result.usd)}" if bars >= 16 else "share", no_wrap=True, overflow="crop")
    top = max((r.usd for r in result.roles), default=Decimal(0))
    for line in result.roles:
        table.add_row(
            line.role,
            f"{line.replica_hours:,.2f}",
            f"{line.requests:,}",
            _usd(line.hardware_usd),
            _usd(line.requests_usd),
            _usd(line.usd),
            _bar(line.usd, top, bars),
        )
    table.add_section()
    table.add_row(
        "total",
        f"{sum((r.replica_hours for r in result.roles), Decimal(0)):,.2f}",
        f"{sum(r.requests for r in result.roles):,}",
        _usd(result.hardware_usd),
        _usd(result.requests_usd),
        _usd(result.usd),
        "",
        style="bold",
    )
    return table


def _by_bucket(result: CostReport, bars: int) -> Table:
    from rich.table import Table

    roles = [r.role for r in result.roles if r.usd]
    table = Table(title_justify="left", expand=False)
    table.add_column("day (UTC)" if result.by == "day" else "hour (UTC)", no_wrap=True)
    for role in roles:
        table.add_column(role, justify="right", no_wrap=True)
    table.add_column("total", justify="right", no_wrap=True)
    table.add_column("spend", no_wrap=True, overflow="crop")
    top = max((b.usd for b in result.buckets), default=Decimal(0))
    for bucket in result.buckets:
        label = f"{bucket.start:%Y-%m-%d %a}" if result.by == "day" else f"{bucket.start:%m-%d %H:00}"
        amounts = [_usd(bucket.roles[r]) if r in bucket.roles else "-" for r in roles]
        table.add_row(label, *amounts, _usd(bucket.usd), _bar(bucket.usd, top, bars))
    table.add_section()
    table.add_row("total", *[_usd(r.usd) for r in result.roles if r.usd], _usd(result.usd), "", style="bold")
    return table


def _budget_lines(result: CostReport) -> list[Text]:
    from rich.text import Text

    from controlplane.values.money import THIS_PERIOD

    spend, budget = result.spend, result.spend.budget
    lines = []
    if budget.limit_usd is not None and budget.remaining_usd is not None:
        used = budget.usd / budget.limit_usd * 100
        this = THIS_PERIOD[budget.period]
        text = f"Budget {this}: {_usd(budget.usd)} of {_usd(budget.limit_usd)} ({used:.0f}%), " + (
            "spent." if budget.exceeded else f"{_usd(budget.remaining_usd)} left."
        )
        lines.append(Text(text, style="red" if budget.exceeded else ""))
    else:
        lines.append(Text(f"Spent {THIS_PERIOD[budget.period]}: {_usd(budget.usd)}; no budget.limit_usd set."))
    burn = f"Burn now {_usd(budget.burn_usd_per_hour)}/h"
    projected = budget.projected_usd(result.now)
    if projected is not None and budget.end is not None:
        over = budget.limit_usd is not None and projected > budget.limit_usd
        lines.append(
            Text(
                f"{burn}; projected {_usd(projected)} by {budget.end:%Y-%m-%d %H:%M} UTC"
                f" (spent + burn now x time left)" + (": over budget" if over else "."),
                style="yellow" if over else "",
            )
        )
    else:
        lines.append(Text(f"{burn}."))
    for role in spend.roles.values():
        own = role.budget
        if own is None or own.limit_usd is None:
            continue
        lines.append(
            Text(
                f"  {role.role}'s own budget {THIS_PERIOD[own.period]}: {_usd(own.usd)} of {_usd(own.limit_usd)}"
                + (", spent." if own.exceeded else "."),
                style="red" if own.exceeded else "",
            )
        )
    return lines


def bar_width(width: int) -> int:
    """As wide as `width` leaves room for beside the figures (the bars scale, so a narrow terminal
    shows shorter bars, never cut ones); at most BAR_WIDTH."""
    return max(4, min(BAR_WIDTH, width - 71))


def _bar(amount: Decimal, top: Decimal, width: int | None = None) -> str:
    """A horizontal bar in eighths of a character: readable in a terminal, a log or a pipe."""
    if top <= 0 or amount <= 0:
        return ""
    eighths = max(1, round(amount / top * (width or BAR_WIDTH) * 8))
    return "█" * (eighths // 8) + EIGHTHS[eighths % 8].strip()


def _usd(amount: Decimal) -> str:
    from controlplane.values.money import cents

    return f"${cents(amount):,.2f}".replace("$-", "-$")
