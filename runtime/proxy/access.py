"""The access log: one line per request, after its answer, on the `runtime.proxy.access` logger.

    GET /v1/models 200 upstream "not a messages call" 3.1ms              (text)
    {"method": "GET", "path": "/v1/models", "status": 200, "role": "upstream", ...}   (json)

What a line holds is what an operator needs to see a decision: the method, the path (never the
query, which can carry a key), the status, `x-reasoning-role` and `x-reasoning-reason` as the
client got them, and the milliseconds the request took, to its last byte. Never a body or a header value:
the log has no secrets to leak. A client that hung up before any answer is logged with status 499.
"""

from __future__ import annotations

import json
import logging
from typing import Literal

from runtime.proxy.asgi import header_value

log = logging.getLogger("runtime.proxy.access")

Format = Literal["text", "json", "off"]

#: nginx's word for "the client closed the connection before the answer"
CLIENT_GONE = 499


class AccessLog:
    def __init__(self, form: str) -> None:
        if form not in ("text", "json", "off"):
            raise ValueError(f"access log format {form!r}: text, json or off")
        self.form = form

    @property
    def on(self) -> bool:
        return self.form != "off"

    def line(self, method: str, path: str, status: int | None, role: bytes, reason: bytes, ms: float) -> None:
        code = CLIENT_GONE if status is None else status
        path = header_value(path).decode("latin-1")  # printable ASCII: a path cannot forge a line
        role_text, reason_text = role.decode("latin-1") or "-", reason.decode("latin-1")
        if self.form == "json":
            record = {"method": method, "path": path, "status": code, "role": role_text, "reason": reason_text,
                      "ms": round(ms, 2)}  # fmt: skip
            log.info(json.dumps(record))
        else:
            log.info('%s %s %d %s "%s" %.1fms', method, path, code, role_text, reason_text, ms)
