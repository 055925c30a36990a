"""Together's v1 files and fine-tunes, as SDK 3.1.1 speaks them (shared/reference/together-fidelity.md
§1.6-1.7, §4 (a)-(b)).

The upload is the one place the API answers with a redirect on purpose: `POST /v1/files`
(multipart, with the content's sha256) answers 302 with a presigned URL and the new file's id, or
409 with the id of a file that already holds this content. The bytes then go to the presigned URL
in a request that carries no Authorization header (S3 refuses a request signed twice),
and `preprocess` starts Together's validation. Everything else is JSON through
`TogetherClient._request`, so retries and error mapping are the same as for deployments.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict

from controlplane.errors import ProviderError, ProviderUnreachable
from controlplane.provider.together import TogetherClient, _parse, _status_error

TERMINAL = frozenset({"completed", "cancelled", "error", "user_error"})


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ValidationReport(_Loose):
    valid: bool = False
    dataset_format: str | None = None
    nlines: int = 0
    error: str | None = None
    error_type: str | None = None


class UploadedFile(_Loose):
    id: str
    filename: str = ""
    processing_status: Literal["PENDING", "QUEUED", "RUNNING", "COMPLETED", "FAILED", "INVALID_FORMAT"] | None = None
    validation_report: ValidationReport | None = None


class LoraLimits(_Loose):
    default_rank: int
    max_rank: int


class ModelLimits(_Loose):
    model_name: str
    max_num_epochs: int
    max_seq_length_sft: int
    lora_training: LoraLimits | None = None
    supports_full_training: bool = False


class PriceEstimate(_Loose):
    estimation_available: bool
    allowed_to_proceed: bool = True
    estimated_total_price: float | None = None
    estimated_train_token_count: int | None = None
    unavailable_reason: str | None = None


class FineTuneEvent(_Loose):
    created_at: str
    type: str
    message: str = ""
    level: str = "info"


class FineTuneJob(_Loose):
    id: str
    status: str
    model: str | None = None
    suffix: str | None = None
    training_file: str | None = None
    steps_completed: int | None = None
    total_steps: int | None = None
    total_price: float | None = None
    model_output_name: str | None = None
    model_object_id: str | None = None
    model_object_name: str | None = None

    @property
    def ended(self) -> bool:
        return self.status.lower() in TERMINAL


class _Events(_Loose):
    data: list[FineTuneEvent]


class _Jobs(_Loose):
    data: list[FineTuneJob]


class TrainingClient:
    """Files and fine-tunes over a `TogetherClient`'s connection (its key, base URL, retries)."""

    def __init__(self, client: TogetherClient) -> None:
        self._client = client

    # -- files -------------------------------------------------------------------------------

    def upload(self, path: Path, *, purpose: str = "fine-tune") -> UploadedFile:
        """Upload `path` (content-addressed: the same bytes twice give the same file) and start
        Together's validation; wait for it with `get_file`."""
        content = path.read_bytes()
        checksum = hashlib.sha256(content).hexdigest()
        fields = {
            "purpose": purpose,
            "file_name": path.name,
            "file_type": path.suffix.lstrip("."),
            "checksum": checksum,
        }
        response = self._send(
            lambda http: http.post("/v1/files", files={k: (None, v) for k, v in fields.items()}, follow_redirects=False)
        )
        if response.status_code == 409:
            return self.get_file(str(response.json()["file_id"]))
        if response.status_code != 302:
            raise (
                _status_error(response, "POST", "/v1/files")
                if response.status_code >= 400
                else ProviderError(f"POST /v1/files: expected a redirect to the upload URL, got {response.status_code}")
            )
        location, file_id = response.headers.get("location"), response.headers.get("x-together-file-id")
        if not location or not file_id:
            raise ProviderError("POST /v1/files: the redirect lacks Location or X-Together-File-Id")
        # built by hand and sent as it is, so none of the client's headers (its bearer key) go along
        bare = httpx.Request(
            "PUT",
            location,
            content=content,
            extensions={"timeout": {"connect": 10.0, "read": 300.0, "write": 300.0, "pool": 10.0}},
        )
        put = self._send(lambda http: http.send(bare), what="the presigned upload URL")
        if put.status_code != 200:
            raise ProviderError(f"PUT to the presigned upload URL: {put.status_code} {put.text[:200]}")
        data = self._client._request("POST", f"/v1/files/{file_id}/preprocess")
        return _parse(UploadedFile, data, "POST /v1/files/{id}/preprocess")

    def get_file(self, file_id: str) -> UploadedFile:
        return _parse(UploadedFile, self._client._request("GET", f"/v1/files/{file_id}"), "GET /v1/files/{id}")

    def _send(self, call: Any, *, what: str = "POST /v1/files") -> httpx.Response:
        try:
            return call(self._client._http)  # type: ignore[no-any-return]
        except httpx.TransportError as exc:
            raise ProviderUnreachable(f"{what}: {exc.__class__.__name__}: {exc}") from None

    # -- fine-tunes --------------------------------------------------------------------------

    def model_limits(self, model: str) -> ModelLimits:
        data = self._client._request("GET", "/v1/fine-tunes/models/limits", params={"model_name": model})
        return _parse(ModelLimits, data, "GET /v1/fine-tunes/models/limits")

    def estimate_price(self, request: dict[str, Any]) -> PriceEstimate:
        keys = ("training_file", "model", "n_epochs", "training_type", "training_method")
        body = {key: request[key] for key in keys if key in request}
        data = self._client._request("POST", "/v1/fine-tunes/estimate-price", body=body)
        return _parse(PriceEstimate, data, "POST /v1/fine-tunes/estimate-price")

    def create_fine_tune(self, request: dict[str, Any]) -> FineTuneJob:
        return _parse(FineTuneJob, self._client._request("POST", "/v1/fine-tunes", body=request), "POST /v1/fine-tunes")

    def get_fine_tune(self, job_id: str) -> FineTuneJob:
        return _parse(FineTuneJob, self._client._request("GET", f"/v1/fine-tunes/{job_id}"), "GET /v1/fine-tunes/{id}")

    def list_fine_tunes(self) -> list[FineTuneJob]:
        return _parse(_Jobs, self._client._request("GET", "/v1/fine-tunes"), "GET /v1/fine-tunes").data

    def events(self, job_id: str) -> list[FineTuneEvent]:
        data = self._client._request("GET", f"/v1/fine-tunes/{job_id}/events")
        return _parse(_Events, data, "GET /v1/fine-tunes/{id}/events").data

    def cancel(self, job_id: str) -> FineTuneJob:
        data = self._client._request("POST", f"/v1/fine-tunes/{job_id}/cancel")
        return _parse(FineTuneJob, data, "POST /v1/fine-tunes/{id}/cancel")
