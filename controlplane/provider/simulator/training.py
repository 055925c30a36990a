"""v1 files and fine-tunes: the training half of Together's API, in simulated time.

    POST   /v1/files                      multipart {purpose, file_name, file_type, checksum}: 302 to a
                                          presigned URL + X-Together-File-Id; 409 {file_id} when the
                                          checksum is known (SDK lib/resources/files.py, get_upload_url)
    PUT    /_simulator/uploads/{file}     the presigned target: no bearer key, as S3 (admin route)
    POST   /v1/files/{file}/preprocess    validation starts: processing_status RUNNING, then
                                          COMPLETED or INVALID_FORMAT with a validation_report
    GET    /v1/files, /v1/files/{file}, /v1/files/{file}/content;  DELETE /v1/files/{file}
    GET    /v1/fine-tunes/models/limits?model_name=    FinetuneModelLimits (public base models only)
    POST   /v1/fine-tunes/estimate-price               unavailable until the file is validated
    POST   /v1/fine-tunes                              a job: pending → queued → running → compressing →
                                                       uploading → completed (or error), over
                                                       `fine_tune_seconds` of simulated time
    GET    /v1/fine-tunes, /v1/fine-tunes/{id}, …/events, …/checkpoints;  POST …/cancel;  DELETE …/{id}

Shapes follow SDK 3.1.1 (`types/file_response.py`, `lib/types/fine_tuning.py`) and
shared/reference/together-fidelity.md §1.6-1.7 and §4 (a)-(b). A completed job mints its output in
the project's models, derived from its base, so it deploys with the base's configs (docs:
models-and-configs.md, "a completed fine-tune is already a private model in your project").
The validator is Together's documented conversational-format rules (the legacy 1.x `check_file`,
which the server now applies): it is written here independently of `reasoning`'s exporter, so a
test of the exporter against it is a test, not an agreement with itself. Prices in estimates are
the simulator's own round figures, not Together's price list.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import datetime, timedelta
from typing import Any, Literal

from controlplane.provider.simulator.protocol import (
    ApiError,
    Call,
    SimResponse,
    bad_request,
    json_response,
    not_found,
)
from controlplane.provider.simulator.world import (
    FileRecord,
    FineTuneRecord,
    ModelRecord,
    ValidationReport,
    World,
    _digest,
)

ProcessingStatus = Literal["PENDING", "RUNNING", "COMPLETED", "FAILED", "INVALID_FORMAT"]
JobStatus = Literal[
    "pending",
    "queued",
    "running",
    "compressing",
    "uploading",
    "completed",
    "cancel_requested",
    "cancelled",
    "error",
    "user_error",
]
TERMINAL: frozenset[str] = frozenset({"completed", "cancelled", "error", "user_error"})
PURPOSES = ("fine-tune", "calibration", "eval", "batch-api")
FILE_TYPES = ("jsonl", "parquet", "csv")
ROLES = ("system", "user", "assistant", "tool")
#: SDK lib/resources/files.py: `_SAFE_FILE_ID_RE`; ids look like `file-<uuid>`.
FILE_ID_PREFIX = "file-"
#: Fractions of `fine_tune_seconds` at which a job enters each status (simulated, not Together's figures).
LADDER: tuple[tuple[JobStatus, float], ...] = (
    ("pending", 0.0),
    ("queued", 0.02),
    ("running", 0.1),
    ("compressing", 0.85),
    ("uploading", 0.92),
    ("completed", 1.0),
)
BATCH_SIZE = 8
TOKENS_PER_BYTE = 0.25  # a rough 4 bytes per token
USD_PER_MTOK = {"lora": 0.5, "full": 1.5}  # the simulator's own round figures


# -- multipart ---------------------------------------------------------------------------------


def _form(call: Call) -> dict[str, str]:
    """The fields of a multipart/form-data body, parsed with the standard library's MIME parser."""
    content_type = call.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data") or "boundary=" not in content_type:
        raise bad_request("POST /v1/files takes multipart/form-data (purpose, file_name, file_type, checksum)")
    import email.parser  # here: only uploads pay for the MIME machinery
    import email.policy

    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + call.body)
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = payload.decode("utf-8", "replace")
    return fields


# -- files -------------------------------------------------------------------------------------


def create_file(world: World, call: Call) -> SimResponse:
    fields = _form(call)
    for name in ("purpose", "file_name", "file_type", "checksum"):
        if not fields.get(name):
            raise bad_request(f"{name}: field required", param=name)
    if fields["purpose"] not in PURPOSES:
        raise bad_request(f"purpose: must be one of {', '.join(PURPOSES)}", param="purpose")
    if fields["file_type"] not in FILE_TYPES:
        raise bad_request(f"file_type: must be one of {', '.join(FILE_TYPES)}", param="file_type")
    known = next((f for f in world.files.values() if f.checksum == fields["checksum"] and f.content is not None), None)
    if known is not None:
        # SDK get_upload_url: a 409's body names the file that has this content; the SDK reuses it
        return json_response(409, {"file_id": known.id, "message": "file already exists"})
    file_id = f"{FILE_ID_PREFIX}{_digest('file', fields['checksum'], str(world.sequence))[:32]}"
    world.sequence += 1
    world.files[file_id] = FileRecord(
        id=file_id,
        filename=fields["file_name"],
        purpose=fields["purpose"],
        file_type=fields["file_type"],
        checksum=fields["checksum"],
        created_at=call.now,
    )
    host = call.headers.get("host", "simulator.invalid")
    location = f"http://{host}/_simulator/uploads/{file_id}"
    return SimResponse(302, {"location": location, "x-together-file-id": file_id, "content-length": "0"}, b"")


def put_upload(world: World, call: Call) -> SimResponse:
    """The presigned PUT: S3 takes the bytes as they are; an Authorization header would be a second
    signature, which S3 refuses (fidelity §4a: "S3 rejects a request signed twice")."""
    record = world.files.get(call.params["file"])
    if record is None:
        return SimResponse(404, {"content-type": "application/xml"}, b"<Error><Code>NoSuchUpload</Code></Error>")
    if "authorization" in call.headers:
        body = b"<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>"
        return SimResponse(400, {"content-type": "application/xml"}, body)
    try:
        record.content = call.body.decode("utf-8")
    except UnicodeDecodeError:
        record.content = call.body.decode("utf-8", "replace")
    return SimResponse(200, {"etag": f'"{hashlib.md5(call.body).hexdigest()}"'}, b"")


def preprocess(world: World, call: Call) -> SimResponse:
    record = _file(world, call)
    if record.content is None:
        raise bad_request(f"file {record.id} has no content: upload it to its presigned URL first")
    if record.preprocess_at is None:
        record.preprocess_at = call.now
        if hashlib.sha256(record.content.encode()).hexdigest() != record.checksum:
            record.report = ValidationReport(valid=False, error="checksum mismatch", error_type="INVALID_FORMAT")
        else:
            record.report = (
                validate_jsonl(record.content)
                if record.file_type == "jsonl"
                else ValidationReport(valid=True, dataset_format=record.file_type)
            )
    return json_response(200, _file_view(world, record, call.now))


def list_files(world: World, call: Call) -> SimResponse:
    files = sorted(world.files.values(), key=lambda f: f.created_at)
    return json_response(200, {"object": "list", "data": [_file_view(world, f, call.now) for f in files]})


def get_file(world: World, call: Call) -> SimResponse:
    return json_response(200, _file_view(world, _file(world, call), call.now))


def get_file_content(world: World, call: Call) -> SimResponse:
    record = _file(world, call)
    return SimResponse(200, {"content-type": "application/octet-stream"}, (record.content or "").encode())


def delete_file(world: World, call: Call) -> SimResponse:
    record = _file(world, call)
    del world.files[record.id]
    return json_response(200, {"id": record.id, "deleted": True})


def _file(world: World, call: Call) -> FileRecord:
    record = world.files.get(call.params["file"])
    if record is None:
        raise not_found("file", call.params["file"])
    return record


def file_status(world: World, record: FileRecord, now: datetime) -> ProcessingStatus:
    if record.preprocess_at is None or record.report is None:
        return "PENDING"
    if now < record.preprocess_at + timedelta(seconds=world.settings.file_process_seconds):
        return "RUNNING"
    return "COMPLETED" if record.report.valid else "INVALID_FORMAT"


def _file_view(world: World, record: FileRecord, now: datetime) -> dict[str, Any]:
    status = file_status(world, record, now)
    view: dict[str, Any] = {
        "id": record.id,
        "object": "file",
        "bytes": len((record.content or "").encode()),
        "created_at": int(record.created_at.timestamp()),
        "filename": record.filename,
        "FileType": record.file_type,
        "purpose": record.purpose,
        "processing_status": status,
    }
    if status in ("COMPLETED", "INVALID_FORMAT") and record.report is not None:
        view["validation_report"] = {**record.report.model_dump(), "file_id": record.id}
    return view


# -- the server-side validator -----------------------------------------------------------------


def validate_jsonl(text: str) -> ValidationReport:
    """Together's conversational-format rules (fidelity §4a), first error wins, with its line."""
    nlines, has_tools = 0, False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        nlines += 1
        try:
            sample = json.loads(line)
        except json.JSONDecodeError:
            return _invalid(f"Line {number}: not valid JSON", nlines)
        if not isinstance(sample, dict):
            return _invalid(f"Line {number}: a sample must be a JSON object", nlines)
        if "messages" not in sample:
            return _invalid(f"Line {number}: expected the conversational format, a 'messages' column", nlines)
        extra = sorted(set(sample) - {"messages", "tools"})
        if extra:
            return _invalid(f"Line {number}: unexpected column(s) {', '.join(extra)}", nlines)
        problem = _conversation_problem(sample["messages"])
        if problem:
            return _invalid(f"Line {number}: {problem}", nlines)
        has_tools = has_tools or bool(sample.get("tools"))
    if nlines == 0:
        return _invalid("the file has no samples", 0)
    return ValidationReport(valid=True, dataset_format="conversation", nlines=nlines, dataset_has_tools=has_tools)


def _conversation_problem(messages: Any) -> str | None:
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty list"
    previous = None
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or "role" not in message:
            return f"messages[{index}] must be an object with a 'role'"
        role = message["role"]
        if role not in ROLES:
            return f"messages[{index}].role {role!r} is not one of {', '.join(ROLES)}"
        if role == previous:
            return f"messages[{index}]: two '{role}' messages in a row; roles must alternate"
        content, calls = message.get("content"), message.get("tool_calls")
        if calls is not None:
            if role != "assistant" or not isinstance(calls, list):
                return f"messages[{index}].tool_calls: only an assistant message carries a list of tool calls"
            for call in calls:
                function = call.get("function") if isinstance(call, dict) else None
                if not (isinstance(function, dict) and isinstance(function.get("arguments"), str)):
                    return (
                        f"messages[{index}].tool_calls: each is {{id, type: function, function: {{name, arguments}}}}"
                    )
        elif not isinstance(content, str):
            return f"messages[{index}].content must be a string"
        if "weight" in message and message["weight"] not in (0, 1):
            return f"messages[{index}].weight must be 0 or 1"
        previous = role
    return None


def _invalid(error: str, nlines: int) -> ValidationReport:
    return ValidationReport(valid=False, nlines=nlines, error=error, error_type="INVALID_FORMAT")


# -- fine-tunes --------------------------------------------------------------------------------


def _tunable(world: World, name: str) -> ModelRecord:
    """A public base model: the ones Together fine-tunes (a 4xx from limits means it cannot)."""
    model = world.model_named(name)
    if model is None or model.project_id != world.platform.id:
        raise ApiError(404, f"model {name!r} is not available for fine-tuning", code="model_not_available")
    return model


def model_limits(world: World, call: Call) -> SimResponse:
    model = _tunable(world, call.query.get("model_name", ""))
    return json_response(200, _limits(model))


def _limits(model: ModelRecord) -> dict[str, Any]:
    small = model.parameters <= 20_000_000_000
    lora = {
        "default_rank": 16 if small else 8,
        "max_rank": 64 if small else 16,
        "max_batch_size": 64,
        "max_batch_size_dpo": 32,
        "min_batch_size": 8,
        "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
    }
    return {
        "model_name": model.name,
        "max_num_epochs": 20,
        "max_num_evals": 100,
        "max_num_checkpoints": 20,
        "min_learning_rate": 1e-6,
        "max_learning_rate": 1e-2,
        "max_seq_length_sft": min(model.context_length, 32768),
        "max_seq_length_dpo": min(model.context_length, 16384),
        "min_max_seq_length": 1024,
        "default_gradient_accumulation_steps": 1,
        "lora_training": lora,
        "full_training": {"max_batch_size": 32, "max_batch_size_dpo": 16, "min_batch_size": 8} if small else None,
        "supports_full_training": small,
        "supports_vision": False,
        "supports_tools": True,
        "supports_reasoning": True,
        "merge_output_lora": True,
    }


def _training_kind(training_type: dict[str, Any] | None) -> Literal["lora", "full"]:
    kind = str((training_type or {}).get("type", "Lora")).lower()
    if kind not in ("lora", "full"):
        raise bad_request("training_type.type must be Lora or Full", param="training_type")
    return "full" if kind == "full" else "lora"


def _validated_file(world: World, file_id: str, now: datetime, param: str) -> FileRecord:
    record = world.files.get(file_id)
    if record is None:
        raise bad_request(f"{param}: file {file_id!r} not found", param=param)
    status = file_status(world, record, now)
    if status != "COMPLETED":
        raise bad_request(f"{param}: file {file_id} is {status}, not validated", param=param)
    return record


def estimate_price(world: World, call: Call) -> SimResponse:
    body = call.json()
    record = world.files.get(str(body.get("training_file", "")))
    if record is None or file_status(world, record, call.now) != "COMPLETED":
        reason = (
            "train_file_invalid" if record and record.report and not record.report.valid else "train_file_not_validated"
        )
        return json_response(200, {"estimation_available": False, "unavailable_reason": reason})
    _tunable(world, str(body.get("model", "")))
    epochs = int(body.get("n_epochs") or 1)
    tokens = _tokens(record) * epochs
    price = round(tokens / 1e6 * USD_PER_MTOK[_training_kind(body.get("training_type"))], 4)
    return json_response(
        200,
        {
            "estimation_available": True,
            "allowed_to_proceed": world.settings.fine_tune_allowed_to_proceed,
            "estimated_total_price": price,
            "estimated_train_token_count": tokens,
            "estimated_eval_token_count": 0,
            "user_limit": 1000.0,
        },
    )


def _tokens(record: FileRecord) -> int:
    return max(1, math.ceil(len((record.content or "").encode()) * TOKENS_PER_BYTE))


def create_fine_tune(world: World, call: Call) -> SimResponse:
    body = call.json()
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    if bool(body.get("model")) == bool(body.get("from_checkpoint")):
        raise bad_request("exactly one of model and from_checkpoint is required", param="model")
    if body.get("from_checkpoint"):
        raise bad_request("from_checkpoint: the simulator fine-tunes base models only", param="from_checkpoint")
    base = _tunable(world, str(body["model"]))
    record = _validated_file(world, str(body.get("training_file", "")), call.now, "training_file")
    if body.get("validation_file"):
        _validated_file(world, str(body["validation_file"]), call.now, "validation_file")
    suffix = body.get("suffix")
    if suffix is not None and (not isinstance(suffix, str) or len(suffix) > 40):
        raise bad_request("suffix: at most 40 characters", param="suffix")
    kind = _training_kind(body.get("training_type"))
    if kind == "full" and not _limits(base)["supports_full_training"]:
        raise bad_request(f"full training is not supported for {base.name}", param="training_type")
    epochs = int(body.get("n_epochs") or 1)
    if not 1 <= epochs <= 20:
        raise bad_request("n_epochs: between 1 and 20", param="n_epochs")
    job_id = f"ft-{_digest('fine-tune', str(world.sequence))[:8]}-{_digest('ft', str(world.sequence))[8:12]}"
    world.sequence += 1
    short = base.name.split("/")[-1]
    output = f"{world.project.slug}/{short}-{suffix + '-' if suffix else ''}{job_id[3:9]}"
    tokens = _tokens(record) * epochs
    assert record.report is not None
    job = FineTuneRecord(
        id=job_id,
        created_at=call.now,
        model=base.name,
        training_file=record.id,
        validation_file=body.get("validation_file"),
        suffix=suffix,
        n_epochs=epochs,
        n_checkpoints=int(body.get("n_checkpoints") or 1),
        learning_rate=float(body.get("learning_rate") or 1e-5),
        training_type=body.get("training_type") or {"type": "Lora"},
        training_method=body.get("training_method") or {"method": "sft", "train_on_inputs": "auto"},
        nlines=record.report.nlines,
        token_count=tokens,
        total_price=round(tokens / 1e6 * USD_PER_MTOK[kind], 4),
        model_output_name=output,
        fails=any(name in world.settings.failing_fine_tunes for name in (base.name, suffix or "")),
    )
    world.fine_tunes[job_id] = job
    return json_response(200, _job_view(world, job, call.now))


def list_fine_tunes(world: World, call: Call) -> SimResponse:
    jobs = sorted(world.fine_tunes.values(), key=lambda j: j.created_at)
    return json_response(200, {"object": "list", "data": [_job_view(world, j, call.now) for j in jobs]})


def get_fine_tune(world: World, call: Call) -> SimResponse:
    return json_response(200, _job_view(world, _job(world, call), call.now))


def cancel_fine_tune(world: World, call: Call) -> SimResponse:
    job = _job(world, call)
    if job_status(world, job, call.now) in TERMINAL:
        raise bad_request(f"fine-tune {job.id} has already ended")
    job.cancelled_at = call.now
    return json_response(200, _job_view(world, job, call.now))


def delete_fine_tune(world: World, call: Call) -> SimResponse:
    job = _job(world, call)
    if job_status(world, job, call.now) not in TERMINAL:
        raise bad_request(f"fine-tune {job.id} is still running: cancel it first")
    del world.fine_tunes[job.id]
    return json_response(200, {"id": job.id, "deleted": True})


def fine_tune_events(world: World, call: Call) -> SimResponse:
    job = _job(world, call)
    return json_response(200, {"object": "list", "data": _events(world, job, call.now)})


def fine_tune_checkpoints(world: World, call: Call) -> SimResponse:
    job = _job(world, call)
    done = job_status(world, job, call.now) == "completed"
    data = (
        [
            {
                "step": _total_steps(job),
                "path": f"s3://sim/{job.id}/final",
                "created_at": _stage_at(world, job, "completed").isoformat(),
                "checkpoint_type": "final",
                "checkpoint": "model",
                "object_id": job.minted_model_id,
                "object_name": job.model_output_name,
            }
        ]
        if done
        else []
    )
    return json_response(200, {"object": "list", "data": data})


def _job(world: World, call: Call) -> FineTuneRecord:
    job = world.fine_tunes.get(call.params["job"])
    if job is None:
        raise not_found("fine-tune", call.params["job"])
    return job


def _stage_at(world: World, job: FineTuneRecord, status: JobStatus) -> datetime:
    fraction = dict(LADDER)[status]
    return job.created_at + timedelta(seconds=world.settings.fine_tune_seconds * fraction)


def _fail_at(world: World, job: FineTuneRecord) -> datetime:
    return job.created_at + timedelta(seconds=world.settings.fine_tune_seconds * 0.4)


def job_status(world: World, job: FineTuneRecord, now: datetime) -> JobStatus:
    if job.cancelled_at is not None:
        return "cancelled" if now >= job.cancelled_at + timedelta(seconds=1) else "cancel_requested"
    if job.fails and now >= _fail_at(world, job):
        return "error"
    status: JobStatus = "pending"
    for name, _ in LADDER:
        if now >= _stage_at(world, job, name):
            status = name
    return status


def _total_steps(job: FineTuneRecord) -> int:
    return max(1, math.ceil(job.nlines / BATCH_SIZE)) * job.n_epochs


def _steps_done(world: World, job: FineTuneRecord, now: datetime) -> int:
    start, end = _stage_at(world, job, "running"), _stage_at(world, job, "compressing")
    if job.fails:
        end = min(end, _fail_at(world, job))
    if now <= start:
        return 0
    if now >= end:
        return (
            _total_steps(job)
            if job_status(world, job, now) not in ("error", "cancelled")
            else _partial(world, job, end)
        )
    return _partial(world, job, now)


def _partial(world: World, job: FineTuneRecord, at: datetime) -> int:
    start, end = _stage_at(world, job, "running"), _stage_at(world, job, "compressing")
    span = (end - start).total_seconds() or 1.0
    return min(_total_steps(job), int(_total_steps(job) * max(0.0, (at - start).total_seconds()) / span))


def settle(world: World, now: datetime) -> None:
    """Mint the output model of every job that has completed by `now` (once)."""
    for job in world.fine_tunes.values():
        if job.minted_model_id is None and job_status(world, job, now) == "completed":
            base = world.model_named(job.model)
            assert base is not None
            minted = base.model_copy(
                update={
                    "id": f"ml_{_digest('minted', job.id)[:16]}",
                    "name": job.model_output_name,
                    "project_id": world.project.id,
                    "revision_id": f"rv_{_digest('minted', job.id, 'revision 1')[:16]}",
                    "visibility": "VISIBILITY_PRIVATE",
                    "created_at": _stage_at(world, job, "completed"),
                    "base_model": base.name,
                    "family": None,
                }
            )
            world.models[minted.id] = minted
            job.minted_model_id = minted.id


def _job_view(world: World, job: FineTuneRecord, now: datetime) -> dict[str, Any]:
    status = job_status(world, job, now)
    minted = world.models.get(job.minted_model_id) if job.minted_model_id else None
    remaining = max(0.0, (_stage_at(world, job, "completed") - now).total_seconds())
    epochs_done = min(job.n_epochs, _steps_done(world, job, now) * job.n_epochs // _total_steps(job))
    return {
        "id": job.id,
        "object": "fine-tune",
        "user_id": world.project.organization_id,
        "status": status,
        "created_at": job.created_at.isoformat(),
        "updated_at": now.isoformat(),
        "model": job.model,
        "training_file": job.training_file,
        "validation_file": job.validation_file or "",
        "suffix": job.suffix,
        "n_epochs": job.n_epochs,
        "n_checkpoints": job.n_checkpoints,
        "learning_rate": job.learning_rate,
        "training_type": job.training_type,
        "training_method": job.training_method,
        "trainingfile_numlines": job.nlines,
        "token_count": job.token_count,
        "total_price": job.total_price,
        "steps_completed": _steps_done(world, job, now),
        "total_steps": _total_steps(job),
        "epochs_completed": epochs_done,
        "evals_completed": 0,
        "queue_depth": 0 if status not in ("pending", "queued") else 1,
        "progress": {
            "estimate_available": status not in TERMINAL,
            "seconds_remaining": 0 if status in TERMINAL else remaining,
        },
        "model_output_name": job.model_output_name,
        "adapter_output_name": f"{job.model_output_name}-adapter"
        if _training_kind(job.training_type) == "lora"
        else None,
        "model_object_id": minted.id if minted else None,
        "model_object_name": f"{world.project.slug}/{minted.name.split('/')[-1]}" if minted else None,
        "model_object_revision_id": minted.revision_id if minted else None,
        "events": _events(world, job, now),
    }


_STAGE_EVENTS: dict[str, tuple[str, str]] = {
    "pending": ("job_pending", "Fine-tune job created"),
    "queued": ("job_start", "Job queued"),
    "running": ("training_start", "Training started"),
    "compressing": ("model_compressing", "Training completed; compressing the model"),
    "uploading": ("model_uploading", "Uploading the model"),
    "completed": ("job_complete", "Fine-tune job completed: the output model is in your project"),
}


def _events(world: World, job: FineTuneRecord, now: datetime) -> list[dict[str, Any]]:
    events = []
    ended_at = job.cancelled_at if job.cancelled_at is not None else (_fail_at(world, job) if job.fails else None)
    for status, _ in LADDER:
        at = _stage_at(world, job, status)
        if at > now or (ended_at is not None and at > ended_at):
            break
        kind, message = _STAGE_EVENTS[status]
        events.append(_event(at, kind, message))
        if status == "compressing":
            events.insert(-1, _event(at, "training_complete", f"Training completed after {_total_steps(job)} steps"))
    if job.fails and now >= _fail_at(world, job) and job.cancelled_at is None:
        events.append(_event(_fail_at(world, job), "job_error", "Training failed: simulated failure", level="error"))
    if job.cancelled_at is not None and now >= job.cancelled_at:
        events.append(_event(job.cancelled_at, "cancel_requested", "Cancellation requested"))
    return events


def _event(at: datetime, kind: str, message: str, *, level: str = "info") -> dict[str, Any]:
    return {"object": "fine-tune-event", "created_at": at.isoformat(), "type": kind, "message": message, "level": level}
