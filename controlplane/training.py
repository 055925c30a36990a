"""`reasoning train`: a role's training data → a Together fine-tune → the role's candidate model.

    upload (content-addressed) → wait for validation → model limits + price, confirmed →
    fine-tune job (explicit training type; the suffix names the role and the data) → progress →
    the output model's name, which the caller writes into reasoning.yaml as the role's candidate

Every step is safe to repeat: the same file uploads to the same id (409), and a job is found again
by its suffix and training file, so a `train` that crashed (or was run without waiting) picks up
its own job instead of paying for a second one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from controlplane import clock
from controlplane.errors import PermanentError, ProviderError
from controlplane.manifest import Manifest
from controlplane.provider import connect
from controlplane.provider.together import TogetherClient, _parse
from controlplane.provider.training import FineTuneEvent, FineTuneJob, ModelLimits, PriceEstimate, TrainingClient
from controlplane.provider.types import Model

POLL_SECONDS = 30.0
FILE_POLL_SECONDS = 2.0
FILE_WAIT_SECONDS = 1800.0
SUFFIX_LIMIT = 40  # Together's limit on `suffix` (fidelity §4b)


class TrainingError(PermanentError):
    """Training cannot go on: invalid data, a model Together cannot fine-tune, a failed job."""


@dataclass(frozen=True)
class TrainOptions:
    role: str
    training_file: Path
    base_model: str | None = None
    epochs: int = 1
    full: bool = False
    suffix: str | None = None
    wait: bool = False


@dataclass(frozen=True)
class Quote:
    """What the job will be, shown before anything is paid for."""

    base_model: str
    training_type: str
    epochs: int
    lines: int
    limits: ModelLimits
    estimate: PriceEstimate


@dataclass(frozen=True)
class Trained:
    job: FineTuneJob
    resumed: bool  # the job existed already (a repeated or crashed run)

    @property
    def candidate(self) -> str | None:
        """The model to write as the role's candidate: set once the job has completed."""
        return self.job.model_output_name if self.job.status == "completed" else None


def train(
    manifest: Manifest,
    options: TrainOptions,
    *,
    confirm: Callable[[Quote], bool],
    on_event: Callable[[FineTuneEvent], None] = lambda event: None,
    on_progress: Callable[[FineTuneJob], None] = lambda job: None,
) -> Trained | None:
    """Fine-tune `options.role`'s model on `options.training_file`; None when `confirm` declines."""
    if options.role not in manifest.models:
        raise TrainingError(f"models.{options.role}: no such role (roles: {', '.join(manifest.models)})")
    with connect(manifest) as client:
        training = TrainingClient(client)
        base = options.base_model or _base_of(client, manifest.models[options.role].model)
        uploaded = training.upload(options.training_file)
        report = _validated(training, uploaded.id)
        kind = "Full" if options.full else "Lora"
        suffix = options.suffix or default_suffix(options.role, options.training_file)
        existing = _own_job(training, suffix, uploaded.id)
        if existing is None:
            try:
                limits = training.model_limits(base)
            except ProviderError as error:
                raise TrainingError(f"{base} cannot be fine-tuned on Together: {error}") from None
            if options.full and not limits.supports_full_training:
                raise TrainingError(f"{base} supports LoRA fine-tuning only: drop --full")
            if not 1 <= options.epochs <= limits.max_num_epochs:
                raise TrainingError(f"--epochs {options.epochs}: {base} takes 1 to {limits.max_num_epochs}")
            request = _request(base, uploaded.id, options, kind, suffix, limits)
            estimate = training.estimate_price(request)
            quote = Quote(base, kind, options.epochs, report, limits, estimate)
            if estimate.estimation_available and not estimate.allowed_to_proceed:
                raise TrainingError(
                    f"Together will not start this job: the estimated ${estimate.estimated_total_price} is over "
                    "the account's limit"
                )
            if not confirm(quote):
                return None
            job, resumed = training.create_fine_tune(request), False
        else:
            job, resumed = existing, True
        if options.wait:
            job = _follow(training, job, on_event, on_progress)
            if job.status != "completed":
                raise TrainingError(f"fine-tune {job.id} ended {job.status}: see `reasoning train` events above")
        return Trained(job, resumed)


def default_suffix(role: str, data: Path) -> str:
    """`<role>-<6 hex of the data>`: names the role in the output model, and finds the job again."""
    slug = re.sub(r"[^a-z0-9-]+", "-", role.lower()).strip("-")
    digest = hashlib.sha256(data.read_bytes()).hexdigest()[:6]
    return f"{slug[: SUFFIX_LIMIT - 7]}-{digest}"


def _base_of(client: TogetherClient, model_name: str) -> str:
    """The public base model a role's model was fine-tuned from (or the model itself if public)."""
    own = next((m for m in client.models() if m.name == model_name), None)
    if own is None:
        return model_name  # not one of the project's: a public base model, trained as it is
    if own.base_model is None:
        raise TrainingError(f"{model_name} names no base model: pass --base-model")
    base = _parse(Model, client._request("GET", f"/v2/{own.base_model}"), "GET /v2/{model}")
    return base.name


def _validated(training: TrainingClient, file_id: str) -> int:
    """Wait for Together's validation of the upload; its line count, or the reason it refused."""
    waited = 0.0
    while True:
        info = training.get_file(file_id)
        if info.processing_status == "COMPLETED":
            return info.validation_report.nlines if info.validation_report else 0
        if info.processing_status in ("INVALID_FORMAT", "FAILED"):
            why = info.validation_report.error if info.validation_report else None
            raise TrainingError(f"Together refused the training file ({info.processing_status}): {why or 'no reason'}")
        if waited >= FILE_WAIT_SECONDS:
            raise TrainingError(f"file {file_id} still {info.processing_status} after {waited:.0f} s")
        clock.sleep(FILE_POLL_SECONDS)
        waited += FILE_POLL_SECONDS


def _own_job(training: TrainingClient, suffix: str, file_id: str) -> FineTuneJob | None:
    """A job this role already started on this data: running, or completed (not failed ones)."""
    mine = [j for j in training.list_fine_tunes() if j.suffix == suffix and j.training_file == file_id]
    alive = [j for j in mine if j.status == "completed" or not j.ended]
    return alive[-1] if alive else None


def _request(
    base: str, file_id: str, options: TrainOptions, kind: str, suffix: str, limits: ModelLimits
) -> dict[str, object]:
    training_type: dict[str, object] = {"type": kind}
    if kind == "Lora" and limits.lora_training is not None:
        rank = limits.lora_training.default_rank
        training_type |= {
            "lora_r": rank,
            "lora_alpha": 2 * rank,
            "lora_dropout": 0.0,
            "lora_trainable_modules": "all-linear",
        }
    return {
        "model": base,
        "training_file": file_id,
        "n_epochs": options.epochs,
        "suffix": suffix,
        # explicit, so the job is reproducible: the server's default is LoRA, the SDK's None (fidelity §4b)
        "training_type": training_type,
        "training_method": {"method": "sft", "train_on_inputs": "auto"},
        "learning_rate": 1e-5,
    }


def _follow(
    training: TrainingClient,
    job: FineTuneJob,
    on_event: Callable[[FineTuneEvent], None],
    on_progress: Callable[[FineTuneJob], None],
) -> FineTuneJob:
    seen = 0
    while True:
        events = training.events(job.id)
        for event in events[seen:]:
            on_event(event)
        seen = len(events)
        on_progress(job)
        if job.ended:
            return job
        clock.sleep(POLL_SECONDS)
        job = training.get_fine_tune(job.id)
