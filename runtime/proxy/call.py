"""One request as the handlers see it, and what is recorded when it is answered.

`Call` carries the parsed request and its timing from the app to whichever handler answers it
(custom model, relay to an upstream), so each records the same way: `finish` writes metrics, and
for a request routed to a role hands a `Usage` (and, when samples are collected, a `Sample`) to
the recorder, which batches them off the request path. Requests no rule routed are the
upstream's business: counted in metrics, not recorded.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from starlette.types import Scope, Send

from controlplane.store import Sample, Usage
from runtime.proxy.asgi import Headers
from runtime.proxy.errors import Api

Outcome = Literal["ok", "fallback", "error"]


@dataclass
class Call:
    api: Api
    project: str
    scope: Scope
    send: Send
    headers: Headers
    raw: bytes
    body: dict[str, Any]
    at: datetime
    started: float  # loop time
    role: str | None = None  # the role routing chose, if any
    reason: str = ""  # why: the rule that matched
    score: float | None = None  # the content classifier's score, when it ran
    first_byte: float | None = None  # loop time of the first body byte sent
    prompt: dict[str, Any] | None = None  # the request in the role's (chat-completions) format
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream") is True)

    @property
    def url_path(self) -> str:
        query: bytes = self.scope.get("query_string", b"")
        path: str = self.scope["path"]
        return path + ("?" + query.decode("latin-1") if query else "")

    def mark_first_byte(self) -> None:
        if self.first_byte is None:
            self.first_byte = asyncio.get_running_loop().time()

    def usage(
        self, outcome: Outcome, reason: str | None, input_tokens: int, output_tokens: int, cost_usd: float
    ) -> Usage:
        assert self.role is not None
        elapsed = asyncio.get_running_loop().time() - self.started
        return Usage(
            project=self.project,
            role=self.role,
            at=self.at,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_ms=round(elapsed * 1000, 3),
            cost_usd=cost_usd,
            outcome=outcome,
            reason=reason,
        )

    def sample(self, source: Literal["custom", "fallback"], answer: str) -> Sample:
        assert self.role is not None
        return Sample(
            project=self.project,
            role=self.role,
            at=self.at,
            source=source,
            prompt=self.prompt if self.prompt is not None else self.body,
            answer=answer,
            meta={"api": self.api, "requested_model": self.body.get("model"), **self.meta},
        )
