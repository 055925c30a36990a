"""The effective configuration: every value the manifest holds once loaded, and where it came from.

`reasoning config` shows it: `file` (written in reasoning.yaml), `defaults` (filled in from the
file's `defaults:` block), `default` (the schema's own default) or `env` (an environment variable
the manifest names). Secrets are never shown: a variable holding one is `set` or `not set`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ruamel.yaml import YAML

from controlplane.manifest.schema import Manifest, normalize_role
from controlplane.values.common import Value

MASK = "****"


class Entry(Value):
    key: str
    value: Any
    source: str


def effective(manifest: Manifest, text: str, environ: Mapping[str, str] | None = None) -> list[Entry]:
    environ = os.environ if environ is None else environ
    tree = YAML(typ="rt").load(text)
    entries: list[Entry] = []
    for path, value in _leaves(manifest.model_dump(mode="json"), ()):
        source = "file" if _written(tree, path) else "default"
        from_defaults = len(path) == 3 and path[0] == "models" and path[2] == "idle_shutdown_minutes"
        if source == "default" and from_defaults and manifest.defaults.idle_shutdown_minutes is not None:
            source = "defaults"
        key = _dotted(path)
        entries.append(Entry(key=key, value=value, source=source))
        if path[-1].endswith("_env") and isinstance(value, str):
            entries.append(Entry(key=f"${value}", value=MASK if environ.get(value) else "not set", source="env"))
    return entries


def _leaves(node: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    if isinstance(node, dict) and node:
        found = []
        for key, value in node.items():
            found += _leaves(value, (*path, str(key)))
        return found
    return [(path, node)]


def _written(tree: Any, path: tuple[str, ...]) -> bool:
    node = tree
    for part in path:
        if not isinstance(node, dict):
            return False
        key = next((k for k in node if isinstance(k, str) and normalize_role(k) == normalize_role(part)), None)
        if key is None:
            # `replicas: 2` stands for both min and max
            return (part in ("min", "max") and isinstance(node, int)) or False
        node = node[key]
        if isinstance(node, int) and not isinstance(node, bool) and part == "replicas":
            return True
    return True


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(path)
