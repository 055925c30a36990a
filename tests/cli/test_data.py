"""`reasoning data export | stats | cleanup | label` as a user runs them, on the quickstart's store:
the original service's flags, the default file name, no overwrite without --force, usage errors
exit 2, and cleanup deleting what it says, by the rule reconcile runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from together.lib.utils.files import check_file

from controlplane import api, clock
from controlplane.data.export import check_lines
from controlplane.manifest import load
from controlplane.store import Sample, Store
from tests.support.cli import Run
from tests.support.clock import FakeClock
from tests.support.project import edit

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def store(quickstart: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{quickstart.parent}/.reasoning/state.db") as opened:
        yield opened


def sample(role: str, n: int, *, days: float = 0, source: str = "fallback") -> Sample:
    return Sample(
        project="quickstart",
        role=role,
        at=clock.now() - timedelta(days=days, minutes=n),
        source=source,  # type: ignore[arg-type]
        prompt={"messages": [{"role": "user", "content": f"{role} question {n}"}]},
        answer=f"answer {n}",
    )


class TestExport:
    def test_writes_the_default_file_with_the_original_flags_and_never_overwrites_without_force(
        self, run: Run, quickstart: Path, store: Store, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        store.record(samples=[sample("planning", n, days=n) for n in range(5)] + [sample("should_respond", 1)])
        monkeypatch.chdir(quickstart.parent)
        args = ("data", "export", "--file", str(quickstart), "-m", "planning", "-f", "jsonl", "-l", "3")
        result = run(*args, "--start-date", "2026-11-21", "--end-date", "2026-11-23")  # 3 of 5
        assert result.code == 0, result.text
        name = "training-data-planning-2026-11-24.jsonl"
        assert f"Wrote 3 line(s) to {name} (3 sample(s) read)." in result.out
        written = [json.loads(line)["messages"][0]["content"] for line in (quickstart.parent / name).open()]
        assert written == [f"planning question {n}" for n in (1, 2, 3)]  # both days included, UTC
        assert check_file(quickstart.parent / name)["is_check_passed"]
        again = run(*args)
        assert again.code == 1 and f"error: {name} exists" in again.err and "--force" in again.err
        assert run(*args, "--force").code == 0
        assert len((quickstart.parent / name).read_text().splitlines()) == 3  # of 5, -l 3

    def test_source_fallback_is_the_distillation_set_with_a_validation_split(
        self, run: Run, quickstart: Path, store: Store, tmp_path: Path
    ) -> None:
        store.record(samples=[sample("planning", n, source="custom" if n % 2 else "fallback") for n in range(60)])
        out = tmp_path / "distill.jsonl"
        result = run("data", "export", "--file", str(quickstart), "--source", "fallback", "-o", str(out),
                     "--split", "0.2", "--json")  # fmt: skip
        assert result.code == 0, result.text
        report = json.loads(result.out)
        assert report["read"] == 30 and report["written"] + report["validation_written"] == 30
        assert report["validation_output"] == str(tmp_path / "distill-validation.jsonl")
        assert check_lines(out) == [] and check_file(out)["is_check_passed"]

    @pytest.mark.parametrize(
        ("args", "says"),
        [
            (("-f", "csv"), "'csv' is not one of jsonl, json"),
            (("--source", "teacher"), "'teacher' is not one of all, custom, fallback"),
            (("--start-date", "yesterday"), "'yesterday' is not a day (YYYY-MM-DD)"),
        ],
    )
    def test_a_bad_flag_is_a_usage_error(self, run: Run, quickstart: Path, args: tuple[str, ...], says: str) -> None:
        result = run("data", "export", "--file", str(quickstart), *args)
        assert result.code == 2 and says in result.err

    def test_an_unknown_role_names_the_roles_there_are(self, run: Run, quickstart: Path) -> None:
        result = run("data", "export", "--file", str(quickstart), "-m", "coder")
        assert result.code == 1
        assert "--model-type coder: no such role in models" in result.err and "planning, should_respond" in result.err

    def test_should_respond_is_also_should_respond(
        self, run: Run, quickstart: Path, store: Store, tmp_path: Path
    ) -> None:
        store.record(samples=[sample("should_respond", 1)])
        out = tmp_path / "x.jsonl"
        assert run("data", "export", "--file", str(quickstart), "-m", "should-respond", "-o", str(out)).code == 0
        assert len(out.read_text().splitlines()) == 1


class TestStats:
    def test_shows_each_role_and_its_verdict(self, run: Run, quickstart: Path, store: Store) -> None:
        store.record(samples=[sample("planning", n) for n in range(3)] + [sample("planning", 0)])
        result = run("data", "stats", "-f", str(quickstart), "--json")
        assert result.code == 0, result.text
        data = json.loads(result.out)
        assert data["format_version"] == "1" and data["max_seq_length"] == 8192
        planning = next(r for r in data["roles"] if r["role"] == "planning")
        assert (planning["samples"], planning["duplicates"], planning["custom_share"]) == (4, 1, 0.0)
        assert planning["readiness"]["verdict"] == "not ready"
        text = run("data", "stats", "-f", str(quickstart)).out
        assert "planning: not ready" in text and "too few samples for a fine-tune: 3 usable" in text
        assert "one source only (fallback)" in text


class TestCleanup:
    def test_a_dry_run_says_what_would_go_and_then_it_goes_by_reconciles_rule(
        self, run: Run, quickstart: Path, store: Store
    ) -> None:
        edit(quickstart, "max_samples_per_model: 10000", "max_samples_per_model: 2")
        store.record(samples=[sample("planning", n, days=d) for n, d in enumerate((40, 20, 3, 2, 1))])
        dry = run("data", "cleanup", "-f", str(quickstart), "--days", "10", "--dry-run")
        assert dry.code == 0, dry.text
        assert dry.out.splitlines() == [
            "all roles: would delete 2 training sample(s) older than 10 days (before 2026-11-14 09:00 UTC)",
            "planning: would delete 1 oldest training sample(s) over max_samples_per_model 2",
            "Would delete 3 sample(s).",
        ]
        assert store.sample_counts("quickstart") == {"planning": 5}
        done = run("data", "cleanup", "-f", str(quickstart), "--days", "10")
        assert done.out.splitlines()[-1] == "Deleted 3 sample(s)."
        assert [s.answer for s in store.samples("quickstart")] == ["answer 3", "answer 4"]
        events = [e for e in store.events("quickstart") if e.kind == "retention"]
        assert [(e.actor, e.role, e.detail) for e in events] == [
            ("data cleanup", None, {"samples": 2}),
            ("data cleanup", "planning", {"samples": 1}),
        ]
        assert run("data", "cleanup", "-f", str(quickstart), "--days", "10").out.startswith("Nothing to delete")

    def test_without_days_it_is_the_manifests_retention(self, run: Run, quickstart: Path, store: Store) -> None:
        store.record(samples=[sample("planning", 1, days=31), sample("planning", 2, days=29)])
        result = run("data", "cleanup", "-f", str(quickstart), "--json")
        data = json.loads(result.out)
        assert (data["days"], data["keep"], [d["samples"] for d in data["deletions"]]) == (30, 10000, [1])


class TestLabel:
    def test_labels_a_sample_and_export_leaves_bad_ones_out(
        self, run: Run, quickstart: Path, store: Store, tmp_path: Path, frozen: FakeClock
    ) -> None:
        store.record(samples=[sample("planning", 1), sample("planning", 2)])
        result = run("data", "label", "1", "bad", "--note", "wrong action", "-f", str(quickstart))
        assert result.code == 0, result.text
        assert result.out.strip() == "sample 1 (planning, 2026-11-24 08:59 UTC): bad (wrong action)"
        assert api.label_sample(load(quickstart), 2, "good").label == "good"  # the Python API
        out = tmp_path / "x.jsonl"
        run("data", "export", "--file", str(quickstart), "-o", str(out))
        assert [json.loads(line)["messages"][1]["content"] for line in out.open()] == ["answer 2"]
        unknown = run("data", "label", "99", "good", "-f", str(quickstart))
        assert unknown.code == 1 and "no training sample 99 in project quickstart" in unknown.err
        assert run("data", "label", "1", "great", "-f", str(quickstart)).code == 2
        assert run("data", "label", "1", "none", "-f", str(quickstart)).out.strip().endswith(": unlabeled")


class TestProgress:
    def test_a_bar_on_a_terminal_and_nothing_on_a_pipe(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import io

        from rich.console import Console

        from controlplane.cli import data

        screen = io.StringIO()
        monkeypatch.setattr(data, "err", Console(file=screen, force_terminal=True, width=80))
        with data._Progress(True) as progress:
            assert progress is not None
            progress(12_000)
            progress.bar.refresh()
        assert "exporting: 12,000 samples read" in screen.getvalue()
        monkeypatch.setattr(data, "err", Console(file=io.StringIO(), force_terminal=False))
        with data._Progress(True) as quiet:
            assert quiet is None
        with data._Progress(False) as asked_for_json:
            assert asked_for_json is None
