"""What recognising ElizaOS's decision prompts costs a request `model_map` names.

    python bench/decision_prompts.py [--repeat N]

`runtime.routing.decision_prompts.kind_of` on the bodies a real TS 1.7.2 agent sent (plugin-openai
1.6.0's Responses API bodies and plugin-anthropic 1.5.12's Messages bodies, kept in
tests/clients/prompts/ts-1.7.2) and on the Python 2.0.0a5 prompts (tests/clients/prompts/py-2.0.0a5),
each `--repeat` times: the best CPU time per call and per KB of prompt is printed with what each
was recognised as. The machine is shared: read the order of magnitude, not the digits.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from runtime.routing.decision_prompts import kind_of  # noqa: E402
from runtime.wire.api import Api  # noqa: E402

PROMPTS = ROOT / "tests" / "clients" / "prompts"


def bodies() -> list[tuple[str, Api, dict[str, Any]]]:
    found: list[tuple[str, Api, dict[str, Any]]] = []
    for path in sorted((PROMPTS / "ts-1.7.2").glob("*.json")):
        api: Api = "anthropic" if "anthropic" in path.name else "openai"
        found.append((f"ts/{path.stem}", api, json.loads(path.read_text())))
    for path in sorted((PROMPTS / "py-2.0.0a5").glob("*.txt")):
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": path.read_text()}]}
        found.append((f"py/{path.stem}", "openai", body))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    print(f"{'body':<52} {'kind':<16} {'KB':>6} {'us/call':>9} {'us/KB':>7}")
    for name, api, body in bodies():
        size = len(json.dumps(body)) / 1024
        best = float("inf")
        for _ in range(5):
            start = time.process_time()
            for _ in range(args.repeat):
                kind = kind_of(api, body)
            best = min(best, (time.process_time() - start) / args.repeat)
        micros = best * 1e6
        print(f"{name:<52} {kind or '-':<16} {size:6.1f} {micros:9.1f} {micros / size:7.2f}")


if __name__ == "__main__":
    main()
