"""v1 files and fine-tunes on the served simulator, driven by the official SDK 3.1.1.

Sources, per behaviour:
- upload protocol: SDK `lib/resources/files.py` (`UploadManager.get_upload_url`: multipart POST
  without following redirects, 302 + Location + X-Together-File-Id, 409 {file_id} reused as
  `FileAlreadyExistsError`; `_put_file_content`: the PUT must answer 200; then `/preprocess`);
- FileResponse and validation_report: SDK `types/file_response.py`; processing_status values and
  the server-side format check: shared/reference/together-fidelity.md §1.6 and §4(a) (togethercomputer
  skills PR #31: the client check is structural, the server reports INVALID_FORMAT);
- fine-tunes: SDK `resources/fine_tuning.py` (create first reads models/limits, then
  estimate-price) and `lib/types/fine_tuning.py` (statuses, events); fidelity §1.7 and §4(b);
- the output model is a private model of the project derived from its base: docs
  models-and-configs.md ("a completed fine-tune is already a private model in your project").
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import together

from tests.simulator.test_simulator_sdk import own_model, ready_endpoint
from tests.support.clock import FakeClock

QWEN = "Qwen/Qwen2.5-14B-Instruct"
GOOD = [
    {
        "messages": [
            {"role": "system", "content": "Decide."},
            {"role": "user", "content": "hi Eliza"},
            {"role": "assistant", "content": "<response><action>RESPOND</action></response>"},
        ]
    },
    {"messages": [{"role": "user", "content": "lunch?"}, {"role": "assistant", "content": "IGNORE"}]},
]


def write_jsonl(path: Path, samples: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(s) + "\n" for s in samples))
    return path


def uploaded(client: together.Together, frozen: FakeClock, path: Path) -> str:
    response = client.files.upload(file=path, purpose="fine-tune", check=False)
    assert response.processing_status == "RUNNING"
    frozen.tick(10)
    return response.id


class TestFiles:
    def test_upload_goes_through_the_presigned_put_and_validates(
        self, client: together.Together, frozen: FakeClock, tmp_path: Path
    ) -> None:
        file_id = uploaded(client, frozen, write_jsonl(tmp_path / "train.jsonl", GOOD))
        assert file_id.startswith("file-")
        got = client.files.retrieve(file_id)
        assert got.processing_status == "COMPLETED" and got.filename == "train.jsonl"
        assert got.validation_report is not None and got.validation_report.valid
        assert got.validation_report.nlines == 2 and got.validation_report.dataset_format == "conversation"
        assert file_id in [f.id for f in client.files.list().data]
        assert client.files.content(file_id).read().decode() == (tmp_path / "train.jsonl").read_text()

    def test_the_same_content_twice_is_a_409_the_sdk_reuses(
        self, client: together.Together, frozen: FakeClock, tmp_path: Path
    ) -> None:
        first = uploaded(client, frozen, write_jsonl(tmp_path / "a.jsonl", GOOD))
        again = client.files.upload(file=write_jsonl(tmp_path / "b.jsonl", GOOD), purpose="fine-tune", check=False)
        assert again.id == first

    @pytest.mark.parametrize(
        ("sample", "error"),
        [
            ({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}, "in a row"),
            ({"messages": [{"role": "human", "content": "a"}]}, "'human' is not one of"),
            ({"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}]}]}, "must be a string"),
            ({"messages": [{"role": "user", "content": "a"}], "id": 7}, "unexpected column(s) id"),
            ({"prompt": "a", "completion": "b"}, "'messages' column"),
        ],
    )
    def test_a_file_breaking_the_format_is_invalid_format_with_the_line(
        self, client: together.Together, frozen: FakeClock, tmp_path: Path, sample: dict[str, object], error: str
    ) -> None:
        file_id = uploaded(client, frozen, write_jsonl(tmp_path / "bad.jsonl", [GOOD[0], sample]))
        got = client.files.retrieve(file_id)
        assert got.processing_status == "INVALID_FORMAT"
        report = got.validation_report
        assert report is not None and not report.valid and report.error_type == "INVALID_FORMAT"
        assert report.error is not None and report.error.startswith("Line 2: ") and error in report.error

    def test_the_presigned_put_refuses_a_bearer_header(self, client: together.Together, http: httpx.Client) -> None:
        boundary = "b0undary"
        fields = {"purpose": "fine-tune", "file_name": "x.jsonl", "file_type": "jsonl", "checksum": "00" * 32}
        body = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()
        )
        created = http.post(
            "/v1/files",
            content=f"{body}--{boundary}--\r\n",
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        )
        assert created.status_code == 302 and created.headers["x-together-file-id"].startswith("file-")
        location = created.headers["location"]
        signed_twice = http.put(location, content=b"{}\n")  # `http` sends its bearer key
        assert signed_twice.status_code == 400 and b"Only one auth mechanism" in signed_twice.content
        assert httpx.put(location, content=b"{}\n").status_code == 200

    def test_preprocess_before_the_upload_is_refused(self, http: httpx.Client) -> None:
        assert http.post("/v1/files/file-unknown/preprocess").status_code == 404


class TestFineTunes:
    def test_a_job_runs_in_simulated_time_and_mints_a_deployable_model(
        self, client: together.Together, frozen: FakeClock, tmp_path: Path
    ) -> None:
        file_id = uploaded(client, frozen, write_jsonl(tmp_path / "train.jsonl", GOOD * 40))
        base = "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"
        limits = client.fine_tuning.model_limits(model_name=base)
        assert limits.max_seq_length_sft > 0 and limits.lora_training is not None
        estimate = client.fine_tuning.estimate_price(training_file=file_id, model=base, n_epochs=2)
        assert estimate.estimation_available and estimate.allowed_to_proceed
        job = client.fine_tuning.create(
            training_file=file_id, model=base, n_epochs=2, lora=True, suffix="should-respond-r2", model_limits=limits
        )
        assert job.status == "pending" and "should-respond-r2" in (job.output_name or job.model_output_name or "")
        frozen.tick(1200)
        running = client.fine_tuning.retrieve(job.id)
        assert running.status == "running" and 0 < (running.steps_completed or 0) < (running.total_steps or 0)
        frozen.tick(3600)
        done = client.fine_tuning.retrieve(job.id)
        assert done.status == "completed" and done.steps_completed == done.total_steps
        kinds = [e.type for e in client.fine_tuning.list_events(job.id).data]
        assert kinds[0] == "job_pending" and kinds[-1] == "job_complete" and "training_complete" in kinds
        minted = own_model(client, done.model_output_name or "")
        seeded = own_model(client, "moonmakesmagic/DeepSeek-R1-Distill-Qwen-1.5B-shouldrespond")  # the same base
        assert minted.id == done.model_object_id and minted.base_model == seeded.base_model is not None
        # derived from its base, so it deploys with the base's configs, and answers once READY
        endpoint = ready_endpoint(client, frozen, "candidate", minted.name)
        assert endpoint.traffic_split and len(endpoint.traffic_split) == 1

    def test_a_failing_job_ends_in_error_with_a_job_error_event(
        self, client: together.Together, frozen: FakeClock, tmp_path: Path, http: httpx.Client
    ) -> None:
        http.put("/_simulator/settings", json={"failing_fine_tunes": ["broken"]})
        file_id = uploaded(client, frozen, write_jsonl(tmp_path / "train.jsonl", GOOD))
        job = client.fine_tuning.create(training_file=file_id, model=QWEN, suffix="broken", lora=True)
        frozen.tick(3600)
        assert client.fine_tuning.retrieve(job.id).status == "error"
        assert client.fine_tuning.list_events(job.id).data[-1].type == "job_error"

    def test_cancel_then_cancelled(self, client: together.Together, frozen: FakeClock, tmp_path: Path) -> None:
        file_id = uploaded(client, frozen, write_jsonl(tmp_path / "train.jsonl", GOOD))
        job = client.fine_tuning.create(training_file=file_id, model=QWEN, lora=True)
        assert client.fine_tuning.cancel(job.id).status == "cancel_requested"
        frozen.tick(2)
        assert client.fine_tuning.retrieve(job.id).status == "cancelled"

    def test_a_file_not_yet_validated_cannot_train(
        self, client: together.Together, frozen: FakeClock, tmp_path: Path, http: httpx.Client
    ) -> None:
        response = client.files.upload(file=write_jsonl(tmp_path / "t.jsonl", GOOD), purpose="fine-tune", check=False)
        estimate = http.post("/v1/fine-tunes/estimate-price", json={"training_file": response.id, "model": QWEN})
        assert estimate.json() == {"estimation_available": False, "unavailable_reason": "train_file_not_validated"}
        refused = http.post("/v1/fine-tunes", json={"training_file": response.id, "model": QWEN})
        assert refused.status_code == 400 and "not validated" in refused.json()["error"]["message"]

    def test_model_and_from_checkpoint_are_exclusive_and_a_private_model_is_not_tunable(
        self, http: httpx.Client
    ) -> None:
        both = http.post("/v1/fine-tunes", json={"training_file": "f", "model": "m", "from_checkpoint": "ft-1"})
        assert both.status_code == 400 and "exactly one of model and from_checkpoint" in both.text
        limits = http.get(
            "/v1/fine-tunes/models/limits", params={"model_name": "moonmakesmagic/DeepSeek-Qwen-14B-planning"}
        )
        assert limits.status_code == 404
