"""The simulator's HTTP vocabulary: one response type and Together's error shape.

`world.Simulator.handle` returns a `SimResponse`; `transport` and `server` turn it into an httpx or
an ASGI response. Whatever refuses a request raises `ApiError`, which `handle` renders as the body
Together sends: `{"id": <request id>, "error": {"message", "type", "param", "code"}}`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]

# The `error.type` Together (and the OpenAI-style SDKs) pair with each status.
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    409: "conflict_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


def error_type(status: int) -> str:
    return _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")


@dataclass(frozen=True)
class SimResponse:
    """One answer of the simulator; `body` is an iterator of chunks when it streams."""

    status: int
    headers: dict[str, str]
    body: bytes | Iterator[bytes]

    def with_headers(self, extra: Mapping[str, str]) -> SimResponse:
        return dataclasses.replace(self, headers={**self.headers, **extra})

    def content(self) -> bytes:
        """The whole body, draining a stream: for callers that cannot stream."""
        return self.body if isinstance(self.body, bytes) else b"".join(self.body)


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> SimResponse:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return SimResponse(status, {"content-type": "application/json", **(headers or {})}, body)


class ApiError(Exception):
    """A refusal, in Together's terms; `param` names the offending field when there is one."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param
        self.headers = dict(headers or {})

    def response(self, request_id: str) -> SimResponse:
        error = {"message": self.message, "type": error_type(self.status), "param": self.param, "code": self.code}
        return json_response(self.status, {"id": request_id, "error": error}, self.headers)


def bad_request(message: str, *, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code=code)


def not_found(what: str, key: str) -> ApiError:
    return ApiError(404, f"{what} {key!r} not found", code="not_found")
