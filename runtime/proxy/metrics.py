"""`GET /metrics`: what the proxy did, in Prometheus' text format.

Each app has its own registry (a process may serve several, as the tests do). Counters and
histograms are updated on the request path (a dict lookup and an add under a lock, a few
microseconds); gauges that mirror other parts (budget remaining, the recorder's queue) are read
at scrape time through callbacks, so the request path never touches them.

    reasoning_proxy_requests_total{api,role,outcome}     outcome: ok | fallback | error | upstream
    reasoning_proxy_request_seconds{api,role}            whole request, histogram
    reasoning_proxy_first_byte_seconds{api,role}         until the first response byte, histogram
    reasoning_proxy_fallbacks_total{api,role,reason}
    reasoning_proxy_tokens_total{role,direction}         direction: input | output
    reasoning_proxy_spend_usd_total{role}                request cost of custom-model answers
    reasoning_proxy_budget_remaining_usd{role}           what the budget guard would still reserve
    reasoning_proxy_budget_waiting                       requests waiting for reservations in flight to settle
    reasoning_proxy_recorder_queue                       records not yet in the store
    reasoning_proxy_recorder_spooled                     of those, in the spool file (kill -9 keeps them)
    reasoning_proxy_recorder_dropped_total{kind,reason}  records never written, and why
    reasoning_proxy_recorder_replayed_total              records read back from the spool at start
    reasoning_proxy_shadow_queue / _shadow_dropped_total / _shadow_compared_total / _shadow_failed_total
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from runtime.recorder import RecorderStats
from runtime.wire import Api

_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
CONTENT_TYPE = b"text/plain; version=0.0.4; charset=utf-8"


class _Mirrors(Collector):
    """Gauges read from the budget guard and the recorder when Prometheus scrapes."""

    def __init__(
        self,
        remaining: Callable[[], Mapping[str, float | None]],
        recorder: Callable[[], RecorderStats | None],
        shadow: Callable[[], tuple[int, int, int, int]] = lambda: (0, 0, 0, 0),
        waiting: Callable[[], int] = lambda: 0,
    ) -> None:
        self._remaining, self._recorder, self._shadow, self._waiting = remaining, recorder, shadow, waiting

    def collect(self) -> Iterator[Metric]:
        budget = GaugeMetricFamily(
            "reasoning_proxy_budget_remaining_usd", "USD a role may still spend this period", labels=["role"]
        )
        for role, left in sorted(self._remaining().items()):
            if left is not None:
                budget.add_metric([role], left)
        yield budget
        yield GaugeMetricFamily(
            "reasoning_proxy_budget_waiting",
            "requests waiting for reservations in flight to settle",
            value=self._waiting(),
        )
        yield from self._shadows()
        stats = self._recorder()
        if stats is None:
            return
        yield GaugeMetricFamily("reasoning_proxy_recorder_queue", "records waiting to be written", value=stats.queued)
        yield GaugeMetricFamily(
            "reasoning_proxy_recorder_spooled", "records in the spool file, not yet in the store", value=stats.spooled
        )
        dropped = CounterMetricFamily(
            "reasoning_proxy_recorder_dropped", "records never written, by kind and reason", labels=["kind", "reason"]
        )
        for (kind, reason), count in sorted(stats.dropped.items()):
            dropped.add_metric([kind, reason], count)
        yield dropped
        yield CounterMetricFamily(
            "reasoning_proxy_recorder_replayed", "records read back from the spool at start", value=stats.replayed
        )

    def _shadows(self) -> Iterator[Metric]:
        queued, dropped, compared, failed = self._shadow()
        yield GaugeMetricFamily("reasoning_proxy_shadow_queue", "shadow comparisons waiting", value=queued)
        yield CounterMetricFamily(
            "reasoning_proxy_shadow_dropped", "shadow comparisons dropped because the queue was full", value=dropped
        )
        yield CounterMetricFamily("reasoning_proxy_shadow_compared", "shadow comparisons recorded", value=compared)
        yield CounterMetricFamily(
            "reasoning_proxy_shadow_failed", "shadow comparisons the candidate gave no usable answer to", value=failed
        )


# A `_created` timestamp series beside every counter and histogram doubles what is scraped and
# says nothing a dashboard uses (the process start time is exported anyway).
disable_created_metrics()  # type: ignore[no-untyped-call]


class Metrics:
    def __init__(
        self,
        remaining: Callable[[], Mapping[str, float | None]] = dict,
        recorder: Callable[[], RecorderStats | None] = lambda: None,
        shadow: Callable[[], tuple[int, int, int, int]] = lambda: (0, 0, 0, 0),
        waiting: Callable[[], int] = lambda: 0,
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "reasoning_proxy_requests", "Requests answered", ["api", "role", "outcome"], registry=self.registry
        )
        self.latency = Histogram(
            "reasoning_proxy_request_seconds",
            "Whole request, as the proxy saw it",
            ["api", "role"],
            buckets=_SECONDS,
            registry=self.registry,
        )
        self.first_byte = Histogram(
            "reasoning_proxy_first_byte_seconds",
            "Until the first byte of the response body",
            ["api", "role"],
            buckets=_SECONDS,
            registry=self.registry,
        )
        self.fallbacks = Counter(
            "reasoning_proxy_fallbacks", "Requests for a role sent to the fallback", ["api", "role", "reason"],
            registry=self.registry,
        )  # fmt: skip
        self.tokens = Counter("reasoning_proxy_tokens", "Tokens", ["role", "direction"], registry=self.registry)
        self.spend = Counter(
            "reasoning_proxy_spend_usd", "Request cost of custom-model answers", ["role"], registry=self.registry
        )
        self.registry.register(_Mirrors(remaining, recorder, shadow, waiting))
        #: each label set's children, looked up once (`labels()` hashes and locks on every call);
        #: the label values are few (APIs x roles x outcomes), so this stays small
        self._children: dict[tuple[str, str, str], tuple[Counter, Histogram, Histogram]] = {}

    def observe(
        self,
        api: Api,
        role: str,
        outcome: str,
        *,
        seconds: float,
        first_byte: float | None,
        fallback: str | None = None,
    ) -> None:
        children = self._children.get((api, role, outcome))
        if children is None:
            children = self._children[api, role, outcome] = (
                self.requests.labels(api, role, outcome),
                self.latency.labels(api, role),
                self.first_byte.labels(api, role),
            )
        children[0].inc()
        children[1].observe(seconds)
        if first_byte is not None:
            children[2].observe(first_byte)
        if fallback is not None:
            self.fallbacks.labels(api, role, fallback).inc()

    def used(self, role: str, input_tokens: int, output_tokens: int, cost_usd: float) -> None:
        self.tokens.labels(role, "input").inc(input_tokens)
        self.tokens.labels(role, "output").inc(output_tokens)
        if cost_usd:
            self.spend.labels(role).inc(cost_usd)

    def render(self) -> bytes:
        return generate_latest(self.registry)
