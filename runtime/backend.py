"""Where the custom models answer, and whether a role may be asked right now.

`open_target(manifest)` gives the `InferenceTarget` for the process's lifetime: Together's
OpenAI-compatible `POST {base_url}/v1/chat/completions` with the key from the environment, or,
on the simulator, a served simulator: the one at `provider.base_url` (`reasoning simulator
serve`), else one this process starts on a loopback port over the manifest's state file, the
same world file that `reasoning apply` and `reconcile` read and write, so the endpoints they
create are the ones answering here. A role's model is its endpoint name (`model_for`).

`Availability` answers "can this role take a request now?" without touching the store on the
request path: the applied state (what apply and reconcile left: enabled, not stopped) is read by
a thread every few seconds, and each role has a `CircuitBreaker` fed by the callers' successes
and failures. Reasons are short phrases for `x-reasoning-reason`: `disabled in manifest`,
`stopped`, `not applied yet`, `circuit open (5 failures in 30s)`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from controlplane import clock
from controlplane.errors import SecretMissing
from controlplane.manifest import Manifest, endpoint_name
from controlplane.store import Store
from controlplane.values import AppliedRole
from runtime.refresher import Refresher

log = logging.getLogger(__name__)

#: What the simulator takes as a key: it checks that one is sent, not which.
SIMULATOR_KEY = "simulator"


@dataclass(frozen=True)
class InferenceTarget:
    """Where chat completions for this project's roles go, and the headers that authenticate.

    The headers hold the provider's key: they are left out of `repr`, so a log line or a
    traceback that shows a target does not show the key."""

    base_url: str
    project: str
    headers: Mapping[str, str] = field(repr=False)

    @property
    def chat_url(self) -> str:
        return f"{self.base_url}/v1/chat/completions"

    def model_for(self, role: str) -> str:
        """The `model` a chat request for `role` names: the role's endpoint, `<project>-<role>`."""
        return endpoint_name(self.project, role)


def model_for(manifest: Manifest, role: str) -> str:
    return manifest.endpoint_name(role)


@contextmanager
def open_target(manifest: Manifest) -> Iterator[InferenceTarget]:
    """The inference target for as long as the block runs (a simulator started for it stops
    at the end). Raises `SecretMissing` when Together's key is not in the environment."""
    provider = manifest.provider
    if provider.type == "together":
        key = os.environ.get(provider.api_key_env)
        if not key:
            raise SecretMissing(
                f"{provider.api_key_env} is not set (provider.api_key_env, {manifest.where('provider')})",
                hint=f"export {provider.api_key_env}=<your Together API key>",
            )
        yield InferenceTarget(provider.base_url, manifest.project, {"Authorization": f"Bearer {key}"})
        return
    headers = {"Authorization": f"Bearer {SIMULATOR_KEY}"}
    if provider.base_url is not None:
        yield InferenceTarget(provider.base_url, manifest.project, headers)
        return
    from controlplane.provider.simulator.server import ServedSimulator

    state = manifest.path(provider.state_file)
    with ServedSimulator(state, provision_seconds=provider.provision_seconds) as served:
        log.info("simulator for %s serving %s on %s", manifest.project, state, served.base_url)
        yield InferenceTarget(served.base_url, manifest.project, headers)


BreakerState = Literal["closed", "open", "half-open"]


class CircuitBreaker:
    """Stop asking a failing model for a while.

    Closed: requests go through; `failures` failures within `window` seconds open it. Open: no
    requests for `reset` seconds; then the first `allow()` gets the one trial request
    (half-open), whose success closes the circuit and whose failure opens it again. A trial that
    never reports back is given up after `reset` seconds and another is allowed. Time is
    `clock.now()`; a lock makes it safe from threads and the event loop alike.
    """

    def __init__(self, failures: int = 5, window: float = 30.0, reset: float = 30.0) -> None:
        if failures < 1 or window <= 0 or reset <= 0:
            raise ValueError("failures must be at least 1, window and reset above 0 seconds")
        self.failures = failures
        self.window = timedelta(seconds=window)
        self.reset = timedelta(seconds=reset)
        self._lock = threading.Lock()
        self._recent: deque[datetime] = deque()
        self._state: BreakerState = "closed"
        self._since = clock.now()  # when it opened, or when the trial began

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state

    @property
    def reason(self) -> str:
        return f"circuit open ({self.failures} failures in {_seconds(self.window)})"

    def blocked(self) -> bool:
        """Whether `allow()` would say no now, without taking the half-open trial."""
        with self._lock:
            return self._state != "closed" and clock.now() < self._since + self.reset

    def allow(self) -> bool:
        """May a request go to the model now? In half-open, True once: the trial request."""
        now = clock.now()
        with self._lock:
            if self._state == "closed":
                return True
            if now < self._since + self.reset:
                return False  # open, or a trial is in flight
            self._state, self._since = "half-open", now
            return True

    def record_success(self) -> None:
        with self._lock:
            if self._state != "closed":
                self._state = "closed"
                self._recent.clear()

    def record_failure(self) -> None:
        now = clock.now()
        with self._lock:
            if self._state == "half-open":
                self._state, self._since = "open", now
                return
            if self._state == "open":
                return  # a request let through before it opened: the clock already runs
            self._recent.append(now)
            while self._recent and self._recent[0] <= now - self.window:
                self._recent.popleft()
            if len(self._recent) >= self.failures:
                self._state, self._since = "open", now
                self._recent.clear()


def _seconds(span: timedelta) -> str:
    seconds = span.total_seconds()
    return f"{seconds:g}s"


class Availability(Refresher):
    """Whether each role can serve now: manifest, applied state (read in the background) and
    its circuit breaker. Use `start()` (reads once, then every `refresh_seconds`) and `close()`.
    """

    thread_name = "reasoning-availability"

    def __init__(
        self,
        manifest: Manifest,
        store: Store,
        *,
        refresh_seconds: float = 5.0,
        failures: int = 5,
        window: float = 30.0,
        reset: float = 30.0,
    ) -> None:
        self.manifest = manifest
        self.store = store
        super().__init__(refresh_seconds)
        self.breakers = {role: CircuitBreaker(failures, window, reset) for role in manifest.models}
        self._applied: dict[str, AppliedRole] | None = None

    def check(self, role: str) -> str | None:
        """None when `role` can take a request now, else why not.

        The circuit is only looked at here: a caller about to call the model then takes its
        turn with `breaker(role).allow()`, which in half-open admits the one trial request."""
        spec = self.manifest.models.get(role)
        if spec is None:
            return f"no role {role} in the manifest"
        if not spec.enabled:
            return "disabled in manifest"
        applied = self._applied  # replaced whole by refresh(): reading it needs no lock
        if applied is None:
            return "applied state not read yet"
        state = applied.get(role)
        if state is None:
            return "not applied yet"
        if not state.enabled or state.spec.stopped:
            return "stopped"
        breaker = self.breakers[role]
        if breaker.blocked():
            return breaker.reason
        return None

    def breaker(self, role: str) -> CircuitBreaker:
        return self.breakers[role]

    def record_success(self, role: str) -> None:
        if role in self.breakers:
            self.breakers[role].record_success()

    def record_failure(self, role: str) -> None:
        if role in self.breakers:
            self.breakers[role].record_failure()

    def refresh(self) -> bool:
        """Read the applied state now; False (and the last state kept) if the store failed."""
        try:
            self._applied = self.store.applied(self.manifest.project)
        except Exception as error:  # keep serving on what we knew; the next read may succeed
            log.warning("availability: could not read the applied state (%s: %s)", type(error).__name__, error)
            return False
        return True
