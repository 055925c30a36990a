"""`kill -9` of `reasoning apply` (and `destroy`) at any moment: the next run proceeds at once,
converges, and every role is served (or, for destroy, everything is gone).

The moment is a provider call, not a time: the served simulator counts the calls `reasoning`
makes and, at the call a seeded RNG picked, SIGKILLs the process, either before carrying the
call out or after (its answer then never arrives). The count a whole run makes is measured
first, so every draw lands inside the run. Deployments provision and stop at once
(`provision_seconds` etc. 0), so the killed process never waits on time and nothing here
depends on the machine's speed.

The dead process holds the project's lock. Taking over a lock whose holder is a dead process on
the same host belongs to the store's lock (issue 10 item 5, built on another branch); until it is
here, `release_dead_lock` removes such a lock through the store's API after checking that its
holder's pid is gone, which is exactly the condition that take-over will test.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from controlplane import api
from controlplane.manifest import Manifest
from controlplane.provider.simulator import MemoryWorld, Settings, Simulator
from controlplane.provider.simulator.protocol import SimResponse
from controlplane.provider.simulator.server import SimulatorApp
from controlplane.store import open_for
from tests.apply.served import served_roles
from tests.support.project import copy_quickstart, edit
from tests.support.served import ServedASGI

KILLS = 30
SCENARIOS = ("create", "replace", "destroy")
INSTANT = Settings(provision_seconds=0, stop_seconds=0, scale_seconds=0)
ROLES = {"planning": True, "should_respond": True}
KEY_ENV = "REASONING_TEST_TOGETHER_KEY"


class KillingSimulator(Simulator):
    """Together, counting the calls to its API; at call `at`, SIGKILLs `victim`."""

    def __init__(self) -> None:
        super().__init__(MemoryWorld())
        self.lock = threading.Lock()
        self.calls = 0
        self.at: int | None = None
        self.after = False
        self.victim: subprocess.Popen[bytes] | None = None

    def arm(self, at: int | None, *, after: bool = False, victim: subprocess.Popen[bytes] | None = None) -> None:
        with self.lock:
            self.calls, self.at, self.after, self.victim = 0, at, after, victim

    def handle(
        self, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], body: bytes
    ) -> SimResponse:
        if path.startswith("/_simulator/"):
            return super().handle(method, path, query, headers, body)
        with self.lock:
            self.calls += 1
            strike = self.calls == self.at
        if strike and not self.after:
            self._kill()
            return SimResponse(499, {}, b"", drop="reset")
        answer = super().handle(method, path, query, headers, body)
        if strike:
            self._kill()
        return answer

    def _kill(self) -> None:
        if self.victim is None:  # waiting for the child to start: armed before it was spawned
            return
        os.kill(self.victim.pid, signal.SIGKILL)
        self.victim.wait()


@pytest.fixture(scope="module")
def killer() -> Iterator[tuple[KillingSimulator, str]]:
    simulator = KillingSimulator()
    with ServedASGI(SimulatorApp(simulator)) as served:
        yield simulator, served.base_url


def project(directory: Path, base_url: str) -> Path:
    directory.mkdir()
    path = copy_quickstart(directory)
    provider = (
        f"  type: together\n  base_url: {base_url}\n  api_key_env: {KEY_ENV}\n  timeout_seconds: 30\n  max_retries: 0\n"
    )
    edit(path, "  type: simulator\n", provider)
    # The child runs on the machine's clock: no policy rule that depends on the hour or on idleness.
    edit(path, '    shutdown_windows:\n      - {cron: "0 22 * * *", duration: 10h, timezone: Europe/Berlin}\n', "")
    edit(path, "idle_shutdown_minutes: 30", "idle_shutdown_minutes: 0", count=2)
    return path


def replaced(path: Path) -> None:
    """planning moves to other hardware: a blue/green replace and the old deployment retired."""
    edit(path, "hardware: 1x_nvidia_h100_80gb_sxm\n    replicas: {min: 1, max: 2}",
         "hardware: 1x_nvidia_h200_140gb_sxm\n    replicas: {min: 1, max: 2}")  # fmt: skip


def prepare(scenario: str, path: Path) -> Manifest:
    """The world before the run that will be killed: nothing for a create, the quickstart applied
    for a replace (then the manifest edited) and for a destroy."""
    if scenario != "create":
        api.apply(api.load(path))
    if scenario == "replace":
        replaced(path)
    return api.load(path)


def command(scenario: str, path: Path) -> list[str]:
    verb = "destroy" if scenario == "destroy" else "apply"
    return [sys.executable, "-c", "from controlplane.cli import main; main()", verb, "-f", str(path), "--auto-approve"]


def finish(scenario: str, manifest: Manifest) -> None:
    if scenario == "destroy":
        api.destroy(manifest)
    else:
        api.apply(manifest)


def release_dead_lock(manifest: Manifest) -> bool:
    """Remove the project's lock if its holder (`user@host pid N #id`) is a dead process here."""
    with open_for(manifest) as store:
        held = store.lock(manifest.project)
        if held is None:
            return False
        pid = int(re.search(r" pid (\d+) ", held.owner).group(1))  # type: ignore[union-attr]
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            store.release_lock(manifest.project, held.owner)
            return True
        raise AssertionError(f"the lock's holder {held.owner} is alive")


class TestKillNine:
    def test_thirty_kills_at_seeded_moments_each_followed_by_a_run_that_converges(
        self, killer: tuple[KillingSimulator, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        simulator, base_url = killer
        monkeypatch.setenv(KEY_ENV, "sim-test-key")
        rng = random.Random(20261202)
        # how many provider calls a whole run of each scenario makes (the same code in process)
        length: dict[str, int] = {}
        for scenario in SCENARIOS:
            with simulator.world() as world:
                world.reset(INSTANT)
            manifest = prepare(scenario, project(tmp_path / f"measure-{scenario}", base_url))
            simulator.arm(None)
            finish(scenario, manifest)
            length[scenario] = simulator.calls
        stale_locks: Counter[str] = Counter()
        for kill in range(KILLS):
            scenario = SCENARIOS[kill % len(SCENARIOS)]
            with simulator.world() as world:
                world.reset(INSTANT)
            path = project(tmp_path / f"kill-{kill}", base_url)
            manifest = prepare(scenario, path)
            at, after = rng.randint(1, length[scenario]), rng.random() < 0.5
            simulator.arm(at, after=after)
            child = subprocess.Popen(command(scenario, path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            simulator.arm(at, after=after, victim=child)
            assert child.wait(timeout=120) == -signal.SIGKILL, f"kill {kill}: {scenario} was not killed at call {at}"
            if release_dead_lock(manifest):
                stale_locks[scenario] += 1
            simulator.arm(None)
            finish(scenario, manifest)  # at once: no lock wait, no error
            where = f"kill {kill} ({scenario}, call {at} of {length[scenario]}, {'after' if after else 'before'})"
            if scenario == "destroy":
                with simulator.world() as world:
                    assert world.endpoints == {} and world.deployments == {}, where
                assert api.status(manifest).roles and all(r.state == "ABSENT" for r in api.status(manifest).roles)
                continue
            assert not api.plan(manifest).has_changes, where
            assert served_roles(manifest) == ROLES, where
            with simulator.world() as world:
                hardware = {d.instance_type for d in world.deployments.values()}
            assert len(hardware) == (2 if scenario == "replace" else 1), where  # the old one retired
        print(f"calls per run {length}; dead holders' locks released {dict(stale_locks)}")
