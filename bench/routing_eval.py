"""Routing on labeled traffic: our router against the original substring rule, and route() latency.

    python bench/routing_eval.py [--errors dev|heldout] [--repeat N]

For each split of `tests/runtime/routing_data/` (dev: tuned on; heldout: never tuned on) it prints
precision, recall, F1 and the confusion counts of

- `router`: `runtime.routing.Router.route()` with a manifest whose one rule is
  `{to: coding, when: {min_score: DEFAULT_MIN_SCORE}}` (the default rule, for both APIs), a request
  counting as "coding" when the route names the coding role;
- `naive`: `bench/naive_route.py`, the original service's ~30 substrings;

then the latency of `route()` over every request of both splits, and of `coding_score()` and
`estimate_input_tokens()` alone: each request is timed N times on its own and its median kept (so a
pause caused by another process on the machine does not count); the median, p99 and max over
requests are printed in µs. `--errors SPLIT` lists the router's mistakes on a split with the
features behind each score (use it on dev; looking at held-out mistakes to tune is what the split
exists to prevent).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.naive_route import naive_route
from controlplane.manifest.schema import Manifest
from runtime.routing import DEFAULT_MIN_SCORE, Router, coding_score, explain
from runtime.tokens import estimate_input_tokens
from tests.runtime.routing_data.build import SPLITS, load


def eval_manifest(min_score: float = DEFAULT_MIN_SCORE) -> Manifest:
    role = {"hardware": "1x_nvidia_h100_80gb_sxm"}
    return Manifest.model_validate(
        {
            "version": 1,
            "project": "routing-eval",
            "models": {
                "should_respond": {"model": "org/sr", **role},
                "planning": {"model": "org/planning", **role},
                "coding": {"model": "org/coding", **role},
            },
            "proxy": {"routing": [{"to": "coding", "when": {"min_score": min_score}}]},
        }
    )


class Confusion:
    def __init__(self) -> None:
        self.tp = self.fp = self.tn = self.fn = 0

    def add(self, predicted: bool, actual: bool) -> None:
        if predicted and actual:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif actual:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def row(self, name: str) -> str:
        return (
            f"  {name:<7} precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}"
            f"   TP {self.tp:>3}  FP {self.fp:>3}  FN {self.fn:>3}  TN {self.tn:>3}"
        )


def evaluate(items: list[dict[str, Any]], router: Router) -> tuple[Confusion, Confusion]:
    """The router's and the naive rule's confusion counts on `items`."""
    ours, naive = Confusion(), Confusion()
    for entry in items:
        actual = entry["label"] == "coding"
        ours.add(router.route(entry["api"], entry["body"], {}).role == "coding", actual)
        naive.add(naive_route(entry["body"], entry["api"]), actual)
    return ours, naive


def latencies(items: list[dict[str, Any]], call: Callable[[Any, dict[str, Any]], object], repeat: int) -> list[float]:
    """Seconds per request: the median of `repeat` calls, each timed on its own."""
    clock = time.perf_counter
    times: list[list[float]] = [[] for _ in items]
    for _ in range(repeat):
        for index, entry in enumerate(items):
            api, body = entry["api"], entry["body"]
            start = clock()
            call(api, body)
            times[index].append(clock() - start)
    return [statistics.median(each) for each in times]


def _us(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    median = statistics.median(ordered)
    return f"median {median * 1e6:6.1f} us   p99 {p99 * 1e6:6.1f} us   max {ordered[-1] * 1e6:6.1f} us"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", choices=SPLITS, help="list the router's mistakes on this split")
    parser.add_argument("--repeat", type=int, default=25, help="timed calls per request (default 25)")
    args = parser.parse_args(argv)

    router = Router(eval_manifest())
    splits = {split: load(split) for split in SPLITS}
    print(f"router: rule {{to: coding, when: {{min_score: {DEFAULT_MIN_SCORE}}}}}; naive: the original substring rule")
    for split, items in splits.items():
        coding = sum(entry["label"] == "coding" for entry in items)
        ours, naive = evaluate(items, router)
        print(f"\n{split}: {len(items)} requests ({coding} coding, {len(items) - coding} not coding)")
        print(ours.row("router"))
        print(naive.row("naive"))

    everything = [entry for items in splits.values() for entry in items]
    latencies(everything, lambda api, body: router.route(api, body, {}), 2)  # warm up
    route = latencies(everything, lambda api, body: router.route(api, body, {}), args.repeat)
    score = latencies(everything, lambda api, body: coding_score(body, api), args.repeat)
    tokens = latencies(everything, lambda api, body: estimate_input_tokens(body, api), args.repeat)
    print(f"\nlatency per request over {len(everything)} requests (median of {args.repeat} timed calls each)")
    print(f"  route()                  {_us(route)}")
    print(f"  coding_score()           {_us(score)}")
    print(f"  estimate_input_tokens()  {_us(tokens)}")

    if args.errors:
        print(f"\nrouter mistakes on {args.errors}:")
        for entry in splits[args.errors]:
            decision = router.route(entry["api"], entry["body"], {})
            if (decision.role == "coding") != (entry["label"] == "coding"):
                detail = explain(entry["body"], entry["api"])
                fired = ", ".join(f"{name} {value:+.1f}" for name, value in detail.contributions)
                print(f"  {entry['id']:<32} label {entry['label']:<10} score {detail.value:.2f}  [{fired}]")


if __name__ == "__main__":
    main()
