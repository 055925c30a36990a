"""The quickstart manifest, copied and applied to the in-process simulator: the world the hooks'
and the elizaos plugin's tests (and the elizaos example's) run in."""

from __future__ import annotations

import shutil
from pathlib import Path

from controlplane import project
from controlplane.manifest import Manifest, load
from controlplane.store import Sample, Usage, open_store

ROOT = Path(__file__).resolve().parents[2]


def copy_quickstart(directory: Path) -> Path:
    path = directory / "reasoning.yaml"
    shutil.copy(ROOT / "reasoning.yaml", path)
    return path


def apply(path: Path) -> Manifest:
    """`reasoning apply` as a library call: endpoints in the simulated world, state in the store."""
    from controlplane import api

    manifest = load(path)
    api.apply(manifest)
    return manifest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def stop_role(path: Path, role: str) -> None:
    """Apply the manifest with `role` stopped, as reconcile's policy leaves a role it stops."""
    edit(path, f"  {role}:", f"  {role}:\n    enabled: false")
    apply(path)


def recorded(manifest: Manifest) -> tuple[list[Usage], list[Sample]]:
    """What reached the store (read after the hooks closed, which drains their recorder)."""
    with open_store(project.store_url(manifest), manifest.path(".")) as store:
        return store.usage(manifest.project), store.samples(manifest.project)
