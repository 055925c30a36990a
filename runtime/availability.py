"""Whether a role can take a request now, without touching the store on the request path.

The applied state (what apply and reconcile left: enabled, not stopped) is read by `refresh()`,
which the runtime's one refresher calls every few seconds off the request path; each role also has
a `CircuitBreaker`. `check(role)` says None, or why not in a short phrase for `x-reasoning-reason`:
`disabled in manifest`, `stopped`, `not applied yet`, `circuit open (5 failures in 30s)`.
"""

from __future__ import annotations

import logging

from controlplane.manifest import Manifest
from controlplane.store import Store
from controlplane.values import AppliedRole
from runtime.breaker import CircuitBreaker

log = logging.getLogger(__name__)


class Availability:
    """Whether each role can serve now: manifest, applied state (as of the last `refresh()`) and
    its circuit breaker (`failures` within `window` seconds open it for `reset` seconds)."""

    def __init__(
        self,
        manifest: Manifest,
        store: Store,
        *,
        failures: int = 5,
        window: float = 30.0,
        reset: float = 30.0,
    ) -> None:
        self.manifest = manifest
        self.store = store
        self.breakers = {role: CircuitBreaker(failures, window, reset) for role in manifest.models}
        self._applied: dict[str, AppliedRole] | None = None

    @classmethod
    def from_manifest(cls, manifest: Manifest, store: Store) -> Availability:
        """With the breakers the manifest's `proxy.circuit` sets, for the proxy and the hooks alike."""
        circuit = manifest.proxy.circuit
        return cls(
            manifest, store, failures=circuit.failures, window=circuit.window_seconds, reset=circuit.open_seconds
        )

    def check(self, role: str) -> str | None:
        """None when `role` can take a request now, else why not.

        The circuit is only looked at here: the gate then takes the request's turn with
        `breaker(role).allow()`, which in half-open admits the one trial request."""
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

    def revision(self, role: str) -> str | None:
        """The model revision `role` serves as last applied (what a custom sample names), if known."""
        state = (self._applied or {}).get(role)
        return state.spec.model if state is not None else None

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
