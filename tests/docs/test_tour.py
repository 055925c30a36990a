"""The README's tour, run as written: every `sh tour` line through the CLI and every `python tour`
block as it stands, in a fresh copy of the quickstart after its first command (plan, apply).

What a test must change is the address only: `reasoning proxy serve &` is started on a free port
(the README's 127.0.0.1:8001 may be taken by another test), and the python block is pointed at it.
The upstreams are stand-ins, so a request the proxy hands to Anthropic stays on this machine, and
the test fails if one does.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from controlplane.manifest import load
from tests.support.cli import Run
from tests.support.clock import FakeClock
from tests.support.project import edit
from tests.support.served import ServedProxy
from tests.support.standins import StandInAnthropic, StandInOpenAI

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind} tour\n(.*?)```", README, re.S)


def commands(block: str) -> list[str]:
    lines = [line.split("  #", 1)[0].strip() for line in block.splitlines()]
    return [line for line in lines if line]


def test_the_readme_has_a_tour() -> None:
    assert len(blocks("sh")) == 2 and len(blocks("python")) == 1
    assert all(line.startswith("reasoning ") for block in blocks("sh") for line in commands(block))


def test_the_tour_works_as_written(
    run: Run, quickstart: Path, frozen: FakeClock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(quickstart.parent)  # the README's commands run where reasoning.yaml is
    with StandInAnthropic() as anthropic_upstream, StandInOpenAI() as openai_upstream:
        upstreams = (
            f"  anthropic_upstream: {anthropic_upstream.base_url}\n  openai_upstream: {openai_upstream.base_url}\n"
        )
        edit(quickstart, "  anthropic_upstream: https://api.anthropic.com\n", upstreams)
        first = run("apply", "--auto-approve")  # the Quickstart's command
        assert first.code == 0, first.text
        before, after = blocks("sh")
        proxy = None
        try:
            for line in commands(before):
                if line == "reasoning proxy serve &":
                    proxy = ServedProxy(load(quickstart)).__enter__()
                    continue
                result = run(*shlex.split(line)[1:])
                assert result.code == 0, f"{line}: {result.text}"
            assert proxy is not None
            (code,) = blocks("python")
            exec(compile(code.replace("http://127.0.0.1:8001", proxy.base_url), "README.md", "exec"), {})
            printed = capsys.readouterr().out
            assert printed.startswith("coding "), printed
            proxy.flush()
        finally:
            if proxy is not None:
                proxy.__exit__(None, None, None)
        assert anthropic_upstream.received == []  # the coding request stayed on the custom model
        for line in commands(after):
            result = run(*shlex.split(line)[1:])
            assert result.code == 0, f"{line}: {result.text}"
        report = run("costs", "report", "--json")
        assert '"coding"' in report.out
