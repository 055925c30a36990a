"""`GET /metrics` counts what the proxy did, in Prometheus' text format; `GET /healthz` is up."""

from __future__ import annotations

import anthropic
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from runtime.proxy.metrics import Metrics
from runtime.recorder import RecorderStats
from tests.runtime.proxy.conftest import ANTHROPIC_KEY, CLIENT_MODEL, UPSTREAM_MODEL, Serve, World
from tests.support.served import ServedProxy


def samples(proxy: ServedProxy) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx.get(f"{proxy.base_url}/metrics").text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


class TestMetrics:
    def test_requests_fallbacks_tokens_spend_and_budget_are_counted(self, world: World, serve: Serve) -> None:
        manifest = world.write(
            models_extra="    price_per_million_tokens: {output: 1000}\n    budget: {limit_usd: 5, period: day}\n",
            proxy_extra="  circuit: {failures: 1}\n",
        )
        proxy = serve(manifest)
        client = anthropic.Anthropic(base_url=proxy.base_url, api_key=ANTHROPIC_KEY, max_retries=0)
        ask = [{"role": "user", "content": "write a function to sort"}]
        served = client.messages.create(model=CLIENT_MODEL, max_tokens=50, messages=ask)  # type: ignore[arg-type]
        client.messages.create(model=UPSTREAM_MODEL, max_tokens=50, messages=ask)  # type: ignore[arg-type]
        proxy.services.availability.breaker("coding").record_failure()
        client.messages.create(model=CLIENT_MODEL, max_tokens=50, messages=ask)  # type: ignore[arg-type]
        proxy.flush()

        seen = samples(proxy)
        assert (
            seen[("reasoning_proxy_requests_total", (("api", "anthropic"), ("outcome", "ok"), ("role", "coding")))] == 1
        )
        assert (
            seen[("reasoning_proxy_requests_total", (("api", "anthropic"), ("outcome", "upstream"), ("role", "none")))]
            == 1
        )
        fallbacks = (
            "reasoning_proxy_fallbacks_total",
            (("api", "anthropic"), ("reason", "circuit open"), ("role", "coding")),
        )
        assert seen[fallbacks] == 1
        assert (
            seen[("reasoning_proxy_tokens_total", (("direction", "output"), ("role", "coding")))]
            == served.usage.output_tokens
        )
        spent = served.usage.output_tokens * 1000 / 1e6
        assert seen[("reasoning_proxy_spend_usd_total", (("role", "coding"),))] == spent
        # the clock stands where the template was applied: no hardware has accrued, only the request
        remaining = seen[("reasoning_proxy_budget_remaining_usd", (("role", "coding"),))]
        assert remaining == pytest.approx(5 - spent, abs=1e-6)
        assert seen[("reasoning_proxy_budget_waiting", ())] == 0  # nothing in flight holds the budget
        assert seen[("reasoning_proxy_request_seconds_count", (("api", "anthropic"), ("role", "coding")))] == 2
        assert seen[("reasoning_proxy_first_byte_seconds_count", (("api", "anthropic"), ("role", "none")))] == 1
        assert seen[("reasoning_proxy_recorder_queue", ())] == 0

    def test_healthz_answers_without_calling_anyone(self, proxy: ServedProxy, world: World) -> None:
        response = httpx.get(f"{proxy.base_url}/healthz")
        assert response.status_code == 200 and response.json() == {"status": "ok"}
        assert world.anthropic.received == []


class TestRecorderMetrics:
    def test_dropped_records_are_counted_by_kind_and_reason_with_the_spool(self) -> None:
        stats = RecorderStats(
            queued=7, written_usage=10, written_samples=9, dropped_usage=2, dropped_samples=3, errors=4,
            dropped={("usage", "refused by the store (IntegrityError)"): 2, ("sample", "queue full"): 3},
            replayed=5, spooled=6,
        )  # fmt: skip
        text = Metrics(recorder=lambda: stats).render().decode()
        seen = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }
        assert seen[("reasoning_proxy_recorder_queue", ())] == 7
        assert seen[("reasoning_proxy_recorder_spooled", ())] == 6
        assert seen[("reasoning_proxy_recorder_replayed_total", ())] == 5
        refused = (("kind", "usage"), ("reason", "refused by the store (IntegrityError)"))
        assert seen[("reasoning_proxy_recorder_dropped_total", refused)] == 2
        assert seen[("reasoning_proxy_recorder_dropped_total", (("kind", "sample"), ("reason", "queue full")))] == 3


class TestRequestCounts:
    def test_the_text_is_what_prometheus_clients_counter_and_histograms_write(self) -> None:
        """The request counts are plain numbers (no lock per request); a scrape reads them as
        prometheus_client's own Counter and Histogram would write them, bucket edges included."""
        from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

        from runtime.proxy.metrics import _SECONDS

        registry = CollectorRegistry()
        requests = Counter("reasoning_proxy_requests", "Requests answered", ["api", "role", "outcome"],
                           registry=registry)  # fmt: skip
        seconds = Histogram("reasoning_proxy_request_seconds", "Whole request, as the proxy saw it", ["api", "role"],
                            buckets=_SECONDS, registry=registry)  # fmt: skip
        first = Histogram("reasoning_proxy_first_byte_seconds", "Until the first byte of the response body",
                          ["api", "role"], buckets=_SECONDS, registry=registry)  # fmt: skip
        ours = Metrics()
        observed = [
            ("anthropic", "none", "upstream", 0.0004, 0.0003),
            ("anthropic", "none", "upstream", 0.001, None),  # on a bucket's edge: in that bucket
            ("anthropic", "coding", "fallback", 0.7, 0.2),
            ("openai", "coding", "ok", 400.0, None),  # past the last edge: +Inf only
            ("anthropic", "coding", "error", 0.0025, 0.0025),
        ]
        for api, role, outcome, whole, to_first in observed:
            ours.observe(api, role, outcome, seconds=whole, first_byte=to_first)
            requests.labels(api, role, outcome).inc()
            seconds.labels(api, role).observe(whole)
            first.labels(api, role)  # a label set is in both histograms from its first request
            if to_first is not None:
                first.labels(api, role).observe(to_first)
        theirs = generate_latest(registry).decode()
        text = ours.render().decode()
        assert theirs in text
