"""Shadow agreement's figures: the Wilson 95% interval, the nearest-rank p95, and the gate's verdict."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from controlplane.values.shadow import ShadowResult, ShadowSummary, judge, p95, wilson

AT = datetime(2026, 11, 24, 9, tzinfo=timezone.utc)


def results(agreed: int, n: int, latency: float = 300.0) -> list[ShadowResult]:
    return [
        ShadowResult(
            project="p",
            role="planning",
            model="cand",
            at=AT,
            agree=i < agreed,
            candidate_latency_ms=latency,
            served_latency_ms=200.0,
        )
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # worked by hand from the closed form (centre ± half-width); 0/10: the upper bound is z²/(n+z²)
        (81, 263, 0.2553, 0.3662),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (950, 1000, 0.9347, 0.9619),  # by hand: centre 0.94828, half-width 0.01359,
    ],
)
def test_wilson_interval(successes: int, n: int, low: float, high: float) -> None:
    got = wilson(successes, n)
    assert got == pytest.approx((low, high), abs=1e-4)


def test_wilson_of_nothing_is_everything() -> None:
    assert wilson(0, 0) == (0.0, 1.0)


def test_p95_nearest_rank() -> None:
    assert p95([]) is None
    assert p95(float(v) for v in range(1, 101)) == 95.0
    assert p95([7.0]) == 7.0
    assert p95([1.0, 2.0, 3.0, 100.0]) == 100.0


def test_summary_counts_failures_and_filters_the_model() -> None:
    rows = results(8, 10)
    rows.append(rows[0].model_copy(update={"model": "older"}))
    rows.append(
        rows[0].model_copy(update={"agree": False, "failed": True, "reason": "timeout", "candidate_latency_ms": None})
    )
    summary = ShadowSummary.of("planning", rows, model="cand")
    assert (summary.n, summary.agreed, summary.failures) == (11, 8, 1)
    assert summary.rate == pytest.approx(8 / 11)
    assert summary.candidate_p95_ms == 300.0 and summary.served_p95_ms == 200.0
    assert "agreement 8/11" in summary.describe() and "1 failed" in summary.describe()


def test_the_gate_promotes_waits_and_aborts_on_the_interval() -> None:
    gate = {"agreement": 0.95, "samples": 500, "p95_latency_ms": 800.0}
    assert judge(ShadowSummary.of("r", results(499, 499)), **gate)[0] == "wait"  # too few
    verdict, why = judge(ShadowSummary.of("r", results(495, 500)), **gate)
    assert verdict == "promote" and "lower bound 97.7% >= gate 95.0%" in why
    # 96% observed but the lower bound is under the gate: undecided, never promoted
    assert judge(ShadowSummary.of("r", results(480, 500)), **gate)[0] == "wait"
    verdict, why = judge(ShadowSummary.of("r", results(450, 500)), **gate)
    assert verdict == "abort" and "upper bound" in why
    verdict, why = judge(ShadowSummary.of("r", results(500, 500, latency=900.0)), **gate)
    assert verdict == "wait" and "p95 900 ms > gate 800 ms" in why
