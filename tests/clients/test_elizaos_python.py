"""The prompts a Python ElizaOS 2.0.0a5 agent sends, kept in prompts/py-2.0.0a5 for the simulator's
tests (issue 15, item 3), are still what the `elizaos` package composes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.clients.agent import MESSAGES
from tests.clients.python_agent import MESSAGE_HANDLER, SHOULD_RESPOND, Composed, compose
from tests.clients.test_elizaos_ts import _skeleton
from tests.support.project import copy_quickstart

pytest.importorskip("elizaos")

PROMPTS = Path(__file__).resolve().parent / "prompts" / "py-2.0.0a5"
CHATTER, ADDRESSED, ELSEWHERE, STREAMED = (m["text"] for m in MESSAGES)
CAPTURED = {
    "should_respond": (ADDRESSED, SHOULD_RESPOND),
    "should_respond_chatter": (CHATTER, SHOULD_RESPOND),
    "should_respond_elsewhere": (ELSEWHERE, SHOULD_RESPOND),
    "message_handler": (ADDRESSED, MESSAGE_HANDLER),
}


@pytest.fixture(scope="module")
def composed(tmp_path_factory: pytest.TempPathFactory) -> Composed:
    result = compose(copy_quickstart(tmp_path_factory.mktemp("python-agent")))
    if os.environ.get("REASONING_CAPTURE_PROMPTS"):
        PROMPTS.mkdir(parents=True, exist_ok=True)
        for name, (message, kind) in CAPTURED.items():
            (PROMPTS / f"{name}.txt").write_text(result.prompts(message, kind)[0])
    return result


class TestCapturedPrompts:
    def test_each_message_gets_one_should_respond_prompt_and_only_the_addressed_one_is_planned(
        self, composed: Composed
    ) -> None:
        # the recording TEXT_SMALL answers RESPOND to all three: each is then planned
        for message in (CHATTER, ADDRESSED, ELSEWHERE):
            assert len(composed.prompts(message, SHOULD_RESPOND)) == 1
            assert len(composed.prompts(message, MESSAGE_HANDLER)) == 1

    @pytest.mark.parametrize("name", sorted(CAPTURED))
    def test_the_kept_prompt_is_still_what_the_runtime_composes(self, composed: Composed, name: str) -> None:
        message, kind = CAPTURED[name]
        fresh = composed.prompts(message, kind)[0]
        kept = (PROMPTS / f"{name}.txt").read_text()
        assert _skeleton(kept) == _skeleton(fresh), f"{name}.txt is stale: rerun with REASONING_CAPTURE_PROMPTS=1"
        assert f"# Current Message\nUser: {message}\n</providers>" in kept  # the message, last in the providers
