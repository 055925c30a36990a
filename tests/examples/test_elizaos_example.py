"""examples/elizaos/agent.py runs against the real elizaos 2.0.0a5: the quickstart applied to the
simulator answers its should-respond and planning decisions, and the agent's own (stand-in) models
answer them once those roles are stopped."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.project import ROOT, apply_file, copy_quickstart, recorded, stop_role


def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("elizaos_example_agent", ROOT / "examples" / "elizaos" / "agent.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def test_the_example_agent_decides_with_the_custom_models_then_falls_back(
    frozen: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    agent = example()
    manifest_path = copy_quickstart(tmp_path)
    manifest = apply_file(manifest_path)
    messages = ["Hi Eliza, how are you?", "Bob, lunch at noon"]

    asyncio.run(agent.main(["-f", str(manifest_path), *messages]))
    assert capsys.readouterr().out.splitlines() == [
        "> Hi Eliza, how are you?",
        "  should_respond: RESPOND (custom: answered by quickstart-should-respond)",
        "  plan: REPLY (custom: answered by quickstart-planning)",
        "  Eliza: You said: User: Hi Eliza, how are you?",
        "> Bob, lunch at noon",
        "  should_respond: IGNORE (custom: answered by quickstart-should-respond)",
        "  (Eliza stays quiet)",
    ]

    # Both roles stopped, as reconcile leaves a role its policy stops (over budget, idle, in a
    # shutdown window): applied stopped while the manifest still enables it.
    written = manifest_path.read_text()
    stop_role(manifest_path, "should_respond")
    stop_role(manifest_path, "planning")
    manifest_path.write_text(written)
    asyncio.run(agent.main(["-f", str(manifest_path), *messages]))
    # the agent's own models decide, as they did before reasoning
    assert capsys.readouterr().out.splitlines() == [
        "> Hi Eliza, how are you?",
        "  should_respond: RESPOND (fallback: stopped)",
        "  plan: REPLY (fallback: stopped)",
        "  Eliza: (local model) You said: User: Hi Eliza, how are you?",
        "> Bob, lunch at noon",
        "  should_respond: RESPOND (fallback: stopped)",
        "  plan: REPLY (fallback: stopped)",
        "  Eliza: (local model) You said: User: Bob, lunch at noon",
    ]
    usage, samples = recorded(manifest)
    assert [(u.role, u.outcome) for u in usage] == [
        ("should_respond", "ok"),
        ("planning", "ok"),
        ("should_respond", "ok"),
        ("should_respond", "fallback"),
        ("planning", "fallback"),
        ("should_respond", "fallback"),
        ("planning", "fallback"),
    ]
    assert len(samples) == len(usage)
