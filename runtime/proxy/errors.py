"""Errors the proxy answers itself, each in the error shape of the API the client speaks.

A client of `/v1/messages` is an Anthropic SDK and understands
`{"type": "error", "error": {"type": ..., "message": ...}}`; a client of `/v1/chat/completions`
is an OpenAI SDK and understands `{"error": {"message", "type", "param", "code"}}`. Whatever goes
wrong in the proxy reaches the client as one of these with a 4xx (its request) or 5xx (nobody
could answer it), never as a bare 500: `Refusal` is how the handlers say so, and the app turns
it into the body and status here. (`Refusal` is control flow, not an error of the tree in
`runtime.errors`: it never leaves the proxy.)
"""

from __future__ import annotations

import json

from runtime.wire import Api

_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}
_OPENAI_TYPES = {401: "authentication_error", 403: "permission_error", 404: "not_found_error", 429: "rate_limit_error"}


class Refusal(Exception):
    """The proxy answers this request itself, with `status` and `message` in the API's shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        unread: bool = False,
        close: bool = False,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param
        #: the request body is still arriving: read and dropped after the answer (`asgi.discard_body`)
        self.unread = unread
        #: the connection ends with this answer (`connection: close`)
        self.close = close


def error_type(api: Api, status: int) -> str:
    if api == "anthropic":
        return _ANTHROPIC_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return _OPENAI_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")


def error_body(api: Api, status: int, message: str, *, code: str | None = None, param: str | None = None) -> bytes:
    if api == "anthropic":
        body: object = {"type": "error", "error": {"type": error_type(api, status), "message": message}}
    else:
        body = {"error": {"message": message, "type": error_type(api, status), "param": param, "code": code}}
    return json.dumps(body).encode()
