"""The development split: the items the classifier was tuned on."""

from __future__ import annotations

from typing import Any

ITEMS: list[dict[str, Any]] = []
