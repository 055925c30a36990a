"""The world is the truth: what a lost answer, a crash between steps or a new store leave behind
is found by refresh (by the role's deterministic endpoint and deployment names) and repaired, and
Together's rules for taking things down (stop, STOPPED, out of the split, delete) hold.

On the quickstart and the in-process simulator, with faults injected through `/_simulator/faults`
(each test names the kind) and the fake clock.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from controlplane import api
from controlplane.errors import ProviderUnreachable, RolloutInProgress
from controlplane.manifest import Manifest
from controlplane.project import open_project
from controlplane.provider.simulator import WorldFile
from controlplane.provider.simulator.transport import SimulatorTransport
from tests.apply.served import served_roles
from tests.support.clock import FakeClock
from tests.support.project import copy_quickstart, edit

ROLES = {"planning": True, "should_respond": True}


def project(directory: Path, *, retries: int = 0) -> Manifest:
    path = copy_quickstart(directory)
    edit(path, "  type: simulator\n", f"  type: simulator\n  max_retries: {retries}\n")
    return api.load(path)


def inject(manifest: Manifest, **fault: object) -> None:
    transport = SimulatorTransport(manifest.path(".reasoning/simulator.json"))
    with httpx.Client(base_url="http://simulator.invalid", transport=transport) as admin:
        admin.post("/_simulator/faults", json=fault).raise_for_status()


def world(manifest: Manifest) -> WorldFile:
    return WorldFile(manifest.path(".reasoning/simulator.json"))


def kinds(manifest: Manifest, role: str) -> list[str]:
    return [e.kind for e in api.events(manifest, role=role).events]


class TestLostAnswers:
    def test_a_lost_answer_to_the_traffic_change_leaves_a_role_the_next_run_records(
        self, tmp_path: Path, frozen: FakeClock
    ) -> None:
        """kind lost: the PATCH is carried out, its answer never arrives (reliability-findings
        test 2: "running and billed with no applied record" after such a run)."""
        manifest = project(tmp_path)
        inject(manifest, method="PATCH", path_regex="/endpoints/[^/]+$", kind="lost")
        with pytest.raises(ProviderUnreachable):
            api.apply(manifest)
        (planning,) = [a for a in api.plan(manifest).actions if a.role == "planning"]
        assert planning.kind == "update" and planning.out_of_step is not None
        assert planning.reason.startswith("the store has no record of quickstart-planning, which runs rs-")
        status = {r.role: r for r in api.status(manifest).roles}
        assert status["planning"].out_of_step == planning.out_of_step and status["should_respond"].out_of_step is None
        api.apply(manifest)
        assert served_roles(manifest) == ROLES and not api.plan(manifest).has_changes

    def test_a_retried_traffic_change_whose_first_attempt_landed_succeeds(
        self, tmp_path: Path, frozen: FakeClock
    ) -> None:
        """The retry meets the etag its own first attempt moved (409 aborted, docs: "409 ABORTED"
        on a stale etag): the backend re-reads, finds the split already so, and goes on."""
        manifest = project(tmp_path, retries=2)
        inject(manifest, method="PATCH", path_regex="/endpoints/[^/]+$", kind="lost", times=2)
        api.apply(manifest)
        assert served_roles(manifest) == ROLES

    @pytest.mark.parametrize("resource", ["endpoints$", "deployments$"])
    def test_a_retried_create_whose_first_attempt_landed_is_adopted_not_duplicated(
        self, tmp_path: Path, frozen: FakeClock, resource: str
    ) -> None:
        """kind timeout: the POST is carried out and the client gives up waiting; the retried POST
        gets 409 already_exists (the name is taken by the first) and adopts it."""
        manifest = project(tmp_path, retries=2)
        inject(manifest, method="POST", path_regex=resource, kind="timeout", times=2)
        api.apply(manifest)
        assert served_roles(manifest) == ROLES  # exactly one endpoint and one deployment per role
        with world(manifest).session() as seen:
            assert len(seen.endpoints) == 2 and len(seen.deployments) == 2


class TestNewStore:
    def test_a_lost_store_is_rebuilt_from_the_world(self, tmp_path: Path, frozen: FakeClock) -> None:
        """`rm .reasoning/state.db && reasoning apply` (reliability-findings): the endpoints run on,
        found by their names; plan says the store does not know them, apply records them."""
        manifest = project(tmp_path)
        api.apply(manifest)
        manifest.path(".reasoning/state.db").unlink()
        plan = api.plan(manifest)
        assert {a.role: a.kind for a in plan.changes} == {"planning": "update", "should_respond": "update"}
        assert all(a.out_of_step and "no record" in a.out_of_step for a in plan.changes)
        assert served_roles(manifest) == {"planning": False, "should_respond": False}
        api.apply(manifest)
        assert served_roles(manifest) == ROLES and not api.plan(manifest).has_changes
        with world(manifest).session() as seen:
            assert len(seen.deployments) == 2  # nothing was created again


class TestTakingDown:
    def test_destroy_stops_each_deployment_and_waits_for_stopped_before_deleting(
        self, tmp_path: Path, frozen: FakeClock
    ) -> None:
        """Docs dedicated-model-inference/api-reference.md: "a deployment must be stopped first";
        the simulator refuses any other delete, so this fails on an apply that deletes running ones."""
        manifest = project(tmp_path)
        api.apply(manifest)
        api.destroy(manifest)
        for role in ROLES:
            assert kinds(manifest, role) == [
                "create",
                "retire.stop",
                "retire.stopped",
                "retire.unroute",
                "retire.delete",
                "delete",
            ]
        with world(manifest).session() as seen:
            assert seen.endpoints == {} and seen.deployments == {}

    def test_a_destroy_killed_after_the_stop_finishes_on_the_next_run(self, tmp_path: Path, frozen: FakeClock) -> None:
        """A crash after "scale to 0/0" (kind reset on the next call): the repeat stops nothing
        twice, waits for STOPPED, deletes."""
        manifest = project(tmp_path)
        api.apply(manifest)
        inject(manifest, method="GET", path_regex="/deployments/", kind="reset")
        with pytest.raises(ProviderUnreachable):
            api.destroy(manifest)
        api.destroy(manifest)
        with world(manifest).session() as seen:
            assert seen.endpoints == {} and seen.deployments == {}
        assert kinds(manifest, "should_respond").count("retire.stop") == 1


class TestRolloutsAndCapacity:
    def test_an_active_rollout_is_never_fought(self, tmp_path: Path, frozen: FakeClock) -> None:
        """SDK types/endpoint.py `activeRolloutId`: while it is set the rollout owns the split."""
        manifest = project(tmp_path)
        api.apply(manifest)
        with world(manifest).session() as seen:
            endpoint = next(e for e in seen.endpoints.values() if e.name.endswith("quickstart-planning"))
            endpoint.active_rollout_id = "rol_7"
        edit(Path(manifest.path("reasoning.yaml")), "replicas: {min: 1, max: 2}", "replicas: {min: 2, max: 2}")
        changed = api.load(manifest.path("reasoning.yaml"))
        (planning,) = [a for a in api.plan(changed).actions if a.role == "planning"]
        assert planning.kind == "noop" and planning.reason.startswith("rollout rol_7 in progress")
        with open_project(changed) as opened, pytest.raises(RolloutInProgress) as refused:
            opened.provider.catalog()
            assert planning.actual is not None
            opened.provider.route(planning.actual.endpoint_id, {})
        assert refused.value.exit_code == 4

    def test_a_deployment_degraded_for_capacity_ends_the_wait_and_is_said(
        self, tmp_path: Path, frozen: FakeClock
    ) -> None:
        """A deployment that cannot place every replica goes DEGRADED (SDK types: DEPLOYMENT_STATE_
        DEGRADED, status.scheduledReplicas); apply stops waiting once it serves and says so."""
        manifest = project(tmp_path)
        edit(Path(manifest.path("reasoning.yaml")), "hardware: 1x_nvidia_h100_80gb_sxm\n    replicas: {min: 1, max: 2}",
             "hardware: 1x_nvidia_h200_140gb_sxm\n    replicas: {min: 3, max: 3}")  # fmt: skip
        manifest = api.load(manifest.path("reasoning.yaml"))
        transport = SimulatorTransport(manifest.path(".reasoning/simulator.json"))
        with httpx.Client(base_url="http://simulator.invalid", transport=transport) as admin:
            admin.put("/_simulator/settings", json={"capacity": {"1x_nvidia_h200_140gb_sxm": 2}}).raise_for_status()
        steps: list[tuple[str, str]] = []
        api.apply(manifest, on_step=lambda role, text: steps.append((role, text)))
        said = [(role, text) for role, text in steps if text.startswith("DEGRADED")]
        assert said == [("planning", "DEGRADED, serving with 2 of 3: Cannot place replicas: insufficient GPU "
                                     "capacity: 2 of 3 replicas placed")]  # fmt: skip
