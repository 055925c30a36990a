"""The runtime's parts for one manifest, wired once: what the proxy and the hooks both stand on.

    target        where the custom models answer (`runtime.target`; a simulator child on the
                  simulator provider without `base_url`)
    availability  each role: enabled, applied and not stopped; a circuit breaker each
    budget        reservations against the budgets, in the store every process shares
    recorder      usage and samples, redacted, spooled to a local file, written in batches
    gate          the one way to a role's model, over the three above (`runtime.gate`)
    router        which role a request goes to, and why (the proxy asks; the hooks know the role)
    shadow        a share of a shadowed role's answered requests asked again of its candidate,
                  compared on a worker thread of its own (`runtime.shadow`)
    refresher     one thread re-reading availability and the ledger, renewing the budget's
                  reservations, every few seconds

On a request path only the budget's reservation touches the store (one short transaction, on the
budget's threads for the proxy); the refresher reads it, the recorder writes it.
"""

from __future__ import annotations

import os
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Self

from controlplane.manifest import Manifest
from controlplane.store import Store, open_for
from runtime.availability import Availability
from runtime.budget import BudgetGuard
from runtime.gate import RoleGate
from runtime.recorder import Recorder
from runtime.redact import Redactor
from runtime.refresher import Refresher
from runtime.routing import Router
from runtime.shadow import Shadow
from runtime.target import InferenceTarget, open_target

#: Where the recorder's spool files live unless the environment says otherwise: beside the manifest,
#: with the default SQLite store (`.reasoning/`). Every process on a machine may share it.
SPOOL_DIR = ".reasoning/spool"
SPOOL_ENV = "REASONING_SPOOL_DIR"


def spool_dir(manifest: Manifest) -> Path:
    """The recorder's spool directory: `$REASONING_SPOOL_DIR`, else `.reasoning/spool` beside the
    manifest."""
    configured = os.environ.get(SPOOL_ENV)
    return Path(configured) if configured else manifest.path(SPOOL_DIR)


#: How often the store is re-read for availability and the budget's baseline.
REFRESH_SECONDS = 5.0


class RuntimeServices:
    """Build with `from_manifest`; `start()` reads the store and starts the refresher; `close()`
    stops what was started here: the refresher, the recorder (drained), the target, the store."""

    def __init__(
        self,
        manifest: Manifest,
        store: Store,
        *,
        target: InferenceTarget,
        availability: Availability,
        budget: BudgetGuard,
        recorder: Recorder,
        router: Router,
        refresh_seconds: float = REFRESH_SECONDS,
        owned: ExitStack | None = None,
        shadow: Shadow | None = None,
    ) -> None:
        self.manifest = manifest
        self.store = store
        self.target = target
        self.availability = availability
        self.budget = budget
        self.recorder = recorder
        self.router = router
        self.gate = RoleGate(availability, budget, recorder)
        recorder.on_write = budget.changed  # a usage write settles reservations: waiters look again
        self.shadow = shadow or Shadow.over_http(manifest, store, target.chat_url, target.headers)
        self.gate.on_answer = self.shadow.offer
        self.refresher = Refresher([availability.refresh, budget.refresh, self.shadow.refresh], refresh_seconds)
        self._owned = owned if owned is not None else ExitStack()

    @classmethod
    def from_manifest(
        cls,
        manifest: Manifest,
        store: Store | None = None,
        *,
        target: InferenceTarget | None = None,
        availability: Availability | None = None,
        budget: BudgetGuard | None = None,
        recorder: Recorder | None = None,
        router: Router | None = None,
        refresh_seconds: float = REFRESH_SECONDS,
        drain_seconds: float = 10.0,
        shadow: Shadow | None = None,
    ) -> RuntimeServices:
        """Everything not given, made from the manifest; what is made here is closed by `close()`
        (the recorder drains for at most `drain_seconds`)."""
        with ExitStack() as owned:
            if store is None:
                store = owned.enter_context(open_for(manifest))
            if target is None:
                target = owned.enter_context(open_target(manifest))
            if recorder is None:
                recorder = Recorder(
                    store,
                    manifest.project,
                    Redactor(manifest.training_data.redact),
                    collect_samples=manifest.training_data.collect,
                    spool_dir=spool_dir(manifest),
                )
                owned.callback(recorder.close, drain_seconds)
            services = cls(
                manifest,
                store,
                target=target,
                availability=availability or Availability.from_manifest(manifest, store),
                budget=budget or owned.enter_context(closing(BudgetGuard(manifest, store))),
                recorder=recorder,
                router=router or Router(manifest),
                refresh_seconds=refresh_seconds,
                owned=owned.pop_all(),
                shadow=shadow,
            )
        return services

    def start(self) -> Self:
        """Read the store now, then every `refresh_seconds` until `close()`."""
        self.refresher.start()
        self.shadow.start()
        return self

    def refresh(self) -> bool:
        """Read the applied state, the spend and the shadows now, not at the next tick; True if all were read."""
        return self.refresher.refresh()

    def close(self) -> None:
        """Stop refreshing, drain the recorder, stop the target, close the store; idempotent."""
        self.refresher.close()
        self.shadow.close()
        self._owned.close()
