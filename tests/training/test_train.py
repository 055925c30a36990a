"""`controlplane.training.train` on the quickstart's simulator: upload, validation, quote, job,
progress and the candidate, in simulated time (the `frozen` clock: every poll's sleep moves it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from controlplane.manifest import Manifest, load
from controlplane.provider.simulator import WorldFile
from controlplane.training import Quote, TrainingError, TrainOptions, train
from tests.support.project import copy_quickstart

pytestmark = pytest.mark.usefixtures("frozen")

SAMPLES = [
    {"messages": [{"role": "system", "content": "Decide."}, {"role": "user", "content": f"message {n}"},
                  {"role": "assistant", "content": "<response><action>RESPOND</action></response>"}]}
    for n in range(40)
]  # fmt: skip


@pytest.fixture
def manifest(tmp_path: Path) -> Manifest:
    return load(copy_quickstart(tmp_path))


def data(tmp_path: Path, samples: list[dict[str, object]] = SAMPLES, name: str = "train.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(s) + "\n" for s in samples))
    return path


def world(manifest: Manifest) -> WorldFile:
    provider = manifest.provider
    return WorldFile(manifest.path(provider.state_file))  # type: ignore[union-attr]


def test_trains_the_roles_base_model_and_names_the_candidate(manifest: Manifest, tmp_path: Path) -> None:
    quotes: list[Quote] = []
    events: list[str] = []
    options = TrainOptions("should_respond", data(tmp_path), epochs=2, wait=True)
    trained = train(
        manifest, options, confirm=lambda q: quotes.append(q) or True, on_event=lambda e: events.append(e.type)
    )
    assert trained is not None and not trained.resumed
    (quote,) = quotes
    # the role's model is a fine-tune of DeepSeek-R1-Distill-Qwen-1.5B: that base is what trains
    assert quote.base_model == "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"
    assert quote.training_type == "Lora" and quote.lines == 40 and quote.estimate.estimation_available
    assert trained.job.status == "completed" and trained.candidate is not None
    assert "should-respond-" in trained.candidate
    assert events[0] == "job_pending" and events[-1] == "job_complete"
    with world(manifest).session() as w:
        minted = w.model_named(trained.candidate)
        assert minted is not None and minted.base_model == quote.base_model


def test_a_second_run_on_the_same_data_finds_its_job_instead_of_paying_again(
    manifest: Manifest, tmp_path: Path
) -> None:
    path = data(tmp_path)
    started = train(manifest, TrainOptions("planning", path), confirm=lambda q: True)
    assert started is not None and started.job.status == "pending" and started.candidate is None

    def no_second_quote(quote: Quote) -> bool:
        raise AssertionError("a job for this data exists: nothing to confirm")

    followed = train(manifest, TrainOptions("planning", path, wait=True), confirm=no_second_quote)
    assert followed is not None and followed.resumed and followed.job.id == started.job.id
    assert followed.candidate is not None
    with world(manifest).session() as w:
        assert len(w.fine_tunes) == 1


def test_declining_the_quote_starts_nothing(manifest: Manifest, tmp_path: Path) -> None:
    assert train(manifest, TrainOptions("planning", data(tmp_path)), confirm=lambda q: False) is None
    with world(manifest).session() as w:
        assert w.fine_tunes == {} and len(w.files) == 1


def test_data_together_refuses_is_an_error_naming_the_line(manifest: Manifest, tmp_path: Path) -> None:
    bad = [SAMPLES[0], {"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}]
    with pytest.raises(TrainingError, match=r"INVALID_FORMAT\): Line 2: messages\[1\]: two 'user' messages in a row"):
        train(manifest, TrainOptions("planning", data(tmp_path, bad)), confirm=lambda q: True)


def test_a_failed_job_is_an_error(manifest: Manifest, tmp_path: Path) -> None:
    with world(manifest).session() as w:
        w.settings.failing_fine_tunes = ["Qwen/Qwen2.5-14B-Instruct"]
    with pytest.raises(TrainingError, match="ended error"):
        train(manifest, TrainOptions("planning", data(tmp_path), wait=True), confirm=lambda q: True)


def test_full_training_where_only_lora_is_supported_is_refused(manifest: Manifest, tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match="LoRA fine-tuning only"):
        train(manifest, TrainOptions("coding", data(tmp_path), full=True), confirm=lambda q: True)


def test_an_unknown_role_is_named(manifest: Manifest, tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match=r"models\.reviewer: no such role"):
        train(manifest, TrainOptions("reviewer", data(tmp_path)), confirm=lambda q: True)
