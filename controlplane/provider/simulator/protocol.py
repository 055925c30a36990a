"""The simulator's HTTP vocabulary: a request as routes see it, a response, Together's errors.

`api.Simulator.handle` turns each request into a `Call` for its route and returns a `SimResponse`,
which `transport` and `server` turn into an httpx or an ASGI response. Whatever refuses a request
raises `ApiError`, rendered as the body Together sends:
`{"id": <request id>, "error": {"message", "type", "param", "code"}}`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

JSON = dict[str, Any]
B = TypeVar("B", bound=BaseModel)

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


Drop = Literal["reset", "timeout"]


@dataclass(frozen=True)
class SimResponse:
    """One answer of the simulator; `body` is an iterator of chunks when it streams.

    `drop` says an injected fault keeps it from the client: `reset` closes the connection
    instead, `timeout` holds it until the client gives up (at most `hold_seconds`)."""

    status: int
    headers: dict[str, str]
    body: bytes | Iterator[bytes]
    drop: Drop | None = None
    hold_seconds: float = 0.0

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


@dataclass(frozen=True)
class Call:
    """One request, as a route sees it; `now` is read once, so a request sees one instant."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # names lower-cased
    body: bytes
    params: Mapping[str, str]  # path segments, decoded
    now: datetime
    request_id: str

    def json(self) -> Any:
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise bad_request("the request body is not valid JSON") from None

    def parse(self, model: type[B]) -> B:
        return validated(model, self.json())

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("1", "true")


def validated(model: type[B], data: Any) -> B:
    """`data` as `model`, or a 400 naming the first field that does not fit."""
    if not isinstance(data, dict):
        raise bad_request("the request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        param = ".".join(str(part) for part in first["loc"]) or None
        raise bad_request(f"{param}: {first['msg']}" if param else str(first["msg"]), param=param) from None
