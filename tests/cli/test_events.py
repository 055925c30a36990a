"""`reasoning events`: the audit timeline from the store, filtered by time and role."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.cli import Run
from tests.support.clock import FakeClock


@pytest.fixture
def history(frozen: FakeClock, run: Run, quickstart: Path) -> Path:
    """Created at 09:00 by apply, stopped for idleness at 09:45 by reconcile; now 11:45."""
    assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
    frozen.move_to("2026-11-24 09:45")
    assert run("reconcile", "-f", str(quickstart)).code == 0
    frozen.tick(timedelta(hours=2))
    return quickstart


def rows(text: str) -> list[list[str]]:
    return [re.split(r"\s{2,}", line.strip()) for line in text.splitlines()[1:] if line.strip()]


class TestEvents:
    def test_shows_when_who_what_and_why_oldest_first(self, history: Path, run: Run) -> None:
        result = run("events", "-f", str(history))
        assert result.code == 0
        assert result.out.split()[:5] == ["when", "(UTC)", "role", "who", "what"]
        table = rows(result.out)
        assert [(r[0], r[1], r[3]) for r in table] == [
            ("2026-11-24 09:00:00", "planning", "create"),
            ("2026-11-24 09:00:00", "should_respond", "create"),
            ("2026-11-24 09:45:00", "planning", "stop"),
            ("2026-11-24 09:45:00", "should_respond", "stop"),
        ]
        assert "@" in table[0][2] and table[2][2] == "reconcile"
        assert table[2][4].startswith("idle 45 min (limit 30)")

    def test_since_takes_a_span_back_from_now_or_an_iso_time(self, history: Path, run: Run) -> None:
        assert run("events", "-f", str(history), "--since", "1h").out.strip() == "No events for project quickstart."
        assert [r[3] for r in rows(run("events", "-f", str(history), "--since", "2h").out)] == ["stop", "stop"]
        assert len(rows(run("events", "-f", str(history), "--since", "3h").out)) == 4
        assert len(rows(run("events", "-f", str(history), "--since", "2026-11-24T09:30").out)) == 2
        assert len(rows(run("events", "-f", str(history), "--since", "2026-11-24T10:30+01:00").out)) == 2

    def test_role_filters_and_accepts_the_dashed_spelling(self, history: Path, run: Run) -> None:
        table = rows(run("events", "-f", str(history), "--role", "should-respond").out)
        assert [(r[1], r[3]) for r in table] == [("should_respond", "create"), ("should_respond", "stop")]

    def test_json_is_versioned_with_each_events_detail(self, history: Path, run: Run) -> None:
        data = json.loads(run("events", "-f", str(history), "--json", "--role", "planning").out)
        assert data["format_version"] == "1" and data["project"] == "quickstart" and data["role"] == "planning"
        stop = data["events"][-1]
        assert stop["at"] == "2026-11-24T09:45:00Z" and stop["actor"] == "reconcile"
        assert stop["kind"] == "stop" and stop["detail"]["policy"] == "idle"
        assert set(stop) == {"at", "role", "actor", "kind", "reason", "detail"}

    def test_a_since_that_is_not_a_time_is_a_clear_error(self, history: Path, run: Run) -> None:
        result = run("events", "-f", str(history), "--since", "yesterday")
        assert result.code == 1 and result.err.startswith("error: --since yesterday: not a time")
