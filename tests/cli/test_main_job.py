"""The main job, end to end on the in-process simulator: reasoning.yaml -> plan -> apply -> status.

Simulated time comes from the frozen clock: apply's waits tick it, so provisioning takes its
simulated seconds and no test waits on real time.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from tests.support.cli import Run
from tests.support.project import edit

pytestmark = pytest.mark.usefixtures("frozen")


def plan_json(run: Run, manifest: Path) -> dict:  # type: ignore[type-arg]
    result = run("plan", "-f", str(manifest), "--json")
    assert result.code == 0, result.text
    return json.loads(result.out)  # type: ignore[no-any-return]


def kinds(run: Run, manifest: Path) -> dict[str, str]:
    return {a["role"]: a["kind"] for a in plan_json(run, manifest)["actions"]}


class TestQuickstart:
    def test_plans_then_applies_then_has_nothing_left_to_do(self, run: Run, quickstart: Path) -> None:
        before = run("plan", "-f", str(quickstart), "--detailed-exitcode")
        assert before.code == 2, before.text
        assert "+ should_respond  create" in before.out and "Plan: 2 to create." in before.out
        applied = run("apply", "-f", str(quickstart), "--auto-approve")
        assert applied.code == 0, applied.text
        assert "Apply complete: 2 created." in applied.out
        after = run("plan", "-f", str(quickstart), "--detailed-exitcode")
        assert after.code == 0, after.text
        assert after.out.strip().endswith("No changes. 3 role(s) up to date; running cost $7.98–11.97/h.")

    def test_status_shows_each_role_ready_with_its_cost(self, run: Run, quickstart: Path) -> None:
        run("apply", "-f", str(quickstart), "--auto-approve")
        status = json.loads(run("status", "-f", str(quickstart), "--json").out)
        roles = {r["role"]: r for r in status["roles"]}
        assert status["format_version"] == "1"
        assert roles["should_respond"]["state"] == "READY" and roles["should_respond"]["ready_replicas"] == 1
        assert roles["planning"]["usd_per_hour"] == {"low": 3.99, "high": 7.98}
        assert roles["coding"]["state"] == "ABSENT" and roles["coding"]["pending"] is None
        table = run("status", "-f", str(quickstart)).out
        assert "should_respond" in table and "READY" in table and "Running cost $7.98–11.97/h." in table

    def test_apply_without_approval_on_a_pipe_refuses_and_changes_nothing(self, run: Run, quickstart: Path) -> None:
        refused = run("apply", "-f", str(quickstart))
        assert refused.code == 1 and "pass --auto-approve" in refused.err
        assert run("plan", "-f", str(quickstart), "--detailed-exitcode").code == 2

    def test_no_wait_returns_while_deployments_provision(self, run: Run, quickstart: Path) -> None:
        result = run("apply", "-f", str(quickstart), "--auto-approve", "--no-wait")
        assert result.code == 0 and "Not waiting" in result.out
        states = {
            r["role"]: r["state"] for r in json.loads(run("status", "-f", str(quickstart), "--json").out)["roles"]
        }
        assert states["planning"] == "PROVISIONING"


class TestEdits:
    @pytest.fixture(autouse=True)
    def applied(self, frozen: object, run: Run, quickstart: Path) -> None:
        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0

    def test_editing_replicas_updates_in_place(self, run: Run, quickstart: Path) -> None:
        edit(quickstart, "replicas: {min: 1, max: 2}", "replicas: {min: 2, max: 3}")
        plan = plan_json(run, quickstart)
        planning = next(a for a in plan["actions"] if a["role"] == "planning")
        assert planning["kind"] == "update" and planning["reason"] == "replicas.min 1 → 2, replicas.max 2 → 3"
        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        assert run("plan", "-f", str(quickstart), "--detailed-exitcode").code == 0

    def test_editing_hardware_replaces_and_says_why(self, run: Run, quickstart: Path) -> None:
        edit(
            quickstart,
            "hardware: 1x_nvidia_h100_80gb_sxm\n    replicas: {min: 1, max: 2}",
            "hardware: 1x_nvidia_h200_140gb_sxm\n    replicas: {min: 1, max: 2}",
        )
        text = run("plan", "-f", str(quickstart)).out
        assert (
            "-/+ planning        replace  hardware 1x_nvidia_h100_80gb_sxm → 1x_nvidia_h200_140gb_sxm "
            "forces replacement"
        ) in text
        assert "hardware: 1x_nvidia_h100_80gb_sxm → 1x_nvidia_h200_140gb_sxm  # forces replacement" in text
        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        status = json.loads(run("status", "-f", str(quickstart), "--json").out)
        planning = next(r for r in status["roles"] if r["role"] == "planning")
        assert planning["spec"]["hardware"] == "1x_nvidia_h200_140gb_sxm" and planning["state"] == "READY"
        assert run("plan", "-f", str(quickstart), "--detailed-exitcode").code == 0

    def test_a_replace_stops_the_old_deployment_before_deleting_it(self, run: Run, quickstart: Path) -> None:
        """Together deletes only a stopped deployment (docs: dedicated-model-inference/api-reference.md,
        Delete Resources); the simulator refuses any other, so apply must stop, wait and delete."""
        edit(quickstart, "hardware: 1x_nvidia_h100_80gb_sxm\n    replicas: {min: 1, max: 2}",
             "hardware: 1x_nvidia_h200_140gb_sxm\n    replicas: {min: 1, max: 2}")  # fmt: skip
        applied = run("apply", "-f", str(quickstart), "--auto-approve")
        assert applied.code == 0, applied.text
        said = [applied.err.index(text) for text in ("stopping deployment", "is STOPPED", "deleting deployment")]
        assert said == sorted(said)
        log = json.loads(run("events", "-f", str(quickstart), "--role", "planning", "--json").out)["events"]
        assert [e["kind"] for e in log][-4:] == ["retire.stop", "retire.stopped", "retire.delete", "replace"]

    def test_a_public_base_model_plans_with_its_profile_and_price_and_applies(self, run: Run, quickstart: Path) -> None:
        """A model of Together's supported-models catalog, not of the project, runs a deployment
        profile's platform-owned model and config (docs: models-and-configs.md, Deployment profiles)."""
        edit(quickstart, "model: moonmakesmagic/DeepSeek-Qwen-14B-planning", "model: Qwen/Qwen2.5-14B-Instruct")
        planning = next(a for a in plan_json(run, quickstart)["actions"] if a["role"] == "planning")
        assert planning["kind"] == "replace" and planning["forced_by"] == "model"
        assert planning["reason"].startswith("model moonmakesmagic/DeepSeek-Qwen-14B-planning → Qwen/Qwen2.5-14B")
        assert re.search(
            r"; profile cr_\w+: BF16 on 1x_nvidia_h100_80gb_sxm at \$3\.99/h per replica$", planning["reason"]
        )
        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        status = json.loads(run("status", "-f", str(quickstart), "--json").out)
        role = next(r for r in status["roles"] if r["role"] == "planning")
        assert (role["spec"]["model"], role["state"]) == ("Qwen/Qwen2.5-14B-Instruct", "READY")
        assert run("plan", "-f", str(quickstart), "--detailed-exitcode").code == 0

    def test_disabling_a_role_stops_it_and_it_costs_nothing(self, run: Run, quickstart: Path) -> None:
        edit(quickstart, "    idle_shutdown_minutes: 30\n    priority: 10", "    enabled: false\n    priority: 10")
        assert kinds(run, quickstart)["should_respond"] == "stop"
        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        status = json.loads(run("status", "-f", str(quickstart), "--json").out)
        role = next(r for r in status["roles"] if r["role"] == "should_respond")
        assert role["state"] == "STOPPED" and role["usd_per_hour"] == {"low": 0.0, "high": 0.0}
        edit(quickstart, "    enabled: false\n    priority: 10", "    priority: 10")
        assert kinds(run, quickstart)["should_respond"] == "start"

    def test_removing_a_role_deletes_it(self, run: Run, quickstart: Path) -> None:
        text = quickstart.read_text()
        start, end = text.index("  should_respond:"), text.index("  planning:")
        quickstart.write_text(re.sub(r"    \S+: should_respond\n", "", text[:start] + text[end:]))
        plan = plan_json(run, quickstart)
        action = next(a for a in plan["actions"] if a["role"] == "should_respond")
        assert (action["kind"], action["reason"]) == ("delete", "role removed from reasoning.yaml")
        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0
        assert "should_respond" not in kinds(run, quickstart)

    def test_destroy_deletes_every_endpoint(self, run: Run, quickstart: Path) -> None:
        result = run("destroy", "-f", str(quickstart), "--auto-approve")
        assert result.code == 0 and "2 to delete" in result.out
        states = {
            r["role"]: r["state"] for r in json.loads(run("status", "-f", str(quickstart), "--json").out)["roles"]
        }
        assert set(states.values()) == {"ABSENT"}


class TestSavedPlans:
    def test_applies_exactly_the_saved_plan_even_after_the_manifest_changed(
        self, run: Run, quickstart: Path, tmp_path: Path
    ) -> None:
        saved = tmp_path / "plan.json"
        assert run("plan", "-f", str(quickstart), "--out", str(saved)).code == 0
        edit(quickstart, "replicas: {min: 1, max: 2}", "replicas: {min: 2, max: 2}")
        result = run("apply", "-f", str(quickstart), str(saved))
        assert result.code == 0, result.text
        status = json.loads(run("status", "-f", str(quickstart), "--json").out)
        planning = next(r for r in status["roles"] if r["role"] == "planning")
        assert planning["spec"]["min_replicas"] == 1, "the saved plan said 1, not the edited manifest"

    def test_a_saved_plan_is_refused_once_the_world_changed(self, run: Run, quickstart: Path, tmp_path: Path) -> None:
        run("apply", "-f", str(quickstart), "--auto-approve")
        edit(quickstart, "replicas: {min: 1, max: 2}", "replicas: {min: 2, max: 2}")
        saved = tmp_path / "plan.json"
        assert run("plan", "-f", str(quickstart), "--out", str(saved)).code == 0
        edit(quickstart, "replicas: {min: 2, max: 2}", "replicas: {min: 3, max: 3}")
        assert run("apply", "-f", str(quickstart), "--auto-approve").code == 0  # the world moves on
        stale = run("apply", "-f", str(quickstart), str(saved))
        assert stale.code == 1 and "the saved plan is stale" in stale.err
        assert "reasoning plan --out" in stale.err

    def test_a_plan_file_for_another_project_is_refused(self, run: Run, quickstart: Path, tmp_path: Path) -> None:
        saved = tmp_path / "plan.json"
        run("plan", "-f", str(quickstart), "--out", str(saved))
        edit(quickstart, "project: quickstart", "project: other")
        result = run("apply", "-f", str(quickstart), str(saved))
        assert result.code == 1 and "the plan is for project quickstart" in result.err

    def test_markdown_is_ready_for_a_pr_comment(self, run: Run, quickstart: Path) -> None:
        text = run("plan", "-f", str(quickstart), "--markdown").out
        assert text.startswith("### `reasoning plan` — project `quickstart`")
        assert "| `+` | `should_respond` | create | not deployed yet | $0.00/h | $3.99/h |" in text
        assert "Limit: $25.00/h" in text


class TestRecords:
    def test_apply_records_who_changed_what_and_why(self, run: Run, quickstart: Path) -> None:
        run("apply", "-f", str(quickstart), "--auto-approve")
        database = quickstart.parent / ".reasoning" / "state.db"
        rows = sqlite3.connect(database).execute("SELECT role, kind, reason, actor FROM events ORDER BY id").fetchall()
        assert [(r[0], r[1], r[2]) for r in rows] == [
            ("planning", "create", "not deployed yet"),
            ("should_respond", "create", "not deployed yet"),
        ]
        assert all("@" in r[3] for r in rows)
        applied = sqlite3.connect(database).execute("SELECT role, min_replicas, enabled FROM applied_roles").fetchall()
        assert sorted(applied) == [("planning", 1, 1), ("should_respond", 1, 1)]


class TestBadInput:
    def test_unknown_hardware_names_the_line_and_suggests(self, run: Run, quickstart: Path) -> None:
        edit(quickstart, "hardware: 2x_nvidia_h100_80gb_sxm", "hardware: 2x_nvidia_h100_80gb")
        result = run("plan", "-f", str(quickstart))
        assert result.code == 1
        assert result.err.splitlines()[0] == (
            f"error: {quickstart}:34: models.coding.hardware: unknown hardware "
            "'2x_nvidia_h100_80gb' (did you mean '2x_nvidia_h100_80gb_sxm'?)"
        )
        assert result.err.splitlines()[1].startswith("hint: available: ")
        assert "Traceback" not in result.text

    def test_a_plan_over_the_hourly_limit_is_refused_with_figures(self, run: Run, quickstart: Path) -> None:
        edit(quickstart, "max_cost_per_hour_usd: 25", "max_cost_per_hour_usd: 10")
        result = run("plan", "-f", str(quickstart))
        assert result.code == 1 and "could cost $11.97/h at max replicas" in result.err
        assert "over budget.max_cost_per_hour_usd $10.00/h" in result.err

    def test_a_model_too_big_for_its_hardware_is_refused(self, run: Run, quickstart: Path) -> None:
        edit(quickstart, "hardware: 2x_nvidia_h100_80gb_sxm", "hardware: 1x_nvidia_h100_80gb_sxm")
        result = run("plan", "-f", str(quickstart))
        assert result.code == 1
        assert "1x_nvidia_h100_80gb_sxm cannot serve moonmakesmagic/DeepSeek-Llama-67B-coding" in result.err

    def test_a_bad_lock_timeout_is_a_usage_error(self, run: Run, quickstart: Path) -> None:
        result = run("apply", "-f", str(quickstart), "--auto-approve", "--lock-timeout", "soon")
        assert result.code == 1 and "--lock-timeout: 'soon' is not a duration" in result.err


class TestHelp:
    def test_debug_shows_the_traceback_that_is_otherwise_hidden(self, run: Run, quickstart: Path) -> None:
        edit(quickstart, "hardware: 2x_nvidia_h100_80gb_sxm", "hardware: nope")
        plain, debug = run("plan", "-f", str(quickstart)), run("plan", "-f", str(quickstart), "--debug")
        assert plain.code == debug.code == 1
        assert "Traceback" not in plain.err and "Traceback" in debug.err and "UnknownHardware" in debug.err

    def test_every_command_has_help_and_a_line_in_the_readme(self, run: Run) -> None:
        import typer

        from controlplane.cli import app

        readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
        group = typer.main.get_command(app)
        commands = [(name, []) for name in group.commands if name != "simulator"] + [("simulator", ["serve"])]  # type: ignore[attr-defined]
        for name, subcommands in commands:
            for words in [[name, *subcommands]]:
                result = run(*words, "--help")
                assert result.code == 0 and "Usage: reasoning " + " ".join(words) in result.out
                assert f"`reasoning {' '.join(words)}" in readme, f"README has no line for reasoning {' '.join(words)}"
