"""`reasoning costs report` on the quickstart: after apply and simulated days of running, the report
says what the ledger holds, to the cent, as a table, a bar chart and versioned JSON.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from controlplane.store import Store
from tests.support.cli import Run
from tests.support.clock import START, FakeClock
from tests.support.project import edit

pytestmark = pytest.mark.usefixtures("frozen")

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=timezone.utc)


def ledger_usd(manifest: Path, until: datetime) -> Decimal:
    """The ledger's total read straight from its table: cents x replicas x hours, rounded once."""
    rows = sqlite3.connect(manifest.parent / ".reasoning/state.db").execute(
        "SELECT replicas, cents_per_hour, started_at, ended_at FROM ledger"
    )
    total = Decimal(0)
    for replicas, cents, started, ended in rows:
        start = datetime.fromisoformat(started).replace(tzinfo=timezone.utc)
        end = datetime.fromisoformat(ended).replace(tzinfo=timezone.utc) if ended else until
        total += Decimal(replicas * cents) * Decimal((end - start).total_seconds()) / 3600 / 100
    return total.quantize(Decimal("0.01"))


def rows(text: str) -> dict[str, list[str]]:
    """A table's rows by first cell, each as its stripped cells."""
    table = [[cell.strip() for cell in line.split("│")[1:-1]] for line in text.splitlines() if line.startswith("│")]
    return {cells[0]: cells[1:] for cells in table}


@pytest.fixture
def ran(run: Run, quickstart: Path, frozen: FakeClock) -> Path:
    """The quickstart applied at START (should_respond and planning, one H100 each: $7.98/h) and
    left running until NOW, 49.5 hours later; one $0.40 request to planning on the 25th."""
    assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
    with Store(f"sqlite:///{quickstart.parent}/.reasoning/state.db") as store:
        store.record_usage("quickstart", "planning", at=datetime(2026, 11, 25, 12, tzinfo=timezone.utc), cost_usd=0.4)
    frozen.move_to(NOW)
    return quickstart


class TestReport:
    def test_matches_the_ledger_to_the_cent(self, run: Run, ran: Path) -> None:
        data = json.loads(run("costs", "report", "-f", str(ran), "--json").out)
        hardware = ledger_usd(ran, NOW)
        assert hardware == Decimal("395.01")  # 49.5 h x $7.98/h
        assert data["format_version"] == "1" and data["hardware_usd"] == float(hardware)
        assert data["total_usd"] == float(hardware + Decimal("0.40"))
        roles = {r["role"]: r for r in data["roles"]}
        assert roles["planning"]["usd"] == 197.91 and roles["planning"]["requests"] == 1  # 197.505 + 0.40
        assert roles["should_respond"]["replica_hours"] == 49.5 and roles["coding"]["usd"] == 0

    def test_shows_a_table_with_the_budget_burn_and_projection(self, run: Run, ran: Path) -> None:
        result = run("costs", "report", "-f", str(ran))
        assert result.code == 0, result.text
        text = result.out
        assert "Project quickstart: spend from 2026-11-01 00:00 to 2026-11-26 10:30 UTC" in text
        table = rows(text)
        assert table["planning"][:5] == ["49.50", "1", "$197.51", "$0.40", "$197.91"]
        assert table["total"] == ["99.00", "1", "$395.01", "$0.40", "$395.41", ""]
        # bars in eighths of a character: planning's $0.40 of requests makes it the longer one
        assert (table["planning"][-1], table["should_respond"][-1]) == ("█" * 40, "█" * 39 + "▉")
        assert "Budget this month: $395.41 of $500.00 (79%), $104.59 left." in text
        # 109.5 hours left of November at $7.98/h: 395.41 + 873.81
        assert "Burn now $7.98/h; projected $1,269.22 by 2026-12-01 00:00 UTC" in text and "over budget" in text

    def test_by_day_draws_spend_over_days_as_bars(self, run: Run, ran: Path) -> None:
        result = run("costs", "report", "-f", str(ran), "--by", "day", "--since", "2026-11-24")
        assert result.code == 0, result.text
        days = rows(result.out)
        assert list(days) == ["2026-11-24 Tue", "2026-11-25 Wed", "2026-11-26 Thu", "total"]
        # columns planning, should_respond, total, bar: 15 h, 24 h (+ the request), 10.5 h at $7.98/h;
        # the fullest day draws the full bar, the others in proportion (eighths of a character)
        assert days["2026-11-24 Tue"] == ["$59.85", "$59.85", "$119.70", "█" * 25]
        assert days["2026-11-25 Wed"] == ["$96.16", "$95.76", "$191.92", "█" * 40]
        assert days["2026-11-26 Thu"] == ["$41.90", "$41.90", "$83.79", "█" * 17 + "▌"]
        assert "\x1b[" not in result.out  # off a terminal: plain text, no escape codes

    def test_by_hour_between_since_and_until(self, run: Run, ran: Path) -> None:
        result = run(
            "costs",
            "report",
            "-f",
            str(ran),
            "--by",
            "hour",
            "--since",
            "2026-11-25T11:00",
            "--until",
            "2026-11-25T14:00Z",
        )
        data = json.loads(
            run(
                "costs", "report", "-f", str(ran), "--by", "hour", "--since", "2026-11-25T11:00",
                "--until", "2026-11-25T14:00Z", "--json",
            ).out
        )  # fmt: skip
        assert [b["usd"] for b in data["buckets"]] == [7.98, 8.38, 7.98]
        assert data["total_usd"] == 24.34
        assert rows(result.out)["11-25 12:00"] == ["$4.39", "$3.99", "$8.38", "█" * 40]

    def test_a_span_back_from_now_as_since(self, run: Run, ran: Path) -> None:
        data = json.loads(run("costs", "report", "-f", str(ran), "--since", "90m", "--json").out)
        assert data["since"] == "2026-11-26T09:00:00+00:00" and data["total_usd"] == 11.97

    def test_a_role_spent_past_its_own_budget_is_shown(self, run: Run, ran: Path) -> None:
        edit(ran, "    priority: 10", "    priority: 10\n    budget: {limit_usd: 50, period: day}")
        result = run("costs", "report", "-f", str(ran))
        # the 26th so far: 10.5 h x $3.99
        assert "  should_respond's own budget today: $41.90 of $50.00." in result.out


class TestBadArguments:
    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            (("--since", "2026-11-25", "--until", "2026-11-24"), "error: --since 2026-11-25 00:00 UTC is not before"),
            (("--by", "week"), "error: --by week: not one of role, day, hour"),
            (("--since", "yesterday"), "error: --since yesterday: not a time; write an ISO date or time"),
            (("--until", "2026-13-01"), "error: --until 2026-13-01: not a time"),
        ],
    )
    def test_exit_1_with_a_clear_error(self, run: Run, ran: Path, arguments: tuple[str, ...], message: str) -> None:
        result = run("costs", "report", "-f", str(ran), *arguments)
        assert result.code == 1 and result.err.startswith(message), result.err
        assert "Traceback" not in result.text

    def test_a_missing_manifest_is_named(self, run: Run, tmp_path: Path) -> None:
        result = run("costs", "report", "-f", str(tmp_path / "nope.yaml"))
        assert result.code == 1 and "nope.yaml" in result.err


def test_nothing_applied_reports_zero(run: Run, quickstart: Path) -> None:
    data = json.loads(run("costs", "report", "-f", str(quickstart), "--json").out)
    assert data["total_usd"] == 0 and data["budget"]["burn_usd_per_hour"] == 0
    assert START.isoformat() == data["until"]
