"""A candidate in shadow: which deployment shadows a role, each comparison it made, and what they
add up to (agreement with its Wilson 95% interval, latency p95s) against a `promote_when` gate."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from controlplane.values.common import Value

#: z for a two-sided 95% interval
Z95 = 1.959963984540054


class ShadowDeployment(Value):
    """The candidate's deployment beside the live one, out of the split (`reasoning rollout shadow`).
    The runtime names `pinned` as the chat `model` to reach it alone: Together's
    `<project_slug>/<endpoint_name>/<deployment_name>`."""

    role: str
    model: str
    endpoint_id: str
    endpoint_name: str
    deployment_id: str
    deployment_name: str
    pinned: str
    created_at: datetime


class ShadowResult(Value):
    """One request the role served, asked again of the candidate: did it agree, how fast."""

    project: str
    role: str
    model: str  # the candidate's
    at: datetime
    agree: bool
    candidate_latency_ms: float | None = None
    served_latency_ms: float
    failed: bool = False
    reason: str | None = None


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion: (low, high); (0, 1) with no trials."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def p95(values: Iterable[float]) -> float | None:
    """The nearest-rank 95th percentile; None of nothing."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


class ShadowSummary(Value):
    """The comparisons of one role's candidate. Failures (no usable answer) count as disagreement."""

    role: str
    model: str | None = None
    n: int = 0
    agreed: int = 0
    failures: int = 0
    low: float = 0.0
    high: float = 1.0
    candidate_p95_ms: float | None = None
    served_p95_ms: float | None = None

    @property
    def rate(self) -> float | None:
        return self.agreed / self.n if self.n else None

    @classmethod
    def of(cls, role: str, results: Iterable[ShadowResult], model: str | None = None) -> ShadowSummary:
        rows = [r for r in results if model is None or r.model == model]
        agreed = sum(1 for r in rows if r.agree)
        low, high = wilson(agreed, len(rows))
        return cls(
            role=role,
            model=model,
            n=len(rows),
            agreed=agreed,
            failures=sum(1 for r in rows if r.failed),
            low=low,
            high=high,
            candidate_p95_ms=p95(r.candidate_latency_ms for r in rows if r.candidate_latency_ms is not None),
            served_p95_ms=p95(r.served_latency_ms for r in rows),
        )

    def describe(self) -> str:
        if not self.n:
            return "no shadow comparisons yet"
        latency = (
            f"; p95 {self.candidate_p95_ms:.0f} ms vs {self.served_p95_ms:.0f} ms served"
            if self.candidate_p95_ms is not None and self.served_p95_ms is not None
            else ""
        )
        return (
            f"agreement {self.agreed}/{self.n} = {self.agreed / self.n:.1%} "
            f"(95% CI {self.low:.1%}–{self.high:.1%}){latency}; {self.failures} failed"
        )


Verdict = Literal["promote", "abort", "wait"]


def judge(summary: ShadowSummary, agreement: float, samples: int, p95_latency_ms: float | None) -> tuple[Verdict, str]:
    """What a `promote_when` gate says of `summary`, and why, with the figures."""
    figures = summary.describe()
    if summary.n < samples:
        return "wait", f"{summary.n} of {samples} shadow comparisons so far ({figures})"
    if summary.high < agreement:
        return "abort", f"upper bound {summary.high:.1%} < gate {agreement:.1%} ({figures})"
    if summary.low < agreement:
        return "wait", f"lower bound {summary.low:.1%} < gate {agreement:.1%}, undecided ({figures})"
    if p95_latency_ms is not None and (summary.candidate_p95_ms is None or summary.candidate_p95_ms > p95_latency_ms):
        shown = "unknown" if summary.candidate_p95_ms is None else f"{summary.candidate_p95_ms:.0f} ms"
        return "wait", f"agreement passes but candidate p95 {shown} > gate {p95_latency_ms:.0f} ms ({figures})"
    return "promote", f"lower bound {summary.low:.1%} >= gate {agreement:.1%} ({figures})"
