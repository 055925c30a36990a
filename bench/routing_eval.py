"""Routing on labeled traffic: our router against the original substring rule, and route() latency.

    python bench/routing_eval.py [--errors dev|heldout] [--repeat N] [--calls N]

For each split of `tests/runtime/routing_data/` (the first labeled set: its dev split is training data
of the learned score now, its heldout was never trained or tuned on) it prints precision, recall, F1
and the confusion counts of

- `router`: `runtime.routing.Router.route()` with a manifest whose one rule is
  `{to: coding, when: {min_score: <the learned band's top>}}` (the default rule's decision, for both
  APIs), without conversation affinity, a request counting as "coding" when the route names the
  coding role;
- `naive`: `bench/naive_route.py`, the original service's ~30 substrings;

then latency:
- `route()` on a 10-message conversation (issue 13's aim: p99 <= 0.2 ms): a Claude Code session (10 KB
  system prompt, 24 tools, tool calls and results) and a chat, N calls each, every call a new last turn
  (a session's next turn: the system prompt and the earlier turns were read before), again with the
  token cache emptied before each call (a request read from scratch), and as an affinity hit; timed
  with the garbage collector as the proxy's process runs it (`runtime.proxy.heap.settle_heap`: the
  heap frozen after startup, the young generation collected every 20,000 allocations), so a
  collection lands in the figures as often as it would in the proxy;
- `route()`, `learned.score()` and `estimate_input_tokens()` over every request of both splits: each
  request timed R times on its own and its median kept (so a pause of another process does not count).
The machine may be shared: figures are for comparison, printed in µs. `--errors SPLIT` lists the
router's mistakes on a split with the features behind each score (use it on dev; looking at held-out
mistakes to tune is what the split exists to prevent).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.naive_route import naive_route
from bench.routing_learned_eval import conversation
from controlplane.manifest.schema import Manifest
from runtime import learned
from runtime.proxy.heap import settle_heap
from runtime.routing import Router
from runtime.tokens import estimate_input_tokens
from tests.runtime.routing_data.build import SPLITS, load

BAND_TOP = learned.default_model().band[1]
AIM_US = 200.0


def eval_manifest(min_score: float = BAND_TOP) -> Manifest:
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


def conversation_latency(
    api: str, body: dict[str, Any], mode: str, calls: int, clock: Callable[[], float] = time.perf_counter
) -> list[float]:
    """Seconds per route() call on `body` with a new last turn each call; `mode` "from scratch"
    empties the token cache first, "affinity hit" routes a conversation the router has seen.
    `clock` time.thread_time counts the thread's CPU only (what a call costs, without the time
    another process had the core)."""
    turns = []
    for index in range(calls + 200):
        messages = list(body["messages"])
        messages[-1] = {"role": "user", "content": f"ok, now run it again ({index}) and tell me what still fails"}
        turns.append({**body, "messages": messages})
    router = Router(eval_manifest(), affinity=mode == "affinity hit")
    settle_heap()  # as in the proxy's process, which is where route() runs
    samples = []
    for index, turn in enumerate(turns):
        if mode == "from scratch":
            learned.forget()
        start = clock()
        router.route(api, turn, {})  # type: ignore[arg-type]
        if index >= 200:  # the first 200: warm-up
            samples.append(clock() - start)
    return samples


def _load() -> str:
    """The 1, 5 and 15 minute load averages: timings on a loaded machine have the scheduler's tails."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def _us(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = _p99(ordered)
    median = statistics.median(ordered)
    return f"median {median * 1e6:6.1f} us   p99 {p99 * 1e6:6.1f} us   max {ordered[-1] * 1e6:6.1f} us"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", choices=SPLITS, help="list the router's mistakes on this split")
    parser.add_argument("--repeat", type=int, default=25, help="timed calls per request (default 25)")
    parser.add_argument("--calls", type=int, default=3000, help="timed calls per conversation (default 3000)")
    args = parser.parse_args(argv)

    router = Router(eval_manifest(), affinity=False)
    splits = {split: load(split) for split in SPLITS}
    print(f"router: rule {{to: coding, when: {{min_score: {BAND_TOP}}}}} (the learned band's top); naive: substrings")
    for split, items in splits.items():
        coding = sum(entry["label"] == "coding" for entry in items)
        ours, naive = evaluate(items, router)
        print(f"\n{split}: {len(items)} requests ({coding} coding, {len(items) - coding} not coding)")
        print(ours.row("router"))
        print(naive.row("naive"))

    print(f"\nroute() on a 10-message conversation, {args.calls} calls each (aim: p99 <= {AIM_US:.0f} us)")
    print(f"  load average before: {_load()}")
    worst = {"wall": 0.0, "cpu": 0.0}
    for kind in ("claude-code", "chat"):
        api, body = conversation(kind)
        for mode in ("next turn", "from scratch", "affinity hit"):
            for name, clock in (("wall", time.perf_counter), ("cpu", time.thread_time)):
                samples = conversation_latency(api, body, mode, args.calls, clock)
                if mode != "affinity hit":
                    worst[name] = max(worst[name], _p99(samples))
                print(f"  {kind:<12} {mode:<13} {name:<4} {_us(samples)}")
    print(
        f"  route() p99 on a 10-message conversation (worst of the above but affinity hits): "
        f"{worst['wall'] * 1e6:.1f} us wall clock, {worst['cpu'] * 1e6:.1f} us of CPU"
    )
    print(f"  load average after: {_load()} (the machine's cores: {os.cpu_count()})")

    everything = [entry for items in splits.values() for entry in items]
    latencies(everything, lambda api, body: router.route(api, body, {}), 2)  # warm up
    route = latencies(everything, lambda api, body: router.route(api, body, {}), args.repeat)
    score = latencies(everything, lambda api, body: learned.score(body, api), args.repeat)
    tokens = latencies(everything, lambda api, body: estimate_input_tokens(body, api), args.repeat)
    print(f"\nlatency per request over {len(everything)} requests (median of {args.repeat} timed calls each)")
    print(f"  route()                  {_us(route)}")
    print(f"  learned.score()          {_us(score)}")
    print(f"  estimate_input_tokens()  {_us(tokens)}")

    if args.errors:
        print(f"\nrouter mistakes on {args.errors}:")
        for entry in splits[args.errors]:
            decision = router.route(entry["api"], entry["body"], {})
            if (decision.role == "coding") != (entry["label"] == "coding"):
                detail = learned.explain(entry["body"], entry["api"], n=6)
                fired = ", ".join(f"{name} {value:+.2f}" for name, value in detail.top)
                print(f"  {entry['id']:<32} label {entry['label']:<10} score {detail.score:.2f}  [{fired}]")


if __name__ == "__main__":
    main()
