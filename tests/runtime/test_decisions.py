"""Routing decisions as data (issue 13 item 4): recorded off the request path, reviewed near the
band, labeled, and read by the next training run."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from controlplane.manifest import load
from controlplane.store import Store, open_for
from controlplane.values import RoutingDecision
from runtime import decisions, learned
from runtime.recorder import Recorder
from runtime.redact import Redactor
from runtime.routing import Route
from tests.support.cli import Run
from tests.support.project import edit

AT = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
SECRET = "sk-proj-Abc123def456ghi789jkl012"
ROOT = Path(__file__).resolve().parents[2]
CODE = "Write a Python function that merges two sorted lists into one sorted list."
CHAT = "What should I cook tonight with chickpeas and spinach?"


def body(text: str, **extra: Any) -> dict[str, Any]:
    return {"model": "claude-sonnet-4-5", "max_tokens": 256, "messages": [{"role": "user", "content": text}], **extra}


def decision(score: float, i: int = 0, **extra: Any) -> RoutingDecision:
    values: dict[str, Any] = {
        "project": "demo",
        "at": AT + timedelta(seconds=i),
        "api": "anthropic",
        "role": None,
        "reason": "default rule uncertain",
        "score": score,
        "decision": "uncertain",
        "features": {"u:def": 1.5, "w:python": 0.75},
        "request": body(f"ask {i}"),
    }
    return RoutingDecision(**{**values, **extra})


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store(store_url) as opened:
        yield opened


class TestStore:
    def test_keeps_decisions_and_lists_the_newest_first(self, store: Store) -> None:
        store.record_decisions([decision(0.2, 0), decision(0.4, 1), decision(0.9, 2, role="coding")])
        found = store.decisions("demo")
        assert [d.score for d in found] == [0.9, 0.4, 0.2]
        assert found[0].role == "coding" and found[2].role is None
        assert found[1].features == {"u:def": 1.5, "w:python": 0.75} and found[1].request == body("ask 1")
        assert store.decisions("other") == [] and store.decision_count("demo") == 3

    def test_lists_those_scored_near_the_band_and_unlabeled(self, store: Store) -> None:
        store.record_decisions([decision(0.05, 0), decision(0.35, 1), decision(0.5, 2), decision(0.97, 3)])
        near = store.decisions("demo", near=(0.3, 0.55), labeled=False)
        assert [d.score for d in near] == [0.5, 0.35]
        assert [d.score for d in store.decisions("demo", near=(0.3, 0.55), limit=1)] == [0.5]

    def test_a_label_is_stored_and_a_labeled_decision_leaves_the_review(self, store: Store) -> None:
        store.record_decisions([decision(0.35, 0), decision(0.4, 1)])
        first, second = store.decisions("demo")
        assert first.id is not None and second.id is not None
        assert store.label_decision("demo", first.id, "coding", AT)
        assert [d.id for d in store.decisions("demo", labeled=False)] == [second.id]
        [labeled] = store.decisions("demo", labeled=True)
        assert (labeled.label, labeled.labeled_at) == ("coding", AT)
        assert store.label_decision("demo", first.id, "other", AT)  # a label can be corrected
        assert store.decisions("demo", labeled=True)[0].label == "other"

    def test_retention_removes_old_unlabeled_decisions_and_keeps_labeled_ones(self, store: Store) -> None:
        store.record_decisions([decision(0.35, 0), decision(0.4, 1), decision(0.45, 3600)])
        oldest = min(store.decisions("demo"), key=lambda d: d.at)
        assert oldest.id is not None and store.label_decision("demo", oldest.id, "other", AT)
        assert store.delete_decisions_before("demo", AT + timedelta(minutes=30)) == 1
        assert sorted(d.score for d in store.decisions("demo")) == [0.35, 0.45]

    def test_labeling_a_decision_that_is_not_there_says_so(self, store: Store) -> None:
        assert not store.label_decision("demo", 12345, "coding", AT)
        store.record_decisions([decision(0.35)])
        [only] = store.decisions("demo")
        assert only.id is not None and not store.label_decision("another-project", only.id, "coding", AT)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path}/state.db") as opened:
        yield opened


def recorder(store: Store) -> Recorder:
    return Recorder(store, "demo", Redactor(["email", "api_key"]), collect_samples=True, flush_interval=3600.0)


class TestRecordedThroughTheRecorder:
    def test_a_scored_route_becomes_a_decision_with_its_top_features(self, sqlite_store: Store) -> None:
        writer = recorder(sqlite_store)
        request = body(CODE)
        route = Route("coding", "default rule: coding score 0.97 >= 0.42", 0.97, "coding")
        decisions.record(writer.record_decision, "demo", "anthropic", request, route, AT, keep_request=True)
        assert writer.flush(timeout=30)
        [kept] = sqlite_store.decisions("demo")
        assert (kept.role, kept.score, kept.decision, kept.reason) == ("coding", 0.97, "coding", route.reason)
        expected = learned.explain(request, "anthropic", n=decisions.FEATURES).top
        assert kept.features == pytest.approx(dict(expected))
        assert kept.request == decisions.bounded(request) == {k: v for k, v in request.items() if k != "max_tokens"}
        writer.close()

    def test_secrets_in_the_request_and_features_are_redacted_before_the_store(self, sqlite_store: Store) -> None:
        writer = recorder(sqlite_store)
        request = body(f"my key {SECRET} fails in this python script: import os")
        route = Route("coding", "default rule", 0.9, "coding")
        decisions.record(writer.record_decision, "demo", "anthropic", request, route, AT, keep_request=True)
        writer.close()
        [kept] = sqlite_store.decisions("demo")
        assert SECRET not in json.dumps(kept.model_dump(mode="json"))

    def test_the_request_is_kept_only_when_training_data_is_collected(self, sqlite_store: Store) -> None:
        writer = recorder(sqlite_store)
        route = Route(None, "no rule matched", 0.1, "not_coding")
        decisions.record(writer.record_decision, "demo", "anthropic", body(CHAT), route, AT, keep_request=False)
        writer.close()
        [kept] = sqlite_store.decisions("demo")
        assert kept.request is None and kept.features

    def test_a_route_the_score_did_not_make_is_not_recorded(self, sqlite_store: Store) -> None:
        queued: list[Any] = []
        for route in (Route("coding", "header x-reasoning-role=coding"), Route("coding", "affinity: coding")):
            decisions.record(queued.append, "demo", "anthropic", body(CODE), route, AT, keep_request=True)
        assert queued == []

    def test_a_long_conversation_is_kept_as_much_as_the_score_reads(self) -> None:
        long = body("x")
        long["messages"] = [
            {"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i} " + "y" * 9000} for i in range(60)
        ]
        long["tools"] = [{"name": "Bash", "description": "d" * 5000, "input_schema": {"type": "object"}}]
        kept = decisions.bounded(long)
        assert len(kept["messages"]) == decisions.KEEP_FIRST + decisions.KEEP_LAST
        assert kept["messages"][0]["content"].startswith("turn 0 ") and kept["messages"][-1]["content"].startswith(
            "turn 59 "
        )
        assert all(len(m["content"]) <= decisions.HEAD + decisions.TAIL + 1 for m in kept["messages"])
        assert kept["tools"] == [{"name": "Bash"}]
        assert learned.score(kept, "anthropic") == pytest.approx(learned.score(long, "anthropic"), abs=1e-9)

    def test_the_proxy_records_the_decisions_its_router_scores(self, sqlite_store: Store, quickstart: Path) -> None:
        from runtime.proxy.context import ProxyContext
        from runtime.proxy.security import Guard
        from runtime.services import RuntimeServices

        edit(quickstart, "    enabled: false ", "    enabled: true ")
        manifest = load(quickstart)
        writer = recorder(sqlite_store)
        services = RuntimeServices.from_manifest(manifest, store=sqlite_store, recorder=writer)
        context = ProxyContext(manifest, services, Guard(None, None, None))
        role, reason, score = context.route("anthropic", body(CODE), [])
        assert role == "coding" and score is not None
        context.route("anthropic", body(CODE), [(b"x-reasoning-role", b"upstream")])  # a header's: not scored
        assert writer.flush(timeout=30)
        [kept] = sqlite_store.decisions("quickstart")
        assert (kept.role, kept.reason, kept.score) == ("coding", reason, score)
        writer.close()


class TestCommands:
    def write(self, tmp_path: Path, content: Any) -> Path:
        path = tmp_path / "request.json"
        path.write_text(json.dumps(content))
        return path

    def test_explain_prints_the_decision_the_score_and_the_top_features(self, run: Run, tmp_path: Path) -> None:
        result = run("route", "explain", str(self.write(tmp_path, body(CODE))))
        assert result.code == 0, result.text
        explanation = learned.explain(body(CODE), "anthropic")
        assert f"decision  {explanation.decision} (" in result.out
        assert f"score     {explanation.score:.4f} (anthropic request)" in result.out
        name, weight = explanation.top[0]
        assert f"  {weight:+.3f}  {name}" in result.out

    def test_explain_as_json_and_with_the_manifests_route(self, run: Run, tmp_path: Path, quickstart: Path) -> None:
        edit(quickstart, "    enabled: false ", "    enabled: true ")
        result = run("route", "explain", str(self.write(tmp_path, body(CHAT))), "-f", str(quickstart), "--json")
        assert result.code == 0, result.text
        shown = json.loads(result.out)
        assert shown["decision"] == "not_coding" and shown["band"] == list(learned.default_model().band)
        assert shown["route"]["role"] is None and shown["route"]["reason"].startswith("no rule matched")
        assert shown["features"] and {"feature", "contribution"} == set(shown["features"][0])

    @pytest.mark.parametrize(
        ("content", "message"), [("{broken", "not JSON"), ([1, 2], "a request body is a JSON object, not list")]
    )
    def test_explain_names_the_file_it_cannot_read(self, run: Run, tmp_path: Path, content: str, message: str) -> None:
        path = tmp_path / "request.json"
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        result = run("route", "explain", str(path))
        assert result.code == 1 and "request.json" in result.err and message in result.err

    def test_review_lists_decisions_near_the_band_and_label_stores_a_label(self, run: Run, quickstart: Path) -> None:
        low, high = learned.default_model().band
        manifest = load(quickstart)
        with open_for(manifest) as store:
            store.record_decisions(
                [
                    decision((low + high) / 2, 0, project="quickstart"),
                    decision(0.999, 1, project="quickstart", role="coding", decision="coding"),
                ]
            )
            [inside, far] = sorted(store.decisions("quickstart"), key=lambda d: d.score)
        shown = run("route", "review", "-f", str(quickstart))
        assert shown.code == 0, shown.text
        assert f"#{inside.id} " in shown.out and f"#{far.id} " not in shown.out
        assert run("route", "review", "-f", str(quickstart), "--all").out.count(" score ") == 2
        labeled = run("route", "label", str(inside.id), "coding", "-f", str(quickstart))
        assert labeled.code == 0 and f"decision #{inside.id} labeled coding" in labeled.out
        assert f"#{inside.id} " not in run("route", "review", "-f", str(quickstart)).out
        with open_for(manifest) as store:
            assert store.decisions("quickstart", labeled=True)[0].label == "coding"

    def test_label_refuses_an_unknown_label_or_decision(self, run: Run, quickstart: Path) -> None:
        wrong = run("route", "label", "1", "maybe", "-f", str(quickstart))
        assert wrong.code == 1 and "not one of coding, other" in wrong.err
        missing = run("route", "label", "424242", "coding", "-f", str(quickstart))
        assert missing.code == 1 and "no routing decision #424242" in missing.err


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="training needs scikit-learn")
class TestTraining:
    def test_the_next_training_run_reads_the_labeled_decisions_with_their_requests(self, quickstart: Path) -> None:
        sys.path.insert(0, str(ROOT / "bench"))
        try:
            import routing_train
        finally:
            sys.path.remove(str(ROOT / "bench"))
        with open_for(load(quickstart)) as store:
            store.record_decisions(
                [
                    decision(0.4, 0, project="quickstart", request=body(CODE)),
                    decision(0.4, 1, project="quickstart", request=None),
                    decision(0.4, 2, project="quickstart", request=body(CHAT)),
                    decision(0.4, 3, project="quickstart", request=body("unlabeled")),
                ]
            )
            ids = sorted(d.id for d in store.decisions("quickstart") if d.id is not None)
            store.label_decision("quickstart", ids[0], "coding", AT)
            store.label_decision("quickstart", ids[1], "coding", AT)  # no request kept: nothing to train on
            store.label_decision("quickstart", ids[2], "other", AT)
        items = routing_train.traffic(quickstart)
        assert [(item["body"], item["label"]) for item in items] == [(body(CODE), "coding"), (body(CHAT), "not_coding")]
        assert all(item["category"] == "traffic" for item in items)
