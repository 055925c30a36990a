"""The Together.ai client: one request choke point, resource methods in and out as models.

Every call goes through `TogetherClient._request`, which adds auth and timeouts, retries what is
worth retrying (429 honouring Retry-After, 5xx, connection errors) with bounded backoff, and maps
statuses to the typed errors of `controlplane.errors`. httpx never leaks past this module. The
same client talks to the real API, to `reasoning simulator serve`, and to the in-process simulator
(through its httpx transport), so tests exercise the real code path.
"""

from __future__ import annotations

import email.utils
import functools
import json
import logging
import random
from collections.abc import Iterator
from typing import Any, TypeVar, cast

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

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
    TemporaryError,
)
from controlplane.provider.types import (
    Config,
    Deployment,
    Endpoint,
    InstanceType,
    Model,
    Page,
    SupportedModel,
    Whoami,
)

M = TypeVar("M", bound=BaseModel)

log = logging.getLogger(__name__)

MAX_RETRY_AFTER = 60.0
PAGE_LIMIT = 500


class TogetherClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        project_id: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        max_retries: int = 4,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self._project_id = project_id
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"Authorization": f"Bearer {api_key}", "User-Agent": "reasoning"},
            # Plain http (a served simulator, or the in-process one) never shakes hands: loading
            # the CA bundle it would not use costs a command ~50 ms. https is always verified.
            verify=not self.base_url.startswith("http://"),
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> TogetherClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the choke point ---------------------------------------------------------------------

    def _request(self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None) -> Any:
        """Send one request, retrying transient failures; the decoded JSON answer or a typed error."""
        attempt = 0
        while True:
            try:
                response = self._http.request(method, path, params=params, json=body)
            except httpx.TimeoutException:
                error: ProviderError = ProviderUnreachable(
                    f"{method} {self.base_url}{path}: timed out", hint="the provider is slow or unreachable; try again"
                )
                delay = None
            except httpx.TransportError as exc:
                error = ProviderUnreachable(
                    f"cannot reach {self.base_url}: {exc.__class__.__name__}: {exc}",
                    hint="check provider.base_url and the network "
                    "(for the simulator: is `reasoning simulator serve` running?)",
                )
                delay = None
            else:
                if response.status_code < 400:
                    return _decode(response, method, path)
                error = _status_error(response, method, path)
                delay = _retry_after(response)
            if not isinstance(error, TemporaryError) or attempt >= self.max_retries:
                raise error
            clock.sleep(delay if delay is not None else min(8.0, 0.5 * 2**attempt) * (0.5 + random.random() / 2))
            attempt += 1

    def _get(self, path: str, model: type[M], params: dict[str, Any] | None = None) -> M:
        return _parse(model, self._request("GET", path, params=params), path)

    def _pages(
        self, path: str, model: type[M], params: dict[str, Any] | None = None, *, limit: int | None = PAGE_LIMIT
    ) -> Iterator[M]:
        query = {**({"limit": limit} if limit is not None else {}), **(params or {})}
        while True:
            page = _parse(Page[model], self._request("GET", path, params=query), path)  # type: ignore[valid-type]
            yield from page.data
            if not page.next_cursor:
                return
            query = {**query, "after": page.next_cursor}

    # -- identity ----------------------------------------------------------------------------

    def whoami(self) -> Whoami:
        return self._get("/v3/whoami", Whoami)

    @property
    def project_id(self) -> str:
        if self._project_id is None:
            self._project_id = self.whoami().project.id
        return self._project_id

    def _project(self, tail: str = "") -> str:
        return f"/v2/projects/{self.project_id}{tail}"

    # -- catalog -----------------------------------------------------------------------------

    def instance_types(self) -> list[InstanceType]:
        return list(self._pages("/v2/public/inference-instance-types", InstanceType))

    def models(self) -> list[Model]:
        return list(self._pages(self._project("/models"), Model))

    def configs(self, reference_model: str) -> list[Config]:
        return list(self._pages(self._project("/configs"), Config, {"referenceModel": reference_model}))

    def get_config(self, resource: str) -> Config:
        """A config by its resource name, read under its owning project (a platform's, for public ones)."""
        return self._get(f"/v2/{resource}", Config)

    def supported_models(
        self, *, search: str | None = None, product: str = "PRODUCT_DEDICATED"
    ) -> list[SupportedModel]:
        """Together's catalog of public models (`/v2/supported-models`), with their deployment profiles.
        Its page size is left to Together: SDK 3.1.1 sends none, and the maximum is not documented."""
        params = {"product": product, **({"search": search} if search else {})}
        return list(self._pages("/v2/supported-models", SupportedModel, params, limit=None))

    def supported_model(self, supported_id: str) -> SupportedModel:
        return self._get(f"/v2/supported-models/{supported_id}", SupportedModel)

    # -- endpoints ---------------------------------------------------------------------------

    def endpoints(self, name_contains: str | None = None) -> Iterator[Endpoint]:
        params = {"filter": f'name:"{name_contains}"'} if name_contains else None
        return self._pages(self._project("/endpoints"), Endpoint, params)

    def find_endpoint(self, name: str) -> Endpoint | None:
        found = self._pages(self._project("/endpoints"), Endpoint, {"filter": f'name = "{name}"'})
        return next((e for e in found if e.short_name == name), None)

    def get_endpoint(self, endpoint_id: str) -> Endpoint:
        return self._get(self._project(f"/endpoints/{endpoint_id}"), Endpoint)

    def create_endpoint(self, name: str) -> Endpoint:
        body = {"name": name, "visibility": "VISIBILITY_PRIVATE"}
        return _parse(Endpoint, self._request("POST", self._project("/endpoints"), body=body), "endpoint")

    def set_traffic(self, endpoint: Endpoint, weights: dict[str, float]) -> Endpoint:
        body = {"etag": endpoint.etag, "trafficSplit": [{"deploymentId": d, "weight": w} for d, w in weights.items()]}
        answer = self._request(
            "PATCH", self._project(f"/endpoints/{endpoint.id}"), params={"updateMask": "trafficSplit"}, body=body
        )
        return _parse(Endpoint, answer, "endpoint")

    def delete_endpoint(self, endpoint_id: str) -> None:
        self._request("DELETE", self._project(f"/endpoints/{endpoint_id}"))

    # -- deployments -------------------------------------------------------------------------

    def create_deployment(
        self, endpoint_id: str, *, name: str, model: str, config: str, min_replicas: int, max_replicas: int
    ) -> Deployment:
        body = {
            "name": name,
            "model": model,
            "config": config,
            "autoscaling": {"minReplicas": min_replicas, "maxReplicas": max_replicas},
            # Idle shutdown is reconcile's job, where it is explained and audited; never Together's.
            "inactiveTimeout": 0,
        }
        answer = self._request("POST", self._project(f"/endpoints/{endpoint_id}/deployments"), body=body)
        return _parse(Deployment, answer, "deployment")

    def get_deployment(self, endpoint_id: str, deployment_id: str) -> Deployment:
        return self._get(self._project(f"/endpoints/{endpoint_id}/deployments/{deployment_id}"), Deployment)

    def scale_deployment(
        self, endpoint_id: str, deployment_id: str, *, min_replicas: int, max_replicas: int
    ) -> Deployment:
        # The mask Together's own CLI sends (SDK lib/cli/api/endpoints/update.py, rm.py), with both
        # bounds, so nothing depends on how a bound left out would be merged.
        answer = self._request(
            "PATCH",
            self._project(f"/endpoints/{endpoint_id}/deployments/{deployment_id}"),
            params={"updateMask": "autoscaling"},
            body={"autoscaling": {"minReplicas": min_replicas, "maxReplicas": max_replicas}},
        )
        return _parse(Deployment, answer, "deployment")

    def delete_deployment(self, endpoint_id: str, deployment_id: str) -> None:
        self._request("DELETE", self._project(f"/endpoints/{endpoint_id}/deployments/{deployment_id}"))


def _decode(response: httpx.Response, method: str, path: str) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except json.JSONDecodeError:
        raise ProviderError(
            f"{method} {path}: the provider answered {response.status_code} with a body that is not JSON",
            status=response.status_code,
        ) from None


@functools.cache
def _adapter(model: type[M]) -> TypeAdapter[M]:
    return TypeAdapter(model)


def _parse(model: type[M], data: Any, what: str) -> M:
    try:
        return cast(M, _adapter(model).validate_python(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ProviderError(
            f"unexpected answer from the provider for {what}: {field}: {first['msg']}",
            hint="the provider's API may have changed; run with --debug and report it",
        ) from None


def _status_error(response: httpx.Response, method: str, path: str) -> ProviderError:
    status = response.status_code
    message, code = response.reason_phrase or "error", None
    try:
        payload = response.json()
        detail = payload.get("error", payload) if isinstance(payload, dict) else {}
        if isinstance(detail, dict):
            message = str(detail.get("message") or message)
            code = detail.get("code")
        elif isinstance(detail, str):
            message = detail
    except (json.JSONDecodeError, AttributeError):
        log.debug("%s %s: %s with a body that is not Together's error JSON; naming the status", method, path, status)
    text = f"{method} {path}: {status} {message}"
    kwargs: dict[str, Any] = {"status": status, "code": code, "request_id": response.headers.get("x-request-id")}
    if status in (401, 403):
        return AuthenticationFailed(text, hint="check the API key named by provider.api_key_env", **kwargs)
    if status == 404:
        return NotFound(text, **kwargs)
    if status == 409:
        return Conflict(text, **kwargs)
    if status == 429:
        return RateLimited(text, hint="rate limited; retry later", **kwargs)
    if status >= 500:
        return ProviderServerError(text, hint="the provider failed; retry later", **kwargs)
    return InvalidRequest(text, **kwargs)


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from `retry-after-ms` / `Retry-After` (seconds or an HTTP date), capped."""
    if "retry-after-ms" in response.headers:
        try:
            return min(MAX_RETRY_AFTER, float(response.headers["retry-after-ms"]) / 1000)
        except ValueError:
            log.debug("unreadable retry-after-ms %r; trying Retry-After", response.headers["retry-after-ms"])
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return min(MAX_RETRY_AFTER, max(0.0, float(value)))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            log.debug("unreadable Retry-After %r; backing off as without one", value)
            return None
        return min(MAX_RETRY_AFTER, max(0.0, (parsed - clock.now()).total_seconds()))
