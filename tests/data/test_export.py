"""`data export` on SQLite and PostgreSQL: the selection, de-duplication, the split, what is
skipped and why, files replaced only with force, and every line passing together's own
`check_file` (SDK 3.1.1, `together/lib/utils/files.py`) and our format rules."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from together.lib.utils.files import check_file

from controlplane.data.export import check_lines, default_name, export, validation_path
from controlplane.errors import DataError
from controlplane.store import Sample, Store
from controlplane.values.data import SampleFilter

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(store_url: str) -> Store:
    return Store(store_url)


def sample(n: int, *, role: str = "planning", source: str = "custom", days: float = 0, **extra: Any) -> Sample:
    return Sample(
        project="demo",
        role=role,
        at=NOW - timedelta(days=days, minutes=n),
        source=source,  # type: ignore[arg-type]
        prompt={"messages": [{"role": "user", "content": f"question {n}"}], "temperature": 0.3},
        answer=f"answer {n}",
        **extra,
    )


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(text) for text in path.read_text().splitlines()]


def asked(path: Path) -> list[str]:
    return [line["messages"][0]["content"] for line in lines(path)]


class TestExport:
    def test_every_line_passes_check_file_and_our_rules(self, store: Store, tmp_path: Path) -> None:
        store.record(samples=[sample(n) for n in range(5)])
        out = tmp_path / "train.jsonl"
        report = export(store, "demo", SampleFilter(), out, NOW)
        assert (report.read, report.written, report.skipped) == (5, 5, ())
        checked = check_file(out)
        assert checked["is_check_passed"], checked["message"]
        assert checked["num_samples"] == 5
        assert check_lines(out) == []
        assert asked(out) == [f"question {n}" for n in range(5)]  # in the order they were recorded

    def test_selects_by_role_dates_source_and_label(self, store: Store, tmp_path: Path) -> None:
        store.record(
            samples=[
                *[sample(1), sample(2, source="fallback"), sample(3, role="coding"), sample(4, days=10)],
                *[sample(5, label="good"), sample(6, label="bad", note="wrong action")],
            ]
        )

        def picked(**selection: Any) -> set[str]:
            out = tmp_path / "x.jsonl"
            export(store, "demo", SampleFilter(**selection), out, NOW, force=True)
            return {q.split()[-1] for q in asked(out)}

        assert picked() == {"1", "2", "3", "4", "5"}  # all but the one labeled bad
        assert picked(role="planning", source="fallback") == {"2"}
        assert picked(since=NOW - timedelta(days=1)) == {"1", "2", "3", "5"}
        assert picked(until=NOW - timedelta(days=1)) == {"4"}
        assert picked(label="good") == {"5"}
        assert picked(label="bad") == {"6"}
        assert picked(label="any") == {"1", "2", "3", "4", "5", "6"}
        assert picked(label="unlabeled") == {"1", "2", "3", "4"}

    def test_leaves_out_duplicates_unless_asked(self, store: Store, tmp_path: Path) -> None:
        twice = [sample(1), sample(1).model_copy(update={"prompt": {**sample(1).prompt, "temperature": 0.9}})]
        store.record(samples=[*twice, sample(2)])
        out = tmp_path / "x.jsonl"
        assert export(store, "demo", SampleFilter(), out, NOW).written == 2
        assert export(store, "demo", SampleFilter(dedup=False), out, NOW, force=True).written == 3

    @pytest.mark.parametrize("held", [100_000, 0], ids=["repeats-held", "probed-per-row"])
    def test_the_first_of_a_content_in_the_selection_is_the_one_kept(
        self, store: Store, held: int, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from sqlalchemy import update

        from controlplane.store import records
        from controlplane.store.tables import samples

        monkeypatch.setattr(records, "MAX_REPEATED", held)  # 0: too many repeats to hold, the database probes

        # one content three times, the first labeled bad (out of the default selection); another once
        store.record(samples=[sample(1, label="bad"), sample(1), sample(1), sample(2)])
        bad, second, third, other = sorted(s.id or 0 for s in store.samples("demo"))
        assert [r.id for r in store.training_rows("demo", SampleFilter())] == [second, other]
        assert [r.id for r in store.training_rows("demo", SampleFilter(label="any"))] == [bad, other]
        assert [r.id for r in store.training_rows("demo", SampleFilter(), limit=1)] == [second]
        assert [r.id for r in store.training_rows("demo", SampleFilter(dedup=False))] == [second, third, other]
        with store.engine.begin() as connection:  # no hash yet (export gives them one): each its own
            connection.execute(update(samples).values(content_hash=None))
        assert [r.id for r in store.training_rows("demo", SampleFilter())] == [second, third, other]

    def test_samples_recorded_before_content_hashes_are_de_duplicated_too(self, store: Store, tmp_path: Path) -> None:
        from sqlalchemy import update

        from controlplane.store.tables import samples

        store.record(samples=[sample(1), sample(1), sample(2)])
        with store.engine.begin() as connection:
            connection.execute(update(samples).values(content_hash=None))
        assert export(store, "demo", SampleFilter(), tmp_path / "x.jsonl", NOW).written == 2

    def test_reports_what_it_skipped_and_why_with_sample_ids(self, store: Store, tmp_path: Path) -> None:
        twice = {"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}
        bad = [sample(n).model_copy(update={"prompt": twice, "answer": f"x{n}"}) for n in (2, 3)]
        store.record(samples=[sample(1), *bad, sample(4).model_copy(update={"answer": ""})])
        report = export(store, "demo", SampleFilter(), tmp_path / "x.jsonl", NOW)
        assert report.written == 1
        assert [(s.reason, s.count, len(s.sample_ids)) for s in report.skipped] == [
            ("two user messages in a row", 2, 2),
            ("an empty answer", 1, 1),
        ]
        assert report.skipped[0].sample_ids == (2, 3)

    def test_a_limit_counts_lines_written(self, store: Store, tmp_path: Path) -> None:
        store.record(samples=[sample(n) for n in range(10)])
        assert export(store, "demo", SampleFilter(), tmp_path / "x.jsonl", NOW, limit=4).written == 4

    def test_the_split_is_by_content_so_a_sample_stays_on_its_side(self, store: Store, tmp_path: Path) -> None:
        store.record(samples=[sample(n) for n in range(200)])
        out = tmp_path / "train.jsonl"
        first = export(store, "demo", SampleFilter(), out, NOW, split=0.1)
        assert first.validation_output == str(tmp_path / "train-validation.jsonl")
        assert first.written + first.validation_written == 200 and 5 <= first.validation_written <= 40
        held_out = set(asked(validation_path(out)))
        assert not held_out & set(asked(out))
        store.record(samples=[sample(n) for n in range(200, 300)])
        export(store, "demo", SampleFilter(), out, NOW, split=0.1, force=True)
        assert held_out <= set(asked(validation_path(out)))
        assert check_file(validation_path(out))["is_check_passed"]

    def test_refuses_to_replace_a_file_without_force_and_leaves_it_as_it_was(
        self, store: Store, tmp_path: Path
    ) -> None:
        store.record(samples=[sample(1)])
        out = tmp_path / "x.jsonl"
        out.write_text("mine\n")
        with pytest.raises(DataError, match=r"x\.jsonl exists"):
            export(store, "demo", SampleFilter(), out, NOW)
        assert out.read_text() == "mine\n"
        export(store, "demo", SampleFilter(), out, NOW, force=True)
        assert asked(out) == ["question 1"]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["x.jsonl"]  # no partial file left

    def test_json_is_one_array_of_the_same_lines(self, store: Store, tmp_path: Path) -> None:
        store.record(samples=[sample(1), sample(2)])
        export(store, "demo", SampleFilter(), tmp_path / "a.jsonl", NOW)
        export(store, "demo", SampleFilter(), tmp_path / "a.json", NOW, fmt="json")
        assert json.loads((tmp_path / "a.json").read_text()) == lines(tmp_path / "a.jsonl")
        export(store, "demo", SampleFilter(role="coding"), tmp_path / "none.json", NOW, fmt="json")
        assert json.loads((tmp_path / "none.json").read_text()) == []

    def test_streams_in_batches_of_rows(self, store: Store) -> None:
        store.record(samples=[sample(n) for n in range(25)])
        rows = store.training_rows("demo", SampleFilter(), batch=4)
        first = next(rows)
        assert first.answer == "answer 0"  # the first recorded
        assert len([first, *rows]) == 25

    def test_streams_the_drivers_tuples_a_batch_at_a_time_and_stops_where_asked(self, store: Store) -> None:
        store.record(samples=[sample(n) for n in range(25)])
        batches = list(store.training_batches("demo", SampleFilter(), batch=4))
        assert [len(rows) for rows in batches] == [4, 4, 4, 4, 4, 4, 1]
        assert all(type(row) is tuple for rows in batches for row in rows)
        assert [row[3] for row in batches[0]] == ["answer 0", "answer 1", "answer 2", "answer 3"]
        stream = store.training_batches("demo", SampleFilter(), batch=4)
        next(stream)
        stream.close()  # an export that stops early (a limit, an error) ends the stream
        assert len(list(store.training_rows("demo", SampleFilter(since=NOW - timedelta(minutes=2))))) == 3

    def test_the_default_name_is_the_original_services(self) -> None:
        assert default_name("planning", NOW) == "training-data-planning-2026-11-24.jsonl"
        assert default_name(None, NOW, "json") == "training-data-all-2026-11-24.json"
