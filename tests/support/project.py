"""A project to act on: the README's quickstart manifest copied into a test's directory, edits
to it, and `reasoning apply` as a library call.

`apply` is the one place the tests apply without the CLI; it drives the library the way
`reasoning apply --auto-approve` does (lock, plan for this moment, execute, wait for READY).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from controlplane.manifest import Manifest, load
from controlplane.store import Sample, Usage, open_store
from controlplane.values.plan import Plan

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "reasoning.yaml"


def copy_quickstart(directory: Path) -> Path:
    """The README's manifest in `directory` (its simulator world and store will be beside it)."""
    path = directory / "reasoning.yaml"
    shutil.copy(QUICKSTART, path)
    return path


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace `old` (which must be there) with `new` in the file, `count` times."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))


def apply(manifest: Manifest, *, wait: bool = True) -> Plan:
    """`reasoning apply --auto-approve`, as a library call; returns the plan it carried out."""
    from controlplane import api

    return api.apply(manifest, wait=wait).plan


def apply_file(path: Path) -> Manifest:
    """Load the manifest at `path` and apply it; returns the manifest."""
    manifest = load(path)
    apply(manifest)
    return manifest


def stop_role(path: Path, role: str) -> None:
    """Apply the manifest with `role` stopped, as reconcile's policy leaves a role it stops."""
    edit(path, f"  {role}:", f"  {role}:\n    enabled: false")
    apply_file(path)


def recorded(manifest: Manifest) -> tuple[list[Usage], list[Sample]]:
    """What reached the store (read after the hooks closed, which drains their recorder)."""
    from controlplane.project import store_url

    with open_store(store_url(manifest), manifest.path(".")) as store:
        return store.usage(manifest.project), store.samples(manifest.project)
