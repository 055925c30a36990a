"""`reasoning models ...` on the quickstart: list and status read the world, enable and disable edit
`reasoning.yaml` in place (one value, one line, every comment kept), deploy and undeploy are
overrides with an expiry that plan and status show and reconcile reverts.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.cli import Run
from tests.support.clock import FakeClock
from tests.support.project import edit

pytestmark = pytest.mark.usefixtures("frozen")

COMMENTED = """\
# yaml-language-server: $schema=./reasoning.schema.json
# A manifest as people keep them: comments everywhere, odd spacing, flow and block styles.
version: 1          # the format
project: quickstart # names the endpoints

provider:
  type: simulator   # no account needed

budget:             # for all roles together
  limit_usd: 500    # per month
  period: month

models:
  # the cheap one
  should-respond:
    model: moonmakesmagic/DeepSeek-R1-Distill-Qwen-1.5B-shouldrespond
    hardware: 1x_nvidia_h100_80gb_sxm   # one H100
    replicas: {min: 1, max: 1}          # always one

  planning:
    model: moonmakesmagic/DeepSeek-Qwen-14B-planning
    hardware: 1x_nvidia_h100_80gb_sxm
    enabled: true        # on during the day
    shutdown_windows:
      - {cron: "0 22 * * *", duration: 10h, timezone: Europe/Berlin}   # nights off

  coding:
    model: moonmakesmagic/DeepSeek-Llama-67B-coding
    hardware: 2x_nvidia_h100_80gb_sxm
    enabled: true            # the 67B model is the expensive one
    priority: 1              # goes first when cost must drop

proxy:
  model_map:
    gpt-4o: planning   # the OpenAI name agents send
"""


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    old, new = before.splitlines(), after.splitlines()
    assert len(old) == len(new), "lines were added or removed"
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


@pytest.fixture
def commented(tmp_path: Path) -> Path:
    path = tmp_path / "reasoning.yaml"
    path.write_text(COMMENTED)
    return path


class TestEnableDisable:
    def test_disable_coding_changes_exactly_one_line_and_keeps_its_comment(self, run: Run, commented: Path) -> None:
        result = run("models", "disable", "coding", "-f", str(commented))
        assert result.code == 0, result.text
        after = commented.read_text()
        assert changed_lines(COMMENTED, after) == [
            (
                "    enabled: true            # the 67B model is the expensive one",
                "    enabled: false           # the 67B model is the expensive one",
            )
        ]
        # the diff is shown, as git would
        assert "-    enabled: true " in result.out and "+    enabled: false " in result.out
        assert run("validate", "-f", str(commented)).code == 0

    def test_disabling_a_role_without_the_key_adds_one_line_beside_its_siblings(
        self, run: Run, commented: Path
    ) -> None:
        assert run("models", "disable", "should_respond", "-f", str(commented)).code == 0
        after = commented.read_text().splitlines()
        assert after[after.index("    replicas: {min: 1, max: 1}          # always one") + 1] == "    enabled: false"
        assert len(after) == len(COMMENTED.splitlines()) + 1

    def test_accepts_the_role_with_a_dash_or_an_underscore(self, run: Run, commented: Path) -> None:
        assert run("models", "disable", "should-respond", "-f", str(commented)).code == 0
        result = run("models", "enable", "should_respond", "-f", str(commented))
        assert result.code == 0 and "enabled: true" in commented.read_text()

    def test_an_unchanged_role_leaves_the_file_alone(self, run: Run, commented: Path) -> None:
        result = run("models", "enable", "coding", "-f", str(commented))
        assert result.code == 0 and "already enabled" in result.out
        assert commented.read_text() == COMMENTED

    def test_an_unknown_role_is_an_error_naming_the_roles(self, run: Run, commented: Path) -> None:
        result = run("models", "disable", "codeing", "-f", str(commented))
        assert result.code == 1 and "no role named 'codeing'" in result.err and "did you mean 'coding'" in result.err
        assert commented.read_text() == COMMENTED

    def test_apply_stops_the_role_it_disabled(self, run: Run, quickstart: Path) -> None:
        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        result = run("models", "disable", "planning", "-f", str(quickstart), "--apply", "--auto-approve")
        assert result.code == 0, result.text
        assert "planning" in result.out and "Apply complete: 1 stopped." in result.out
        listed = json.loads(run("models", "list", "-f", str(quickstart), "--json").out)
        planning = next(m for m in listed["models"] if m["role"] == "planning")
        assert planning["state"] == "STOPPED" and planning["enabled"] is False


class TestList:
    def test_lists_each_role_with_its_endpoint_cost_and_why_it_is_stopped(self, run: Run, quickstart: Path) -> None:
        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        data = json.loads(run("models", "list", "-f", str(quickstart), "--json").out)
        assert data["format_version"] == "1" and data["project"] == "quickstart"
        models = {m["role"]: m for m in data["models"]}
        should = models["should_respond"]
        assert should["endpoint"] == "quickstart-should-respond" and should["state"] == "READY"
        assert should["usd_per_hour"] == {"low": 3.99, "high": 3.99} and should["revision"]
        assert should["why_stopped"] is None and should["last_request"] is None
        assert models["coding"]["state"] == "ABSENT" and "enabled: false" in models["coding"]["why_stopped"]

    def test_the_table_fits_80_columns_without_cutting_a_dollar_figure(
        self, run: Run, quickstart: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        monkeypatch.setenv("COLUMNS", "80")
        text = run("models", "list", "-f", str(quickstart)).out
        assert "quickstart-should-respond" in text.replace("\n", "") or "quickstart-should-" in text
        assert "$3.99" in text and "Running cost $7.98–11.97/h." in text

    def test_status_shows_each_role_in_detail(self, run: Run, quickstart: Path) -> None:
        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        text = run("models", "status", "-f", str(quickstart)).out
        assert "planning: READY" in text and "endpoint:     quickstart-planning  (the name an agent calls)" in text
        assert "coding: ABSENT" in text and "enabled:      no (enabled: false)" in text


class TestDeployUndeploy:
    def test_deploy_for_a_while_runs_a_disabled_role_until_reconcile_reverts_it(
        self, run: Run, quickstart: Path, frozen: FakeClock
    ) -> None:
        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        result = run("models", "deploy", "coding", "--for", "2h", "-f", str(quickstart), "--auto-approve")
        assert result.code == 0, result.text
        assert "coding is deployed by `reasoning models deploy` until" in result.err
        assert "Apply complete: 1 created." in result.out
        plan = run("plan", "-f", str(quickstart))
        assert "Override: coding is deployed by `reasoning models deploy` until 2026-11-24" in plan.out
        assert "No changes." in plan.out
        listed = json.loads(run("models", "list", "-f", str(quickstart), "--json").out)
        coding = next(m for m in listed["models"] if m["role"] == "coding")
        assert coding["state"] == "READY" and coding["override"]["run"] is True

        frozen.tick(timedelta(hours=2, minutes=1))
        assert run("reconcile", "-f", str(quickstart)).code == 0
        after = json.loads(run("models", "list", "-f", str(quickstart), "--json").out)
        coding = next(m for m in after["models"] if m["role"] == "coding")
        assert coding["state"] in ("STOPPING", "STOPPED") and coding["override"] is None  # reconcile does not wait
        events = run("events", "-f", str(quickstart), "--role", "coding").out
        assert "override expired" in events

    def test_undeploy_stops_a_role_and_plan_says_why(self, run: Run, quickstart: Path) -> None:
        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        result = run("models", "undeploy", "should-respond", "--for", "1h", "-f", str(quickstart), "--auto-approve")
        assert result.code == 0, result.text
        assert "Apply complete: 1 stopped." in result.out
        status = run("models", "status", "-f", str(quickstart)).out
        assert "override:     undeployed by `reasoning models undeploy` until" in status

    def test_an_expired_undeploy_starts_the_role_again_at_the_next_reconcile(
        self, run: Run, quickstart: Path, frozen: FakeClock
    ) -> None:
        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        assert (
            run("models", "undeploy", "should_respond", "--for", "1h", "-f", str(quickstart), "--auto-approve").code
            == 0
        )
        frozen.tick(timedelta(minutes=30))
        assert run("reconcile", "-f", str(quickstart), "--dry-run", "--json").code == 0
        held = json.loads(run("reconcile", "-f", str(quickstart), "--json").out)
        assert not [c for c in held["changes"] if c["role"] == "should_respond"]  # still undeployed
        frozen.tick(timedelta(minutes=31))
        round_ = json.loads(run("reconcile", "-f", str(quickstart), "--json").out)
        started = next(c for c in round_["changes"] if c["role"] == "should_respond")
        assert started["kind"] == "start" and "undeploy` override expired" in started["reason"]

    def test_a_declined_deploy_leaves_no_override(self, run: Run, quickstart: Path) -> None:
        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        result = run("models", "deploy", "coding", "-f", str(quickstart))  # stdin is no terminal: refused
        assert result.code == 1 and "refusing to apply without confirmation" in result.err
        assert "Override" not in run("plan", "-f", str(quickstart)).out

    def test_a_role_may_be_named_by_its_model_as_the_original_cli_did(self, run: Run, quickstart: Path) -> None:
        model = "moonmakesmagic/DeepSeek-Llama-67B-coding"
        result = run("models", "undeploy", model, "--no-apply", "-f", str(quickstart))
        assert result.code == 0 and "coding is undeployed" in result.err

    def test_reset_drops_the_override(self, run: Run, quickstart: Path) -> None:
        assert run("models", "undeploy", "coding", "--no-apply", "-f", str(quickstart)).code == 0
        assert "Override: coding" in run("plan", "-f", str(quickstart)).out
        assert "Override dropped" in run("models", "reset", "coding", "-f", str(quickstart)).out
        assert "Override" not in run("plan", "-f", str(quickstart)).out


class TestTarget:
    def test_apply_target_changes_only_that_role(self, run: Run, quickstart: Path) -> None:
        result = run("apply", "-f", str(quickstart), "--auto-approve", "--target", "planning")
        assert result.code == 0, result.text
        assert "Targeted: planning only" in result.out and "Apply complete: 1 created." in result.out
        data = json.loads(run("models", "list", "-f", str(quickstart), "--json").out)
        states = {m["role"]: m["state"] for m in data["models"]}
        assert states == {"coding": "ABSENT", "planning": "READY", "should_respond": "ABSENT"}

    def test_an_unknown_target_is_an_error(self, run: Run, quickstart: Path) -> None:
        result = run("plan", "-f", str(quickstart), "--target", "nope")
        assert result.code == 1 and "--target nope: no such role" in result.err


class TestPlanAndValidate:
    def test_validate_rejects_hardware_plan_would_reject(self, run: Run, quickstart: Path) -> None:
        edit(quickstart, "2x_nvidia_h100_80gb_sxm", "3x_nvidia_h100_80gb_sxm")
        validated, planned = run("validate", "-f", str(quickstart)), run("plan", "-f", str(quickstart))
        assert validated.code == planned.code == 1
        assert "models.coding.hardware: unknown hardware '3x_nvidia_h100_80gb_sxm'" in validated.err
        assert "unknown hardware '3x_nvidia_h100_80gb_sxm'" in planned.err

    def test_a_removed_role_names_every_reference_to_it(self, run: Run, quickstart: Path) -> None:
        edit(quickstart, "    gpt-4o: planning", "    gpt-4o: planning\n    gpt-4.1: planning")
        text = quickstart.read_text()
        start = text.index("  planning:")
        quickstart.write_text(text[:start] + text[text.index("  coding:") :])
        result = run("plan", "-f", str(quickstart))
        assert result.code == 1
        assert "proxy.model_map.gpt-4o, proxy.model_map.gpt-4.1" in result.err

    def test_destroy_says_why_it_deletes(self, run: Run, quickstart: Path) -> None:
        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        result = run("destroy", "-f", str(quickstart), "--auto-approve")
        assert result.code == 0 and "destroy: every endpoint of the project goes" in result.out
        assert "role removed from reasoning.yaml" not in result.out

    def test_plan_warns_when_projected_spend_is_over_the_budget(self, run: Run, quickstart: Path) -> None:
        result = run("plan", "-f", str(quickstart))
        # 159 hours left of November at $7.98/h (two H100s at minimum replicas)
        assert "Warning: budget: projected $1,268.82 this month against a limit of $500.00" in result.out
        assert json.loads(run("plan", "-f", str(quickstart), "--json").out)["warnings"]
        quiet = run("plan", "-q", "-f", str(quickstart)).out.splitlines()
        assert len(quiet) == 2 and quiet[0].startswith("Warning: budget") and quiet[1].startswith("Plan: 2 to create.")
        applied = run("apply", "-f", str(quickstart), "--auto-approve")
        assert applied.code == 0 and "Warning: budget: projected $1,268.82 this month" in applied.out
