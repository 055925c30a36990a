"""`GET /metrics`: what the proxy did, in Prometheus' text format.

Each app has its own registry (a process may serve several, as the tests do). What every request
adds to (its count and its two histograms) is plain numbers the event loop adds to (`_Requests`,
read when scraped); the rarer counters (fallbacks, tokens, spend) are prometheus_client's; gauges
that mirror other parts (budget remaining, the recorder's queue) are read at scrape time through
callbacks, so the request path never touches them.

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

import math
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
from itertools import accumulate

from prometheus_client import CollectorRegistry, Counter, disable_created_metrics, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

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


class _Requests(Collector):
    """`reasoning_proxy_requests_total` and the two histograms of every request, as plain counts.

    prometheus_client's `Counter` and `Histogram` take a lock and a few calls for each of the five
    numbers a request adds to (a tenth of a pass-through request's CPU in the app); here they are a
    list index and an add. Only the event loop's thread adds; a scrape (in a worker thread) reads
    ints and floats, each whole under the GIL, as prometheus_client's own locks give no more than
    that either: a scrape during a request may see its count but not yet its sum. The text is the
    same as theirs: the same names, help, labels and buckets, and a histogram's label set shows
    up in both histograms with the first request of its api and role."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, str], list[int]] = {}
        #: per (api, role): each bucket's own count (not cumulative), then the sum of the seconds
        self.seconds: dict[tuple[str, str], list[float]] = {}
        self.first_byte: dict[tuple[str, str], list[float]] = {}

    def observe(self, api: str, role: str, outcome: str, seconds: float, first_byte: float | None) -> None:
        count = self.counts.get((api, role, outcome))
        if count is None:
            count = self.counts[api, role, outcome] = [0]
            if (api, role) not in self.seconds:
                self.seconds[api, role] = [0.0] * (len(_BOUNDS) + 1)
                self.first_byte[api, role] = [0.0] * (len(_BOUNDS) + 1)
        count[0] += 1
        cells = self.seconds[api, role]
        cells[bisect_left(_BOUNDS, seconds)] += 1
        cells[-1] += seconds
        if first_byte is not None:
            cells = self.first_byte[api, role]
            cells[bisect_left(_BOUNDS, first_byte)] += 1
            cells[-1] += first_byte

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "reasoning_proxy_requests", "Requests answered", labels=["api", "role", "outcome"]
        )
        for outcome_labels, count in list(self.counts.items()):
            requests.add_metric(outcome_labels, count[0])
        yield requests
        for name, text, table in (
            ("reasoning_proxy_request_seconds", "Whole request, as the proxy saw it", self.seconds),
            ("reasoning_proxy_first_byte_seconds", "Until the first byte of the response body", self.first_byte),
        ):
            family = HistogramMetricFamily(name, text, labels=["api", "role"])
            for labels, cells in list(table.items()):
                cells = list(cells)  # one copy: a request counted meanwhile is in all of it or none
                family.add_metric(labels, list(zip(_LE, accumulate(cells[:-1]), strict=True)), cells[-1])
            yield family


#: the histograms' upper bounds, the last one +Inf (an observation's bucket: the first bound it is <=)
_BOUNDS = (*_SECONDS, math.inf)
_LE = [floatToGoString(bound) for bound in _BOUNDS]  # type: ignore[no-untyped-call]


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
        #: requests, their seconds and seconds to the first byte, counted for every request
        self._requests = _Requests()
        self.registry.register(self._requests)
        self.fallbacks = Counter(
            "reasoning_proxy_fallbacks", "Requests for a role sent to the fallback", ["api", "role", "reason"],
            registry=self.registry,
        )  # fmt: skip
        self.tokens = Counter("reasoning_proxy_tokens", "Tokens", ["role", "direction"], registry=self.registry)
        self.spend = Counter(
            "reasoning_proxy_spend_usd", "Request cost of custom-model answers", ["role"], registry=self.registry
        )
        self.registry.register(_Mirrors(remaining, recorder, shadow, waiting))

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
        """One request answered; on the event loop's thread (the only one that counts)."""
        self._requests.observe(api, role, outcome, seconds, first_byte)
        if fallback is not None:
            self.fallbacks.labels(api, role, fallback).inc()

    def used(self, role: str, input_tokens: int, output_tokens: int, cost_usd: float) -> None:
        self.tokens.labels(role, "input").inc(input_tokens)
        self.tokens.labels(role, "output").inc(output_tokens)
        if cost_usd:
            self.spend.labels(role).inc(cost_usd)

    def render(self) -> bytes:
        return generate_latest(self.registry)
