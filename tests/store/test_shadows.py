"""The shadows repository on SQLite and PostgreSQL: one shadow deployment per role, replaced or
cleared, and the comparisons the runtime wrote, filtered by candidate and time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from controlplane.store import Store
from controlplane.values.shadow import ShadowDeployment, ShadowResult

AT = datetime(2026, 11, 24, 9, tzinfo=timezone.utc)


@pytest.fixture
def store(store_url: str) -> Store:
    with Store(store_url) as opened:
        yield opened  # type: ignore[misc]


def shadow(name: str = "dep-b", model: str = "cand-1") -> ShadowDeployment:
    return ShadowDeployment(
        role="planning", model=model, endpoint_id="ep-1", endpoint_name="proj-planning",
        deployment_id=f"id-{name}", deployment_name=name, pinned=f"slug/proj-planning/{name}", created_at=AT,
    )  # fmt: skip


def test_one_shadow_per_role_replaced_and_cleared(store: Store) -> None:
    store.set_shadow("proj", shadow())
    store.set_shadow("proj", shadow("dep-c", "cand-2"))
    store.set_shadow("other", shadow())
    assert store.shadow_deployments("proj") == {"planning": shadow("dep-c", "cand-2")}
    assert store.clear_shadow("proj", "planning") and not store.clear_shadow("proj", "planning")
    assert store.shadow_deployments("proj") == {} and list(store.shadow_deployments("other")) == ["planning"]


def test_results_by_candidate_and_time(store: Store) -> None:
    def result(model: str, minutes: int, agree: bool) -> ShadowResult:
        return ShadowResult(
            project="proj", role="planning", model=model, at=AT + timedelta(minutes=minutes), agree=agree,
            candidate_latency_ms=None if not agree else 120.5, served_latency_ms=99.0,
            failed=not agree, reason=None if agree else "HTTP 503",
        )  # fmt: skip

    written = [result("cand-1", 0, True), result("cand-1", 5, False), result("cand-2", 6, True)]
    assert store.record_shadow_results(written) == 3 and store.record_shadow_results([]) == 0
    assert store.shadow_results("proj", "planning") == written
    assert store.shadow_results("proj", "planning", model="cand-1") == written[:2]
    assert store.shadow_results("proj", "planning", since=AT + timedelta(minutes=5)) == written[1:]
    assert store.shadow_results("proj", "coding") == []
