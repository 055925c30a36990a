"""A short command runs without the cyclic collector (start-up speed), and gives it back as it
found it: the test suite, and any script, calls commands in-process."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import Run

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def collector_off() -> Iterator[None]:
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class TestTheCollector:
    @pytest.mark.parametrize("command", [("plan",), ("apply", "--auto-approve"), ("status",), ("events",)])
    def test_is_on_again_after_a_command(self, run: Run, quickstart: Path, command: tuple[str, ...]) -> None:
        assert gc.isenabled()
        assert run(*command, "-f", str(quickstart)).code == 0
        assert gc.isenabled()

    @pytest.mark.usefixtures("collector_off")
    def test_stays_off_for_a_caller_that_turned_it_off(self, run: Run, quickstart: Path) -> None:
        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        assert not gc.isenabled()

    def test_is_back_on_while_apply_waits_for_deployments(self, run: Run, quickstart: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        from controlplane import clock

        seen: list[bool] = []
        tick = clock.sleep
        monkeypatch.setattr(clock, "sleep", lambda seconds: (seen.append(gc.isenabled()), tick(seconds)))
        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        assert seen and all(seen)
