"""The learned routing classifier against the hand-weighted one and the original substring rule.

    python bench/routing_learned_eval.py [--split heldout|heldout2|dev] [--calls N]

On a split of `tests/runtime/routing_corpus/` (default: the first frozen held-out split; `heldout2`, the
second, written after the first had been evaluated several times; neither is ever tuned on)
it prints precision, recall and F1, and per category the mistakes, of:

- `learned`: `runtime.learned`, coding when the score is at or above its uncertain band (scores in
  the band take the default, the upstream, so they count as "not routed to coding");
- `learned@0.5`: the same scores at 0.5, without the band (for reference, not a candidate);
- `hand`: `runtime.routing.coding_score(...) >= DEFAULT_MIN_SCORE`, the hand-weighted classifier;
- `naive`: `bench/naive_route.py`, the original service's ~30 substrings;

then the pick by F1, and the latency of `learned.score()` (and, for comparison, of today's
`Router.route()`) on a 10-message Claude Code conversation (a 10 KB system prompt, 24 tools, tool
calls and results) and a 10-message chat: N calls each, median and p99 in microseconds. The machine
may be shared: timings are indicative, not results.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.naive_route import naive_route
from controlplane.manifest.schema import Manifest
from runtime import learned, routing
from tests.runtime.routing_corpus import clients
from tests.runtime.routing_corpus.build import load

Predict = Callable[[dict[str, Any]], bool]


def eval_manifest() -> Manifest:
    """Today's router with the default rule for both APIs (as bench/routing_eval.py builds it)."""
    role = {"hardware": "1x_nvidia_h100_80gb_sxm"}
    models = {name: {"model": f"org/{name}", **role} for name in ("should_respond", "planning", "coding")}
    routing_rule = [{"to": "coding", "when": {"min_score": routing.DEFAULT_MIN_SCORE}}]
    return Manifest.model_validate(
        {"version": 1, "project": "routing-eval", "models": models, "proxy": {"routing": routing_rule}}
    )


def candidates(model: learned.Model) -> dict[str, Predict]:
    return {
        "learned": lambda item: learned.decide(learned.score(item["body"], item["api"], model), model) == "coding",
        "learned@0.5": lambda item: learned.score(item["body"], item["api"], model) >= 0.5,
        "hand": lambda item: routing.coding_score(item["body"], item["api"]) >= routing.DEFAULT_MIN_SCORE,
        "naive": lambda item: naive_route(item["body"], item["api"]),
    }


def figures(items: list[dict[str, Any]], predict: Predict) -> dict[str, Any]:
    """Confusion counts overall and the mistakes per category."""
    tp = fp = fn = tn = 0
    wrong: Counter[str] = Counter()
    for item in items:
        predicted, actual = predict(item), item["label"] == "coding"
        tp += predicted and actual
        fp += predicted and not actual
        fn += actual and not predicted
        tn += not predicted and not actual
        if predicted != actual:
            wrong[item["category"]] += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn, "tn": tn, "wrong": wrong}


def conversation(kind: str) -> tuple[str, dict[str, Any]]:
    """A 10-message conversation: a Claude Code session with tool calls, or a chat."""
    if kind == "claude-code":
        turns: list[clients.Turn] = [("user", "The build is broken on main since this morning. Find out why.")]
        outputs = ["src/pages/Settings.tsx:48:17 - error TS2339: Property 'locale' does not exist on type 'UserPrefs'."]
        outputs += ["     1\texport interface UserPrefs {\n     2\t  language: string;\n     3\t}\n" * 20]
        outputs += ["The file has been updated.", "Found 0 errors. Watching for file changes."]
        for index, output in enumerate(outputs):
            seed = f"latency-{index}"
            turns.append(("assistant", [clients.tool_use("Bash", {"command": "npm run build"}, seed)]))
            turns.append(("user", [clients.tool_result(output, seed)]))
        turns.append(("assistant", "Fixed: Settings.tsx read `prefs.locale`, renamed to `language` in b81c0de."))
        return clients.claude_code(turns, "latency", mid_system=False)
    chat: list[clients.Turn] = []
    for index in range(5):
        chat.append(("user", f"Step {index}: can you extend the CSV importer so it also accepts semicolons? " * 3))
        chat.append(("assistant", "```python\ndef read_rows(path, delimiter=','):\n    ...\n```\n" * 4))
    chat[-1] = ("user", "and the tests?")
    return clients.chat(chat, "anthropic", "latency", system="You are a helpful assistant.")


def timings(call: Callable[[], object], calls: int) -> tuple[float, float]:
    """Median and p99 of `calls` timed calls, in microseconds (after a warm-up)."""
    for _ in range(min(200, calls)):
        call()
    clock = time.perf_counter
    samples = []
    for _ in range(calls):
        start = clock()
        call()
        samples.append(clock() - start)
    samples.sort()
    return statistics.median(samples) * 1e6, samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))] * 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("heldout", "heldout2", "dev"), default="heldout")
    parser.add_argument("--calls", type=int, default=3000, help="timed calls per latency figure (default 3000)")
    args = parser.parse_args(argv)
    model = learned.default_model()
    items = load(args.split)
    coding = sum(item["label"] == "coding" for item in items)
    low, high = model.band
    print(f"{args.split}: {len(items)} requests ({coding} coding); learned band [{low}, {high}) -> upstream")
    results = {name: figures(items, predict) for name, predict in candidates(model).items()}
    for name, result in results.items():
        print(
            f"  {name:<12} precision {result['precision']:.3f}  recall {result['recall']:.3f}  F1 {result['f1']:.3f}"
            f"   TP {result['tp']:>3}  FP {result['fp']:>3}  FN {result['fn']:>3}  TN {result['tn']:>3}"
        )
    uncertain = sum(
        learned.decide(learned.score(item["body"], item["api"], model), model) == "uncertain" for item in items
    )
    print(f"  learned: {uncertain} of {len(items)} requests scored inside the band")
    chosen = max(("learned", "hand"), key=lambda name: results[name]["f1"])
    print(f"picked by {args.split} F1: {chosen}")

    totals = Counter(item["category"] for item in items)
    labels = {name: sorted({item["label"] for item in items if item["category"] == name}) for name in totals}
    header = "".join(f"{name:>13}" for name in results)
    print(f"\nmistakes per category (of n){'':<7}{header}")
    for category in sorted(totals):
        cells = "".join(f"{results[name]['wrong'][category]:>13}" for name in results)
        print(f"  {category:<18} {totals[category]:>4} {'/'.join(labels[category]):<19}{cells}")

    print(f"\nlatency, {args.calls} calls each (median / p99, microseconds; a shared machine: indicative only)")
    router = routing.Router(eval_manifest())
    for kind in ("claude-code", "chat"):
        api, body = conversation(kind)
        size = len(str(body))
        score_median, score_p99 = timings(lambda api=api, body=body: learned.score(body, api, model), args.calls)
        route_median, route_p99 = timings(lambda api=api, body=body: router.route(api, body, {}), args.calls)
        print(f"  {kind:<12} ({len(body['messages'])} messages, ~{size // 1000} KB)")
        print(f"    learned.score()            {score_median:7.1f} / {score_p99:7.1f}")
        print(f"    today's Router.route()     {route_median:7.1f} / {route_p99:7.1f}")
    # Per request over the split, each the median of 15 calls (so a pause of the machine does not
    # count as the request's cost): the spread over real shapes, up to 70 KB Claude Code bodies.
    per_request = sorted(
        timings(lambda item=item: learned.score(item["body"], item["api"], model), 15)[0] for item in items
    )
    p99 = per_request[min(len(per_request) - 1, round(0.99 * (len(per_request) - 1)))]
    middle = statistics.median(per_request)
    print(f"  learned.score() per request over {args.split} (median of 15 calls each)")
    print(f"    median {middle:.1f}  p99 {p99:.1f}  max {per_request[-1]:.1f}")


if __name__ == "__main__":
    main()
