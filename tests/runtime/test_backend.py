"""Where the custom models answer (Together, or a served simulator sharing the CLI's world: one
named in the manifest, or a child process the runtime starts) and whether a role may be asked:
manifest, applied state read in the background, circuit breakers."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from controlplane.errors import SecretMissing
from controlplane.manifest import Manifest, load
from controlplane.project import store_url
from controlplane.store import Store, open_store
from controlplane.values import AppliedRole, Spec
from runtime.availability import Availability
from runtime.breaker import CircuitBreaker
from runtime.refresher import Refresher
from runtime.target import InferenceTarget, open_target
from tests.support.clock import FakeClock
from tests.support.project import apply

pytestmark = pytest.mark.usefixtures("frozen")

ROOT = Path(__file__).resolve().parents[2]
KEY = "tgp_v1_not-a-real-key-0123456789abcdef"
ROLES = """\
models:
  planning: {model: org/planning, hardware: 1x_nvidia_h100_80gb_sxm}
  coding: {model: org/coding, hardware: 2x_nvidia_h100_80gb_sxm, enabled: false}
"""


def write(tmp_path: Path, provider: str = "{type: simulator}") -> Manifest:
    path = tmp_path / "reasoning.yaml"
    path.write_text(f"version: 1\nproject: demo\nprovider: {provider}\n{ROLES}")
    return load(path)


def applied(role: str, *, enabled: bool = True, replicas: int = 1) -> AppliedRole:
    return AppliedRole(
        role=role,
        spec=Spec(model=f"org/{role}", hardware="h", min_replicas=replicas, max_replicas=replicas),
        enabled=enabled,
        endpoint_id="ep",
        deployment_id="dep",
        applied_at=datetime(2026, 11, 24, tzinfo=timezone.utc),
    )


def chat(target: InferenceTarget, role: str, content: str) -> httpx.Response:
    body = {"model": target.model_for(role), "messages": [{"role": "user", "content": content}], "max_tokens": 64}
    return httpx.post(target.chat_url, headers=dict(target.headers), json=body, timeout=30)


class TestTargets:
    def test_together_is_called_with_the_key_from_the_environment_which_never_shows(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        manifest = write(tmp_path, "{type: together, base_url: 'https://together.example/', api_key_env: TOGETHER_KEY}")
        monkeypatch.setenv("TOGETHER_KEY", KEY)
        with open_target(manifest) as target:
            assert target.chat_url == "https://together.example/v1/chat/completions"
            assert target.headers == {"Authorization": f"Bearer {KEY}"}
            assert (
                target.model_for("should_respond") == manifest.endpoint_name("should_respond") == "demo-should-respond"
            )
            assert KEY not in repr(target)
            assert KEY not in str(target)

    def test_a_missing_key_names_the_variable_not_a_value(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        manifest = write(tmp_path, "{type: together, api_key_env: TOGETHER_KEY}")
        monkeypatch.delenv("TOGETHER_KEY", raising=False)
        with pytest.raises(SecretMissing, match="TOGETHER_KEY is not set"), open_target(manifest):
            pass

    def test_a_served_simulator_named_in_the_manifest_is_used_as_it_is(self, tmp_path: Path) -> None:
        manifest = write(tmp_path, "{type: simulator, base_url: 'http://127.0.0.1:8002/'}")
        before = threading.active_count()
        with open_target(manifest) as target:
            assert target.base_url == "http://127.0.0.1:8002"
            assert threading.active_count() == before  # nothing started
            assert target.headers == {"Authorization": "Bearer simulator"}

    def test_the_simulator_the_runtime_starts_answers_for_an_applied_role(self, tmp_path: Path) -> None:
        shutil.copy(ROOT / "reasoning.yaml", tmp_path / "reasoning.yaml")
        manifest = load(tmp_path / "reasoning.yaml")
        apply(manifest)
        with open_target(manifest) as target:
            assert target.base_url.startswith("http://127.0.0.1:")
            answer = chat(target, "planning", "User: what is the weather in Berlin?")
            assert answer.status_code == 200, answer.text
            assert answer.json()["model"].endswith("quickstart-planning")
            assert "<response>" in answer.json()["choices"][0]["message"]["content"]
            assert chat(target, "coding", "write fizzbuzz").status_code == 400  # disabled: not running

    def test_the_served_simulator_shares_its_world_with_cli_runs(self, tmp_path: Path) -> None:
        path = tmp_path / "reasoning.yaml"
        shutil.copy(ROOT / "reasoning.yaml", path)
        apply(load(path))
        with open_target(load(path)) as target:
            assert chat(target, "coding", "write fizzbuzz").status_code == 400
            path.write_text(path.read_text().replace("    enabled: false", "    enabled: true"))
            apply(load(path))  # another run, through the state file, while this one serves it
            answer = chat(target, "coding", "write fizzbuzz in python")
            assert answer.status_code == 200, answer.text
            assert answer.json()["choices"][0]["message"]["content"]


class TestCircuitBreaker:
    def test_five_failures_within_the_window_open_it(self, frozen: FakeClock) -> None:
        breaker = CircuitBreaker()
        for _ in range(4):
            breaker.record_failure()
            frozen.tick(timedelta(seconds=5))
        assert breaker.allow() and breaker.state == "closed"
        breaker.record_failure()
        assert breaker.state == "open"
        assert not breaker.allow()
        assert breaker.blocked()
        assert breaker.reason == "circuit open (5 failures in 30s)"

    def test_failures_spread_beyond_the_window_keep_it_closed(self, frozen: FakeClock) -> None:
        breaker = CircuitBreaker(failures=5, window=30)
        for _ in range(10):
            breaker.record_failure()
            frozen.tick(timedelta(seconds=8))  # never more than 4 inside 30 s
        assert breaker.state == "closed"

    def test_after_the_reset_one_trial_goes_through_and_its_success_closes_it(self, frozen: FakeClock) -> None:
        breaker = opened()
        frozen.tick(timedelta(seconds=29))
        assert not breaker.allow()
        frozen.tick(timedelta(seconds=1))
        assert not breaker.blocked()  # looking does not take the trial
        assert breaker.allow()
        assert breaker.state == "half-open"
        assert not breaker.allow()  # one trial at a time
        assert breaker.blocked()
        breaker.record_success()
        assert breaker.state == "closed"
        assert breaker.allow() and breaker.allow()

    def test_a_failed_trial_opens_it_for_another_reset(self, frozen: FakeClock) -> None:
        breaker = opened()
        frozen.tick(timedelta(seconds=30))
        assert breaker.allow()
        breaker.record_failure()
        assert breaker.state == "open"
        frozen.tick(timedelta(seconds=29))
        assert not breaker.allow()
        frozen.tick(timedelta(seconds=1))
        assert breaker.allow()

    def test_a_trial_that_never_reports_back_is_given_up_after_the_reset(self, frozen: FakeClock) -> None:
        breaker = opened()
        frozen.tick(timedelta(seconds=30))
        assert breaker.allow()
        frozen.tick(timedelta(seconds=30))
        assert breaker.allow()  # the first trial was lost; another one goes

    def test_late_failures_of_requests_let_through_earlier_do_not_extend_it(self, frozen: FakeClock) -> None:
        breaker = opened()
        frozen.tick(timedelta(seconds=20))
        breaker.record_failure()
        frozen.tick(timedelta(seconds=10))
        assert breaker.allow()

    def test_refuses_nonsense_settings(self) -> None:
        with pytest.raises(ValueError, match="failures must be at least 1"):
            CircuitBreaker(failures=0)


def opened() -> CircuitBreaker:
    breaker = CircuitBreaker(failures=5, window=30, reset=30)
    for _ in range(5):
        breaker.record_failure()
    assert breaker.state == "open"
    return breaker


class TestAvailability:
    @pytest.fixture
    def store(self, store_url: str) -> Iterator[Store]:
        with Store(store_url) as opened_store:
            yield opened_store

    def test_says_why_a_role_cannot_serve(self, tmp_path: Path, store: Store) -> None:
        availability = Availability(write(tmp_path), store)
        assert availability.check("planning") == "applied state not read yet"
        assert availability.refresh()
        assert availability.check("planning") == "not applied yet"
        assert availability.check("coding") == "disabled in manifest"
        assert availability.check("nobody") == "no role nobody in the manifest"

        store.record_applied("demo", applied("planning"))
        assert availability.check("planning") == "not applied yet"  # the store is not read per request
        assert availability.refresh()
        assert availability.check("planning") is None

        store.record_applied("demo", applied("planning", replicas=0))  # a policy stop: scaled to 0/0
        availability.refresh()
        assert availability.check("planning") == "stopped"
        store.record_applied("demo", applied("planning", enabled=False))
        availability.refresh()
        assert availability.check("planning") == "stopped"

    def test_an_open_circuit_is_a_reason_until_its_reset(self, tmp_path: Path, store: Store, frozen: FakeClock) -> None:
        store.record_applied("demo", applied("planning"))
        availability = Availability(write(tmp_path), store, failures=3, window=10, reset=60)
        availability.refresh()
        for _ in range(3):
            availability.record_failure("planning")
        assert availability.check("planning") == "circuit open (3 failures in 10s)"
        frozen.tick(timedelta(seconds=60))
        assert availability.check("planning") is None
        assert availability.breaker("planning").allow()  # the caller takes the trial
        availability.record_success("planning")
        assert availability.breaker("planning").state == "closed"

    def test_a_failed_read_keeps_the_last_state(self, tmp_path: Path) -> None:
        with Store(f"sqlite:///{tmp_path}/state.db") as store:
            store.record_applied("demo", applied("planning"))
            availability = Availability(write(tmp_path), store)
            assert availability.refresh()
            with store.engine.begin() as connection:
                connection.execute(text("DROP TABLE applied_roles"))
            assert not availability.refresh()
            assert availability.check("planning") is None

    def test_the_refresher_reads_at_once_and_close_stops_its_thread(self, tmp_path: Path, store: Store) -> None:
        store.record_applied("demo", applied("planning"))
        availability = Availability(write(tmp_path), store)
        refresher = Refresher([availability.refresh], 3600, name="reasoning-availability").start()
        try:
            assert availability.check("planning") is None
            assert any(t.name == "reasoning-availability" for t in threading.enumerate())
        finally:
            refresher.close()
        assert not any(t.name == "reasoning-availability" for t in threading.enumerate())

    def test_an_applied_quickstart_is_available_where_the_manifest_enables_it(self, tmp_path: Path) -> None:
        shutil.copy(ROOT / "reasoning.yaml", tmp_path / "reasoning.yaml")
        manifest = load(tmp_path / "reasoning.yaml")
        apply(manifest)
        with open_store(store_url(manifest), manifest.path(".")) as store:
            availability = Availability(manifest, store)
            availability.refresh()
            assert {role: availability.check(role) for role in manifest.models} == {
                "should_respond": None,
                "planning": None,
                "coding": "disabled in manifest",
            }
