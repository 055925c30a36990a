"""`data stats` on SQLite and PostgreSQL: the sums per role, and the readiness verdict's reasons."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from controlplane.data.stats import MIN_SAMPLES, stats
from controlplane.store import Sample, Store

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(store_url: str) -> Store:
    return Store(store_url)


def sample(n: int, *, role: str = "planning", source: str = "custom", hours: float = 0, **extra: Any) -> Sample:
    return Sample(
        project="demo",
        role=role,
        at=NOW - timedelta(hours=hours),
        source=source,  # type: ignore[arg-type]
        prompt={"messages": [{"role": "user", "content": f"question {n}"}]},
        answer=f"answer {n}",
        **extra,
    )


def many(count: int, **extra: Any) -> list[Sample]:
    return [sample(n, source="custom" if n % 4 else "fallback", **extra) for n in range(count)]


class TestSums:
    def test_counts_dates_sources_duplicates_and_labels_per_role(self, store: Store) -> None:
        store.record(
            samples=[
                sample(1, hours=30),
                sample(1, hours=2),  # the same content again: a duplicate
                sample(2, source="fallback", label="good"),
                sample(3, label="bad", note="wrong"),
                sample(4, role="coding", source="fallback"),
                Sample(**{**sample(9).model_dump(exclude={"id"}), "project": "other"}),
            ]
        )
        result = stats(store, "demo", ["should_respond", "planning", "coding"], NOW, max_seq_length=8192)
        assert [r.role for r in result.roles] == ["coding", "planning", "should_respond"]
        coding, planning, should = result.roles
        assert (planning.samples, planning.last_24h, planning.custom, planning.fallback) == (4, 3, 3, 1)
        assert (planning.first_at, planning.last_at) == (NOW - timedelta(hours=30), NOW)
        assert (planning.duplicates, planning.good, planning.bad, planning.unlabeled) == (1, 1, 1, 2)
        assert planning.custom_share == 0.75
        assert (coding.samples, coding.fallback, coding.duplicates) == (1, 1, 0)
        assert (should.samples, should.first_at, should.readiness.verdict) == (0, None, "not ready")
        assert result.samples == 5

    def test_a_sample_longer_than_max_seq_length_is_counted(self, store: Store) -> None:
        long = sample(1).model_copy(update={"answer": "x" * 4000})
        store.record(samples=[long, sample(2)])
        [planning] = stats(store, "demo", ["planning"], NOW, max_seq_length=500).roles
        assert planning.too_long == 1


class TestReadiness:
    def test_ready_with_enough_samples_from_both_sources_recent_and_short(self, store: Store) -> None:
        store.record(samples=many(MIN_SAMPLES))
        [planning] = stats(store, "demo", ["planning"], NOW, max_seq_length=8192).roles
        assert planning.readiness.verdict == "ready" and planning.readiness.reasons == ()

    def test_too_few_samples_is_not_ready(self, store: Store) -> None:
        store.record(samples=many(MIN_SAMPLES - 1))
        [planning] = stats(store, "demo", ["planning"], NOW, max_seq_length=8192).roles
        assert planning.readiness.verdict == "not ready"
        assert planning.readiness.reasons == (
            f"too few samples for a fine-tune: {MIN_SAMPLES - 1} usable (distinct, not labeled bad), at least 100",
        )

    def test_one_source_only_and_stale_data_are_warnings(self, store: Store) -> None:
        store.record(samples=[sample(n, source="fallback", hours=24 * 10) for n in range(MIN_SAMPLES)])
        [planning] = stats(store, "demo", ["planning"], NOW, max_seq_length=8192).roles
        assert planning.readiness.verdict == "ready with warnings"
        assert planning.readiness.reasons == (
            "one source only (fallback): distillation from the fallback only: nothing shows how the custom model does",
            "stale: the newest sample is 10 days old",
        )

    def test_mostly_too_long_is_not_ready(self, store: Store) -> None:
        store.record(samples=[s.model_copy(update={"answer": s.answer + "x" * 5000}) for s in many(MIN_SAMPLES)])
        [planning] = stats(store, "demo", ["planning"], NOW, max_seq_length=1000).roles
        assert planning.readiness.verdict == "not ready"
        assert planning.readiness.reasons[0] == (
            "100 of 100 samples are longer than max_seq_length 1000 tokens (estimated): export would drop them"
        )
