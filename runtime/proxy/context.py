"""What the proxy's handlers reach, wired once per server: the runtime's services (gate, router,
target, recorder: `runtime.services`) and the proxy's own parts.

    guard      who may use the proxy, and whose credentials go upstream (`security`)
    pool       the keep-alive connections, to the custom models and the upstreams (`upstream`)
    metrics    what /metrics says (`metrics`)
    access     the access log, a line per request (`access`)
    inflight   requests being handled, recording included

Lifespan start-up (`start`) opens the pool in the server's loop and starts the runtime's refresher;
shutdown (`stop`), after uvicorn finished the requests in flight, closes both and drains the
recorder, so nothing answered goes unrecorded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from typing import Any

from controlplane import clock
from controlplane.manifest import Manifest
from controlplane.manifest.schema import normalize_role
from controlplane.values import Outcome
from runtime import decisions
from runtime.proxy.access import AccessLog
from runtime.proxy.asgi import Headers
from runtime.proxy.exchange import Exchange
from runtime.proxy.metrics import Metrics
from runtime.proxy.security import Guard
from runtime.proxy.upstream import Origin, Pool, origin_of
from runtime.recorder import RecorderStats
from runtime.services import RuntimeServices
from runtime.wire import Answer, Api


class ProxyContext:
    def __init__(
        self, manifest: Manifest, services: RuntimeServices, guard: Guard, *, access_log: str | None = None
    ) -> None:
        self.manifest = manifest
        self.project = manifest.project
        self.settings = manifest.proxy
        self.services = services
        self.gate = services.gate
        self.router = services.router
        self.guard = guard
        #: each API's upstream base, without a trailing `/` or `/v1` (the client's path has it)
        self.upstreams: dict[Api, str | None] = {
            "anthropic": upstream_base(self.settings.anthropic_upstream),
            "openai": upstream_base(self.settings.openai_upstream),
        }
        #: the same, parsed for the pool (None where there is no upstream)
        self.origins: dict[Api, Origin | None] = {
            api: origin_of(base) if base is not None else None for api, base in self.upstreams.items()
        }
        self.pool = Pool(
            connect_timeout=self.settings.connect_timeout_seconds, read_timeout=self.settings.read_timeout_seconds
        )
        budget = services.budget
        self.metrics = Metrics(budget.remaining, self._recorder_stats, self._shadow_stats, lambda: budget.waiting)
        self.access = AccessLog(access_log or self.settings.access_log)
        #: what `x-reasoning-role` may say: a role or `upstream` (as the router normalises them),
        #: or a routing rule's header label
        self.role_values = frozenset({"upstream", *(normalize_role(m.lower()) for m in manifest.models)})
        self.role_labels = frozenset(r.when.header for r in self.settings.routing if r.when.header)
        #: requests being handled, recording included (a client may have its answer before then)
        self.inflight = 0
        self._custom: tuple[Origin, str, Headers] | None = None

    # -- lifecycle: in the server's event loop ----------------------------------------------

    async def start(self) -> None:
        await asyncio.to_thread(self.services.start)

    async def stop(self) -> None:
        """After the last request: close the pool, stop refreshing, drain the recorder."""
        await self.pool.close()
        await asyncio.to_thread(self.services.close)

    # -- decisions ------------------------------------------------------------------------

    def route(
        self, api: Api, body: dict[str, Any], headers: Headers | HeaderView
    ) -> tuple[str | None, str, float | None]:
        route = self.router.route(api, body, headers if isinstance(headers, HeaderView) else HeaderView(headers))
        if route.score is not None:  # the learned score decided: a decision to review and label later
            decisions.record(
                self.services.recorder.record_decision, self.project, api, body, route, clock.now(),
                self.manifest.training_data.collect,
            )  # fmt: skip
        return route.role, route.reason, route.score

    def unknown_role(self, headers: Headers) -> str | None:
        """The `x-reasoning-role` value when it names nothing this proxy knows, else None."""
        for name, value in headers:
            if name == b"x-reasoning-role":
                text = value.decode("latin-1").strip()
                if text and normalize_role(text.lower()) not in self.role_values and text not in self.role_labels:
                    return text
        return None

    def unavailable(self, role: str) -> str | None:
        """Why `role` cannot answer now, as the gate's first check sees it (for a dry run)."""
        return self.services.availability.check(role)

    def model_for(self, role: str) -> str:
        return self.services.target.model_for(role)

    def custom_endpoint(self) -> tuple[Origin, str, Headers]:
        """Where chat completions for the roles go: the origin, the target and the headers."""
        if self._custom is None:
            target = self.services.target
            origin = origin_of(target.base_url)
            headers = [(b"content-type", b"application/json")]
            headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in target.headers.items()]
            self._custom = (origin, "/v1/chat/completions", headers)
        return self._custom

    # -- when a request is answered ----------------------------------------------------------

    def observe(self, exchange: Exchange, outcome: str, *, fallback: str | None = None) -> None:
        """The request in /metrics: its outcome, how long it took, and to its first byte."""
        now = clock.monotonic()
        first = exchange.first_byte - exchange.started if exchange.first_byte is not None else None
        self.metrics.observe(
            exchange.api, exchange.role or "none", outcome, seconds=now - exchange.started, first_byte=first,
            fallback=_category(fallback) if fallback else None,
        )  # fmt: skip

    def finish(
        self, exchange: Exchange, outcome: Outcome, *, fallback: str | None = None, answer: Answer | None = None
    ) -> None:
        """A relayed request: metrics, and for a routed one its usage (no cost: the upstream's
        bill is not the role's) and the upstream's answer as a sample."""
        label = outcome if exchange.role is not None else ("upstream" if outcome != "error" else "error")
        self.observe(exchange, label, fallback=fallback)
        if exchange.role is None:
            return
        answer = answer or Answer()
        usage = exchange.usage(outcome, fallback or exchange.reason, answer.input_tokens, answer.output_tokens, 0.0)
        sample = None
        if outcome != "error" and (answer.text or answer.tool_calls):
            model = exchange.body.get("model")
            sample = exchange.sample(
                "fallback", answer.sample_text(), model=model if isinstance(model, str) else None, outcome=outcome
            )
        self.gate.record(usage, sample)

    def _shadow_stats(self) -> tuple[int, int, int, int]:
        stats = self.services.shadow.stats()
        return stats.queued, stats.dropped, stats.compared, stats.failed

    def _recorder_stats(self) -> RecorderStats:
        return self.services.recorder.stats()


class HeaderView(Mapping[str, str]):
    """A request's headers as the router reads them: by lower-case name, as text, the last of a
    repeated one (as a dict of them would hold); decoded only when asked, and the router asks for
    one or two of a request's ten or so."""

    __slots__ = ("_raw",)

    def __init__(self, headers: Headers) -> None:
        self._raw = dict(headers)  # in C: the last of a repeated name wins

    def has(self, name: bytes) -> bool:
        return name in self._raw

    def get(self, key: str, default: Any = None) -> Any:
        value = self._raw.get(key.encode("latin-1"))
        return default if value is None else value.decode("latin-1")

    def __getitem__(self, key: str) -> str:
        value = self._raw.get(key.encode("latin-1"))
        if value is None:
            raise KeyError(key)
        return value.decode("latin-1")

    def __iter__(self) -> Iterator[str]:
        return (name.decode("latin-1") for name in self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def upstream_base(url: str | None) -> str | None:
    """`url` as the base the client's path is appended to: `https://api.openai.com/v1/` (what
    people put in OPENAI_BASE_URL) and `https://api.openai.com` both give the latter."""
    if url is None:
        return None
    url = url.rstrip("/")
    return url.removesuffix("/v1")


def _category(reason: str) -> str:
    """A fallback reason as a metric label: its fixed words, without figures that vary."""
    return reason.split(":")[0].split(" (")[0]
