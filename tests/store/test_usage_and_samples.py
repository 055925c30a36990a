"""What the runtime writes to the store, and what retention deletes, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from controlplane.errors import DataError
from controlplane.store import Sample, Store, Usage

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(store_url: str) -> Store:
    return Store(store_url)


def usage(role: str, minute: int, cost: float = 0.001, **extra: object) -> Usage:
    return Usage(project="demo", role=role, at=NOW + timedelta(minutes=minute), cost_usd=cost, **extra)  # type: ignore[arg-type]


def sample(role: str, minute: int, text: str = "") -> Sample:
    return Sample(
        project="demo",
        role=role,
        at=NOW + timedelta(minutes=minute),
        source="custom",
        prompt={"messages": [{"role": "user", "content": text or f"m{minute}"}]},
        answer=f"a{minute}",
    )


class TestUsage:
    def test_totals_per_role_in_a_half_open_range(self, store: Store) -> None:
        store.record(usage=[usage("planning", m, input_tokens=10, output_tokens=5) for m in range(5)])
        store.record_usage("demo", "coding", at=NOW, cost_usd=0.5, outcome="fallback", reason="stopped")
        store.record_usage("other", "planning", at=NOW, cost_usd=9)
        totals = store.usage_totals("demo", since=NOW + timedelta(minutes=1), until=NOW + timedelta(minutes=4))
        assert set(totals) == {"planning"}
        assert totals["planning"].requests == 3
        assert (totals["planning"].input_tokens, totals["planning"].output_tokens) == (30, 15)
        assert totals["planning"].cost_usd == pytest.approx(0.003)
        assert totals["planning"].first_at == NOW + timedelta(minutes=1)
        assert totals["planning"].last_at == NOW + timedelta(minutes=3)

    def test_sums_many_tiny_costs_exactly(self, store: Store) -> None:
        # micro-dollar integers: 3,000 requests at $0.000333 add up to $0.999 exactly
        store.record(usage=[usage("planning", 0, cost=0.000333) for _ in range(3_000)])
        assert store.usage_totals("demo")["planning"].cost_usd == 0.999

    def test_last_request_per_role_is_what_idle_shutdown_reads(self, store: Store) -> None:
        store.record(usage=[usage("planning", 3), usage("planning", 7), usage("coding", 1)])
        assert store.last_requests("demo") == {
            "planning": NOW + timedelta(minutes=7),
            "coding": NOW + timedelta(minutes=1),
        }

    def test_reads_back_each_record_with_its_outcome(self, store: Store) -> None:
        record = usage("coding", 2, cost=0.25, latency_ms=812.5, outcome="fallback", reason="over budget")
        store.record(usage=[record])
        assert store.usage("demo", role="coding") == [record]


class TestSamples:
    def test_a_batch_of_usage_and_samples_lands_together(self, store: Store) -> None:
        store.record(usage=[usage("planning", 0)], samples=[sample("planning", 0, "héllo")])
        assert store.samples("demo")[0].prompt == {"messages": [{"role": "user", "content": "héllo"}]}
        assert store.sample_counts("demo") == {"planning": 1}

    def test_retention_by_age_deletes_only_older_samples_of_the_project(self, store: Store) -> None:
        store.record(samples=[sample("planning", m) for m in range(10)])
        store.record(samples=[sample("planning", 0).model_copy(update={"project": "other"})])
        assert store.delete_samples_before("demo", NOW + timedelta(minutes=4)) == 4
        assert [s.answer for s in store.samples("demo")] == [f"a{m}" for m in range(4, 10)]
        assert store.sample_counts("other") == {"planning": 1}

    def test_retention_by_count_keeps_the_newest_of_each_role(self, store: Store) -> None:
        store.record(samples=[sample("planning", m) for m in range(10)] + [sample("coding", m) for m in range(3)])
        assert store.trim_samples("demo", "planning", keep=4) == 6
        assert [s.answer for s in store.samples("demo", role="planning")] == ["a6", "a7", "a8", "a9"]
        assert store.trim_samples("demo", "coding", keep=4) == 0
        assert store.sample_counts("demo") == {"planning": 4, "coding": 3}

    def test_a_sample_keeps_who_answered_its_ids_and_a_content_hash(self, store: Store) -> None:
        given = sample("coding", 1).model_copy(
            update={
                "model": "acme/coder-v2",
                "outcome": "fallback",
                "agent_id": "a1",
                "room_id": "r1",
                "format": "anthropic",
                "source": "fallback",
            }
        )
        store.record(samples=[given])
        [kept] = store.samples("demo")
        assert kept == given.model_copy(update={"id": kept.id, "content_hash": given.digest()})
        assert store.sample("demo", kept.id or 0) == kept

    def test_the_same_exchange_asked_with_other_settings_has_the_same_hash(self) -> None:
        one = sample("planning", 1)
        other = one.model_copy(update={"prompt": {**one.prompt, "temperature": 0.9}, "meta": {"x": 1}})
        assert one.digest() == other.digest()
        assert one.digest() != one.model_copy(update={"answer": "another"}).digest()
        assert one.digest() != one.model_copy(update={"role": "coding"}).digest()

    def test_a_label_and_its_note_are_set_and_cleared(self, store: Store) -> None:
        store.record(samples=[sample("planning", 1)])
        [kept] = store.samples("demo")
        assert kept.id is not None
        labeled = store.label_sample("demo", kept.id, "bad", "wrong action")
        assert (labeled.label, labeled.note) == ("bad", "wrong action")
        assert store.label_sample("demo", kept.id, None).label is None
        with pytest.raises(DataError, match="no training sample 99 in project demo"):
            store.label_sample("demo", 99, "good")
        with pytest.raises(DataError):
            store.label_sample("other", kept.id, "good")  # another project's ids are not this one's

    def test_samples_written_without_a_hash_get_theirs(self, store: Store) -> None:
        from sqlalchemy import update

        from controlplane.store.tables import samples

        store.record(samples=[sample("planning", m) for m in range(3)])
        with store.engine.begin() as connection:  # as a store written before content hashes has them
            connection.execute(update(samples).values(content_hash=None))
        assert store.hash_unhashed("demo", batch=2) == 3
        assert [s.content_hash for s in store.samples("demo")] == [s.digest() for s in store.samples("demo")]
        assert store.hash_unhashed("demo") == 0
