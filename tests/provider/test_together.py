"""The request choke point: auth, retries with backoff honouring Retry-After, typed errors.

`httpx.MockTransport` plays exact answers here; the end-to-end tests drive the same client
against the simulator.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from controlplane import clock
from controlplane.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidRequest,
    NotFound,
    ProviderError,
    ProviderServerError,
    ProviderUnreachable,
    RateLimited,
)
from controlplane.provider.together import TogetherClient

Handler = Callable[[httpx.Request], httpx.Response]
INSTANCE = {"id": "h", "name": "h", "gpuType": "H100", "gpuCount": 1, "priceCentsPerHour": 399}


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waited: list[float] = []
    monkeypatch.setattr(clock, "sleep", waited.append)
    return waited


def client(handler: Handler, retries: int = 3) -> TogetherClient:
    return TogetherClient("https://api.example", "sk-secret", project_id="proj_1",
                          transport=httpx.MockTransport(handler), max_retries=retries)  # fmt: skip


def answers(*responses: httpx.Response) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0)

    return handle, seen


def ok() -> httpx.Response:
    return httpx.Response(200, json={"object": "list", "data": [INSTANCE], "next_cursor": None})


def error(status: int, message: str = "nope", headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"id": "req_1", "error": {"message": message, "type": "x", "code": "some_code"}}
    return httpx.Response(status, json=body, headers=headers)


class TestRequests:
    def test_sends_the_key_as_a_bearer_token(self) -> None:
        handle, seen = answers(ok())
        client(handle).instance_types()
        assert seen[0].headers["authorization"] == "Bearer sk-secret"

    def test_follows_cursors_through_every_page(self) -> None:
        pages = [
            httpx.Response(200, json={"data": [{**INSTANCE, "id": "a"}], "next_cursor": "c1"}),
            httpx.Response(200, json={"data": [{**INSTANCE, "id": "b"}], "next_cursor": None}),
        ]
        handle, seen = answers(*pages)
        assert [t.id for t in client(handle).instance_types()] == ["a", "b"]
        assert seen[1].url.params["after"] == "c1" and seen[0].url.params["limit"] == "500"

    def test_asks_whoami_for_the_project_when_none_is_given(self) -> None:
        whoami = httpx.Response(200, json={"project": {"id": "proj_9", "slug": "s"}})
        handle, seen = answers(whoami, httpx.Response(200, json={"data": [], "next_cursor": None}))
        together = TogetherClient("https://api.example", "k", transport=httpx.MockTransport(handle))
        assert list(together.endpoints()) == []
        assert seen[1].url.path == "/v2/projects/proj_9/endpoints"


class TestRetries:
    def test_honours_retry_after_seconds_on_429(self, sleeps: list[float]) -> None:
        handle, seen = answers(error(429, headers={"retry-after": "7"}), ok())
        assert client(handle).instance_types()[0].id == "h"
        assert sleeps == [7.0] and len(seen) == 2

    def test_honours_retry_after_ms(self, sleeps: list[float]) -> None:
        handle, _ = answers(error(429, headers={"retry-after-ms": "1500"}), ok())
        client(handle).instance_types()
        assert sleeps == [1.5]

    def test_honours_an_http_date_and_caps_long_waits(self, frozen: object, sleeps: list[float]) -> None:
        handle, _ = answers(error(503, headers={"retry-after": "Tue, 24 Nov 2026 09:00:30 GMT"}),
                            error(503, headers={"retry-after": "3600"}), ok())  # fmt: skip
        client(handle).instance_types()
        assert sleeps == [30.0, 60.0]

    def test_backs_off_exponentially_with_jitter_on_5xx(self, sleeps: list[float]) -> None:
        handle, _ = answers(error(500), error(502), error(503), ok())
        client(handle).instance_types()
        assert [0.25 <= sleeps[0] <= 0.5, 0.5 <= sleeps[1] <= 1.0, 1.0 <= sleeps[2] <= 2.0] == [True] * 3

    def test_gives_up_after_max_retries_with_the_last_error(self, sleeps: list[float]) -> None:
        handle, seen = answers(*[error(503, "overloaded")] * 3)
        with pytest.raises(ProviderServerError, match="GET /v2/public/inference-instance-types: 503 overloaded"):
            client(handle, retries=2).instance_types()
        assert len(seen) == 3 and len(sleeps) == 2

    def test_retries_connection_errors(self, sleeps: list[float]) -> None:
        calls = iter([httpx.ConnectError("refused"), ok()])

        def handle(request: httpx.Request) -> httpx.Response:
            outcome = next(calls)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome

        assert client(handle).instance_types()[0].id == "h" and len(sleeps) == 1

    @pytest.mark.parametrize(
        ("status", "kind"),
        [(400, InvalidRequest), (401, AuthenticationFailed), (403, AuthenticationFailed), (404, NotFound),
         (409, Conflict)],
    )  # fmt: skip
    def test_does_not_retry_what_a_retry_cannot_fix(
        self, status: int, kind: type[ProviderError], sleeps: list[float]
    ) -> None:
        handle, seen = answers(error(status))
        with pytest.raises(kind) as caught:
            client(handle).instance_types()
        assert len(seen) == 1 and sleeps == []
        assert caught.value.status == status and caught.value.code == "some_code"
        assert caught.value.request_id is None or isinstance(caught.value.request_id, str)


class TestErrors:
    def test_a_refused_connection_is_provider_unreachable_not_an_httpx_error(self, sleeps: list[float]) -> None:
        def handle(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused")

        with pytest.raises(ProviderUnreachable) as caught:
            client(handle, retries=1).instance_types()
        assert str(caught.value) == "cannot reach https://api.example: ConnectError: connection refused"
        assert caught.value.__cause__ is None and caught.value.__context__ is None

    def test_a_timeout_is_provider_unreachable(self, sleeps: list[float]) -> None:
        def handle(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("slow")

        with pytest.raises(ProviderUnreachable, match="timed out"):
            client(handle, retries=0).instance_types()

    def test_an_answer_that_is_not_json_is_a_provider_error(self) -> None:
        handle, _ = answers(httpx.Response(200, text="<html>gateway</html>"))
        with pytest.raises(ProviderError, match="a body that is not JSON"):
            client(handle).instance_types()

    def test_an_answer_of_the_wrong_shape_names_the_field(self) -> None:
        handle, _ = answers(httpx.Response(200, json={"data": [{"id": "h"}], "next_cursor": None}))
        with pytest.raises(ProviderError, match=r"unexpected answer from the provider .*data\.0\.name: Field required"):
            client(handle).instance_types()

    def test_unknown_fields_from_together_are_ignored(self) -> None:
        handle, _ = answers(httpx.Response(200, json={"data": [{**INSTANCE, "brandNew": 1}], "next_cursor": None}))
        assert client(handle).instance_types()[0].usd_per_hour == 3.99

    def test_rate_limits_are_typed_and_retryable(self, sleeps: list[float]) -> None:
        handle, _ = answers(error(429), error(429))
        with pytest.raises(RateLimited) as caught:
            client(handle, retries=1).instance_types()
        assert caught.value.retryable and caught.value.hint == "rate limited; retry later"


def test_the_import_contracts_hold() -> None:
    """Layers (cli > apply > plan > manifest) and no httpx or SQLAlchemy outside their layer."""
    lint = Path(sys.executable).parent / "lint-imports"
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([str(lint)], cwd=root, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    # every contract in the file was checked (and kept): none failed to load
    contracts = (root / ".importlinter").read_text().count("[importlinter:contract:")
    assert f"Contracts: {contracts} kept, 0 broken." in result.stdout
