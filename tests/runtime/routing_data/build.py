"""Write the routing labeled set: `heldout.jsonl` and `dev.jsonl` next to this file.

    python -m tests.runtime.routing_data.build

Each line is `{"id", "api", "body", "label", "note"}`; `label` is `coding` or `not_coding` (the
policy is in README.md here). The held-out items were written before the classifier existed and it
was never tuned against them; the development items are the ones its weights were tuned on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SPLITS = ("dev", "heldout")


def item(id: str, shape: tuple[str, dict[str, Any]], label: str, note: str) -> dict[str, Any]:
    if label not in ("coding", "not_coding"):
        raise ValueError(f"{id}: label must be coding or not_coding, not {label!r}")
    api, body = shape
    return {"id": id, "api": api, "body": body, "label": label, "note": note}


def load(split: str) -> list[dict[str, Any]]:
    """The items of one split, as the JSONL holds them."""
    with (HERE / f"{split}.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def main() -> None:
    from tests.runtime.routing_data import dev_items, heldout_items

    for split, items in (("heldout", heldout_items.ITEMS), ("dev", dev_items.ITEMS)):
        ids = [entry["id"] for entry in items]
        duplicates = {name for name in ids if ids.count(name) > 1}
        if duplicates:
            raise ValueError(f"{split}: duplicate ids {sorted(duplicates)}")
        with (HERE / f"{split}.jsonl").open("w", encoding="utf-8") as out:
            for entry in items:
                out.write(json.dumps(entry, ensure_ascii=False, sort_keys=False) + "\n")
        coding = sum(entry["label"] == "coding" for entry in items)
        print(f"{split}: {len(items)} items, {coding} coding, {len(items) - coding} not coding")


if __name__ == "__main__":
    main()
