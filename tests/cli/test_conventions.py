"""The CLI's conventions: plain output under NO_COLOR, layout that holds at 80 columns, bind errors
that name the address, Ctrl-C during apply that stops between steps and says what runs, apply's
progress that keeps the roles already done."""

from __future__ import annotations

import io
import os
import signal
import socket
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from rich.console import Console

from controlplane.store import Store
from tests.support.cli import Run
from tests.support.clock import FakeClock

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 that another socket is listening on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        yield holder.getsockname()[1]


def at_80(renderable: object) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=80, color_system=None).print(renderable)
    return buffer.getvalue()


class TestPlainOutput:
    def test_no_color_drops_bold_and_dim_too(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from controlplane.cli.output import _Styled

        buffer = io.StringIO()
        monkeypatch.setenv("NO_COLOR", "1")
        console = _Styled(file=buffer, force_terminal=True)
        console.print("[bold]Plan[/bold] [dim]unchanged[/dim] [green]+[/green]")
        assert buffer.getvalue() == "Plan unchanged +\n"

    def test_off_a_terminal_a_command_writes_no_escape_codes(self, run: Run, quickstart: Path) -> None:
        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        for words in (("plan",), ("status",), ("models", "list"), ("costs", "report")):
            result = run(*words, "-f", str(quickstart))
            assert result.code == 0 and "\x1b[" not in result.text, words


class TestEightyColumns:
    def test_status_keeps_every_dollar_figure_and_the_endpoint(self, run: Run, quickstart: Path) -> None:
        from controlplane import api
        from controlplane.cli.render import status_table
        from controlplane.manifest import load

        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        text = at_80(status_table(api.status(load(quickstart)), width=80))
        assert max(len(line) for line in text.splitlines()) <= 80
        assert text.count("$3.99–7.98/h") == 1 and text.count("$3.99/h") == 1 and "…" not in text
        assert "quickstart-planning" in text and "quickstart-should-respond" in text

    def test_cost_bars_scale_down_instead_of_being_cut(self, run: Run, quickstart: Path, frozen: FakeClock) -> None:
        from controlplane import api
        from controlplane.cli.costs import render
        from controlplane.manifest import load

        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        with Store(f"sqlite:///{quickstart.parent}/.reasoning/state.db") as store:
            store.record_usage(
                "quickstart", "planning", at=datetime(2026, 11, 24, 10, tzinfo=timezone.utc), cost_usd=0.4
            )
        frozen.move_to(datetime(2026, 11, 26, 10, 30, tzinfo=timezone.utc))
        report = api.costs_report(load(quickstart))
        text = at_80(render(report, width=80))
        assert max(len(line) for line in text.splitlines()) <= 80
        assert "…" not in text and "$197.91" in text and "$395.41" in text
        bars = [line for line in text.splitlines() if "█" in line]
        assert bars and all(line.count("█") <= 9 for line in bars)  # 80 columns leave 9 for the longest

    def test_models_list_keeps_its_figures(self, run: Run, quickstart: Path) -> None:
        from controlplane import api
        from controlplane.cli.models import models_table
        from controlplane.manifest import load

        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        text = at_80(models_table(api.models(load(quickstart))))
        assert max(len(line) for line in text.splitlines()) <= 80
        assert "$3.99–7.98" in text and "…" not in text


class TestBindErrors:
    def test_proxy_serve_on_a_busy_port_names_the_address(self, run: Run, quickstart: Path, busy_port: int) -> None:
        result = run("proxy", "serve", "-f", str(quickstart), "--listen", f"127.0.0.1:{busy_port}")
        assert result.code == 1
        assert f"error: cannot listen on 127.0.0.1:{busy_port}: Address already in use" in result.err
        assert "internal error" not in result.err and "reasoning proxy on" not in result.err

    def test_simulator_serve_on_a_busy_port_never_says_it_is_up(self, run: Run, busy_port: int) -> None:
        result = run("simulator", "serve", "--port", str(busy_port))
        assert result.code == 1
        assert f"error: cannot listen on 127.0.0.1:{busy_port}: Address already in use" in result.err
        assert "Together simulator on" not in result.err


class TestInterruptedApply:
    def test_ctrl_c_stops_between_steps_and_says_what_was_left_running(
        self, run: Run, quickstart: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import controlplane.cli.apply as cli_apply

        steps: list[str] = []

        def step(role: str, text: str) -> None:
            steps.append(role)
            if len(steps) == 1:  # Ctrl-C while the first step runs
                os.kill(os.getpid(), signal.SIGINT)

        monkeypatch.setattr(cli_apply, "_step", step)
        result = run("apply", "-f", str(quickstart), "--auto-approve")
        assert result.code == 130, result.text
        assert steps == ["planning"]  # the second step never started
        assert "stopping after the current step" in result.err
        assert "interrupted after 1 of 2 step(s); not done: should_respond: create" in result.err
        assert "left running: planning PROVISIONING $3.99–7.98/h" in result.err
        # what was done is recorded: the next plan creates only what is left
        assert "Plan: 1 to create." in run("plan", "-f", str(quickstart)).out
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    def test_progress_keeps_the_roles_already_done(self) -> None:
        from rich.live import Live

        from controlplane.cli.apply import _Progress

        buffer = io.StringIO()
        progress = _Progress()
        progress.started = datetime(2026, 11, 24, 9, tzinfo=timezone.utc)
        progress.live = Live(console=Console(file=buffer, width=80, color_system=None), auto_refresh=False)
        progress.show({"planning": ("READY", 1, 1), "should_respond": ("PROVISIONING", 0, 1)})
        progress.show({"should_respond": ("READY", 1, 1)})  # planning is done: apply stops reporting it
        assert set(progress.seen) == {"planning", "should_respond"}
        assert progress.seen["planning"] == ("READY", 1, 1)
