"""The real code path: `reasoning` with `provider: together` against `reasoning simulator serve`.

The official `together` SDK plays the colleague who changes things out of band; faults injected
into the simulator play Together having a bad day.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import httpx
import pytest
import together

from tests.support.cli import Run
from tests.support.project import edit
from tests.support.served import ServedSimulator

pytestmark = pytest.mark.usefixtures("frozen")
SECRET = "tgp_v1_s3cr3t-key-0123456789abcdef"


@pytest.fixture
def served(simulator: ServedSimulator) -> ServedSimulator:
    """`reasoning simulator serve`, its world fresh for the test."""
    return simulator


@pytest.fixture
def manifest(quickstart: Path, served: ServedSimulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TOGETHER_API_KEY", SECRET)
    monkeypatch.delenv("TOGETHER_PROJECT_ID", raising=False)
    edit(
        quickstart,
        "provider:\n  type: simulator",
        f"provider:\n  type: together\n  base_url: {served.base_url}\n  max_retries: 3",
    )
    return quickstart


def sdk(served: ServedSimulator) -> together.Together:
    return together.Together(api_key="colleague", base_url=served.base_url, project_id="proj_sim")


def admin(served: ServedSimulator, method: str, path: str, body: object) -> None:
    httpx.request(method, f"{served.base_url}/_simulator/{path}", json=body).raise_for_status()


class TestDrift:
    def test_an_out_of_band_change_shows_in_status_and_plan_and_apply_fixes_it(
        self, run: Run, manifest: Path, served: ServedSimulator
    ) -> None:
        assert run("apply", "-f", str(manifest), "--auto-approve").code == 0
        client = sdk(served)
        endpoint = next(e for e in client.endpoints.list() if e.name.endswith("/quickstart-planning"))
        deployment = endpoint.deployments[0]
        client.endpoints.deployments.update(
            deployment.id,
            endpoint_id=endpoint.id,
            autoscaling={"minReplicas": 4, "maxReplicas": 4},
            update_mask="autoscaling",  # as Together's CLI sends it (SDK lib/cli/api/endpoints/update.py)
        )

        status = json.loads(run("status", "-f", str(manifest), "--json").out)
        planning = next(r for r in status["roles"] if r["role"] == "planning")
        assert planning["drift"] == [
            {"field": "replicas.min", "before": 1, "after": 4},
            {"field": "replicas.max", "before": 2, "after": 4},
        ]
        assert "replicas.min 1 → 4" in run("status", "-f", str(manifest)).out

        plan = run("plan", "-f", str(manifest), "--detailed-exitcode")
        assert plan.code == 2
        assert "drift: replicas.min 1 → 4, replicas.max 2 → 4 changed out of band; restoring" in plan.out

        assert run("apply", "-f", str(manifest), "--auto-approve").code == 0
        fixed = client.endpoints.deployments.retrieve(deployment.id, endpoint_id=endpoint.id)
        assert (fixed.autoscaling.min_replicas, fixed.autoscaling.max_replicas) == (1, 2)
        assert run("plan", "-f", str(manifest), "--detailed-exitcode").code == 0

    def test_a_deployment_stopped_out_of_band_is_started_again(
        self, run: Run, manifest: Path, served: ServedSimulator
    ) -> None:
        run("apply", "-f", str(manifest), "--auto-approve")
        client = sdk(served)
        endpoint = next(e for e in client.endpoints.list() if e.name.endswith("/quickstart-should-respond"))
        client.endpoints.deployments.update(
            endpoint.deployments[0].id, endpoint_id=endpoint.id, autoscaling={"minReplicas": 0, "maxReplicas": 0}
        )
        plan = json.loads(run("plan", "-f", str(manifest), "--json").out)
        action = next(a for a in plan["actions"] if a["role"] == "should_respond")
        assert action["kind"] == "start" and "state running → stopped" in action["reason"]
        assert run("apply", "-f", str(manifest), "--auto-approve").code == 0
        assert run("plan", "-f", str(manifest), "--detailed-exitcode").code == 0

    def test_a_saved_plan_is_refused_after_an_out_of_band_change(
        self, run: Run, manifest: Path, served: ServedSimulator, tmp_path: Path
    ) -> None:
        saved = tmp_path / "plan.json"
        run("apply", "-f", str(manifest), "--auto-approve")
        edit(manifest, "replicas: {min: 1, max: 2}", "replicas: {min: 2, max: 2}")
        assert run("plan", "-f", str(manifest), "--out", str(saved)).code == 0
        client = sdk(served)
        endpoint = next(e for e in client.endpoints.list() if e.name.endswith("/quickstart-planning"))
        client.endpoints.deployments.update(
            endpoint.deployments[0].id, endpoint_id=endpoint.id, autoscaling={"minReplicas": 3, "maxReplicas": 3}
        )
        stale = run("apply", "-f", str(manifest), str(saved))
        assert stale.code == 1 and "stale" in stale.err


class TestProviderFailures:
    def test_transient_errors_are_retried_honouring_retry_after(
        self, run: Run, manifest: Path, served: ServedSimulator
    ) -> None:
        admin(
            served,
            "POST",
            "faults",
            {"method": "POST", "path_regex": "/endpoints$", "status": 429, "times": 2, "retry_after": 7},
        )
        admin(served, "POST", "faults", {"method": "GET", "path_regex": "/endpoints$", "status": 503, "times": 1})
        result = run("apply", "-f", str(manifest), "--auto-approve")
        assert result.code == 0, result.text
        assert run("plan", "-f", str(manifest), "--detailed-exitcode").code == 0

    @pytest.mark.parametrize(
        ("method", "step"),
        [
            ("POST", "/endpoints/[^/]+/deployments$"),  # endpoint made, no deployment
            ("PATCH", "/endpoints/[^/]+$"),  # deployment made, traffic not routed
            ("GET", "/deployments/[^/]+$"),  # everything made, waiting fails
        ],
    )
    def test_a_crash_at_any_step_converges_on_the_next_apply_without_duplicates(
        self, run: Run, manifest: Path, served: ServedSimulator, method: str, step: str
    ) -> None:
        admin(served, "POST", "faults", {"method": method, "path_regex": step, "status": 500, "times": 4})
        failed = run("apply", "-f", str(manifest), "--auto-approve")
        assert failed.code == 4 and " 500 " in failed.err  # temporary: the next run retries
        assert run("apply", "-f", str(manifest), "--auto-approve").code == 0
        assert run("plan", "-f", str(manifest), "--detailed-exitcode").code == 0
        endpoints = list(sdk(served).endpoints.list())
        assert sorted(e.name for e in endpoints) == ["sim/quickstart-planning", "sim/quickstart-should-respond"]
        assert all(len(e.deployments) == 1 for e in endpoints)

    def test_a_rejected_key_is_one_line_without_the_key(
        self, run: Run, manifest: Path, served: ServedSimulator
    ) -> None:
        admin(served, "PUT", "settings", {"api_keys": ["another-key"]})
        result = run("plan", "-f", str(manifest))
        assert result.code == 1 and "401" in result.err
        assert "hint: check the API key named by provider.api_key_env" in result.err
        assert SECRET not in result.text and "Traceback" not in result.text

    def test_an_unreachable_provider_is_one_line(
        self, run: Run, quickstart: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("TOGETHER_API_KEY", SECRET)
        edit(
            quickstart,
            "provider:\n  type: simulator",
            "provider:\n  type: together\n  base_url: http://127.0.0.1:9\n  max_retries: 1",
        )
        result = run("plan", "-f", str(quickstart))
        assert result.code == 4 and result.err.startswith("error: cannot reach http://127.0.0.1:9")
        assert len(result.err.strip().splitlines()) == 2 and SECRET not in result.text

    def test_a_missing_key_names_the_variable_and_the_line(
        self, run: Run, manifest: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("TOGETHER_API_KEY")
        result = run("plan", "-f", str(manifest))
        assert result.code == 1
        assert result.err.splitlines()[0] == f"error: TOGETHER_API_KEY is not set (provider.api_key_env, {manifest}:7)"


class TestSecrets:
    def test_the_key_appears_in_no_output_plan_file_or_database(
        self, run: Run, manifest: Path, served: ServedSimulator, tmp_path: Path
    ) -> None:
        saved = tmp_path / "plan.json"
        outputs = [
            run("plan", "-f", str(manifest), "--out", str(saved), "--debug"),
            run("plan", "-f", str(manifest), "--json"),
            run("plan", "-f", str(manifest), "--markdown"),
            run("apply", "-f", str(manifest), "--auto-approve", "--debug"),
            run("status", "-f", str(manifest)),
            run("status", "-f", str(manifest), "--json"),
        ]
        admin(served, "PUT", "settings", {"api_keys": ["another-key"]})
        outputs.append(run("plan", "-f", str(manifest), "--debug"))
        for result in outputs:
            assert SECRET not in result.text
        assert SECRET not in saved.read_text()
        database = sqlite3.connect(manifest.parent / ".reasoning" / "state.db")
        for (table,) in database.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
            assert SECRET not in repr(database.execute(f"SELECT * FROM {table}").fetchall())


class TestLocking:
    def test_of_two_applies_at_once_exactly_one_proceeds(
        self, run: Run, manifest: Path, served: ServedSimulator
    ) -> None:
        from controlplane.lock import locked
        from controlplane.manifest import load
        from controlplane.project import open_project

        holding, release = threading.Event(), threading.Event()

        def first_apply() -> None:
            with open_project(load(manifest)) as project, locked(project.store, "quickstart"):
                holding.set()
                release.wait(timeout=30)

        thread = threading.Thread(target=first_apply)
        thread.start()
        try:
            assert holding.wait(timeout=30)
            second = run("apply", "-f", str(manifest), "--auto-approve")
            assert second.code == 3  # LockHeld: the same code reconcile gives
            assert "error: project quickstart is locked by " in second.err and " pid " in second.err
            assert "hint: wait for it to finish, or retry with --lock-timeout" in second.err
        finally:
            release.set()
            thread.join()
        assert run("apply", "-f", str(manifest), "--auto-approve").code == 0

    def test_lock_timeout_waits_for_the_holder(self, run: Run, manifest: Path, frozen) -> None:  # type: ignore[no-untyped-def]
        from datetime import timedelta

        from controlplane import clock
        from controlplane.manifest import load
        from controlplane.store import open_store

        store = open_store("sqlite:///.reasoning/state.db", manifest.parent)
        store.acquire_lock("quickstart", "ci-job-41", now=clock.now(), ttl=timedelta(minutes=2))
        waited = run("apply", "-f", str(manifest), "--auto-approve", "--lock-timeout", "5m")
        assert waited.code == 0, waited.text
        events = store.events("quickstart")
        assert events[0].kind == "lock.takeover" and "ci-job-41" in events[0].reason
        assert load(manifest).project == "quickstart"


class TestFailedDeployments:
    def test_a_deployment_that_fails_stops_apply_and_the_next_plan_replaces_it(
        self, run: Run, manifest: Path, served: ServedSimulator
    ) -> None:
        admin(served, "PUT", "settings", {"failing_models": ["moonmakesmagic/DeepSeek-Qwen-14B-planning"]})
        failed = run("apply", "-f", str(manifest), "--auto-approve")
        assert failed.code == 1
        assert any(line.startswith("error: planning: deployment FAILED: ") for line in failed.err.splitlines())
        assert "hint: `reasoning plan` will propose replacing it" in failed.err
        plan = json.loads(run("plan", "-f", str(manifest), "--json").out)
        planning = next(a for a in plan["actions"] if a["role"] == "planning")
        assert (planning["kind"], planning["forced_by"]) == ("replace", "status")
        assert planning["reason"].startswith("deployment rs-") and " FAILED: " in planning["reason"]
