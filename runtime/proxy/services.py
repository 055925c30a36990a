"""What the proxy's handlers use from the rest of the runtime, wired once per server.

    routing.Router        which role a request goes to, and why
    backend               the custom models' endpoint (InferenceTarget), each role's
                          availability (applied, enabled, not stopped), a circuit breaker per role
    budget.BudgetGuard    reserve an estimate before a call, settle with the real cost after
    recorder.Recorder     usage and samples, batched and redacted on its own thread

The request path never touches the store: availability and the budget's baseline (what the
store says was spent this period) are refreshed in a worker thread every `refresh_seconds`, and
the handlers read the last snapshot; the recorder writes from its own thread. `refresh()` is
public so tests (and an operator's signal, one day) need not wait for the next tick.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import ExitStack, suppress
from typing import Any

from controlplane.manifest import Manifest
from controlplane.store import Store
from runtime.backend import CircuitBreaker
from runtime.budget import OverBudget, Reservation
from runtime.proxy.answers import Answer
from runtime.proxy.asgi import Headers
from runtime.proxy.call import Call, Outcome
from runtime.proxy.errors import Api
from runtime.proxy.metrics import Metrics
from runtime.proxy.security import Guard
from runtime.proxy.upstream import Client

log = logging.getLogger(__name__)

REFRESH_SECONDS = 5.0


class Services:
    def __init__(
        self,
        manifest: Manifest,
        store: Store,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
        drain_seconds: float = 30.0,
        router: Any = None,
    ) -> None:
        from runtime.backend import Availability, open_target
        from runtime.budget import BudgetGuard, ledger_spend
        from runtime.recorder import Recorder
        from runtime.redact import Redactor

        self.manifest = manifest
        self.project = manifest.project
        self.settings = manifest.proxy
        self.store = store
        self.refresh_seconds = refresh_seconds
        self.drain_seconds = drain_seconds
        self.guard = Guard.from_manifest(manifest)
        self.client = Client(manifest.proxy)
        self._owned = ExitStack()
        try:
            if router is None:
                from runtime.routing import Router

                router = Router(manifest)
            self.router = router
            self.target = self._owned.enter_context(open_target(manifest))
            circuit = manifest.proxy.circuit
            self.availability = Availability(
                manifest,
                store,
                refresh_seconds=refresh_seconds,
                failures=circuit.failures,
                window=circuit.window_seconds,
                reset=circuit.open_seconds,
            )
            self.recorder = Recorder(
                store,
                manifest.project,
                Redactor(manifest.training_data.redact),
                collect_samples=manifest.training_data.collect,
            )
            self._owned.callback(self.recorder.close, drain_seconds)
            self.budget = BudgetGuard(
                manifest, ledger_spend(store, manifest), written_through=self.recorder.written_through
            )
        except BaseException:
            self._owned.close()
            raise
        self.metrics = Metrics(self.budget_remaining, self._recorder_stats)
        #: requests being handled, recording included (a client may have its answer before then)
        self.inflight = 0
        self._refresher: asyncio.Task[None] | None = None

    # -- lifecycle: in the server's event loop ----------------------------------------------

    async def start(self) -> None:
        await self.client.start()
        await asyncio.to_thread(self.refresh)
        self._refresher = asyncio.create_task(self._refresh_forever())

    async def stop(self) -> None:
        """After the last request: stop refreshing, close the pool, drain the recorder."""
        if self._refresher is not None:
            self._refresher.cancel()
            with suppress(asyncio.CancelledError):
                await self._refresher
        await self.client.close()
        await asyncio.to_thread(self.close)

    def close(self) -> None:
        """Drain the recorder (at most `drain_seconds`) and stop what was started; idempotent."""
        self._owned.close()

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_seconds)
            try:
                await asyncio.to_thread(self.refresh)
            except Exception as error:  # keep serving on the last snapshot; say why once per tick
                log.warning("proxy: refreshing availability and budget failed: %s", error)

    def refresh(self) -> None:
        """Read the store: each role's availability, and the budget's baseline. Worker thread."""
        self.availability.refresh()
        self.budget.refresh()

    # -- decisions ------------------------------------------------------------------------

    def route(self, api: Api, body: dict[str, Any], headers: Headers) -> tuple[str | None, str, float | None]:
        lowered = {name.decode("latin-1"): value.decode("latin-1") for name, value in headers}
        route = self.router.route(api, body, lowered)
        return route.role, route.reason, route.score

    def unavailable(self, role: str) -> str | None:
        """Why `role` cannot answer now (disabled, stopped, not applied, circuit open): the
        applied state of the last refresh, and the role's circuit."""
        return self.availability.check(role)

    def breaker(self, role: str) -> CircuitBreaker:
        return self.availability.breaker(role)

    def model_for(self, role: str) -> str:
        return self.target.model_for(role)

    def custom_endpoint(self) -> tuple[str, list[tuple[str, str]]]:
        return self.target.chat_url, [("content-type", "application/json"), *self.target.headers.items()]

    # -- budget -------------------------------------------------------------------------------

    def reserve(self, role: str, input_tokens: int, max_output_tokens: int) -> Reservation | OverBudget:
        return self.budget.reserve(role, self.budget.estimate_cost(role, input_tokens, max_output_tokens))

    def release(self, reservation: Reservation) -> None:
        self.budget.release(reservation)

    def budget_remaining(self) -> dict[str, float | None]:
        return self.budget.remaining()

    def _recorder_stats(self) -> tuple[int, int]:
        stats = self.recorder.stats()
        return stats.queued, stats.dropped_usage + stats.dropped_samples

    # -- when a request is answered ----------------------------------------------------------

    def finish(
        self, call: Call, outcome: Outcome, *, fallback: str | None = None, answer: Answer | None = None
    ) -> None:
        """A relayed request: metrics, and for a routed one its usage (no cost: the upstream's
        bill is not the role's) and the upstream's answer as a sample."""
        loop = asyncio.get_running_loop()
        label = outcome if call.role is not None else ("upstream" if outcome != "error" else "error")
        first = call.first_byte - call.started if call.first_byte is not None else None
        self.metrics.observe(
            call.api, call.role or "none", label, seconds=loop.time() - call.started, first_byte=first,
            fallback=_category(fallback) if fallback else None,
        )  # fmt: skip
        if call.role is None:
            return
        answer = answer or Answer()
        usage = call.usage(outcome, fallback or call.reason, answer.input_tokens, answer.output_tokens, 0.0)
        sample = None
        if outcome != "error" and (answer.text or answer.tool_calls):
            sample = call.sample("fallback", answer.sample_text())
        self.recorder.record(usage, sample)

    def finish_custom(self, call: Call, reservation: Reservation, answer: Answer, *, failure: str | None) -> None:
        """A request the custom model answered (or broke off): record, settle, count."""
        assert call.role is not None
        cost = self.budget.cost(call.role, answer.input_tokens, answer.output_tokens)
        loop = asyncio.get_running_loop()
        first = call.first_byte - call.started if call.first_byte is not None else None
        outcome: Outcome = "ok" if failure is None else "error"
        self.metrics.observe(call.api, call.role, outcome, seconds=loop.time() - call.started, first_byte=first)
        self.metrics.used(call.role, answer.input_tokens, answer.output_tokens, cost)
        usage = call.usage(outcome, failure or call.reason, answer.input_tokens, answer.output_tokens, cost)
        sample = call.sample("custom", answer.sample_text()) if failure is None else None
        # the ticket tells the guard when the store's baseline holds this cost, so it counts once
        self.budget.settle(reservation, cost, ticket=self.recorder.record(usage, sample))


def _category(reason: str) -> str:
    """A fallback reason as a metric label: its fixed words, without figures that vary."""
    return reason.split(":")[0].split(" (")[0]
