"""Every example validates and plans; the CI workflow only runs commands that exist."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from controlplane import clock
from controlplane.manifest import load
from controlplane.manifest.schema import TogetherProvider
from controlplane.plan import make_plan
from controlplane.planning import observe
from controlplane.provider import Provider
from controlplane.provider.together import TogetherClient
from controlplane.store import Store
from tests.support.served import ServedSimulator

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = sorted([ROOT / "reasoning.yaml", *(ROOT / "examples").glob("*.yaml")])


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_each_example_validates_and_plans(path: Path, tmp_path: Path, simulator: ServedSimulator) -> None:
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    manifest = load(copy)
    with Store(f"sqlite:///{tmp_path}/state.db") as store:
        # Together examples plan against the simulator playing Together; nothing leaves the machine.
        base_url = simulator.base_url
        with TogetherClient(base_url, "example-key", project_id="proj_sim") as client:
            provider = Provider(client, manifest.project)
            seen = observe(manifest, provider, store)
            plan = make_plan(manifest, seen.actual, seen.applied, seen.catalog, now=clock.now())
    enabled = [name for name, role in manifest.models.items() if role.enabled]
    assert [a.role for a in plan.actions if a.kind == "create"] == sorted(enabled)
    if isinstance(manifest.provider, TogetherProvider):
        assert manifest.provider.api_key_env == "TOGETHER_API_KEY"
