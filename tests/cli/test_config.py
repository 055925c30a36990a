"""`reasoning config`, `setup`, `import-env` and `hardware`: the original service's configuration
commands, and the way over from its `.env` (reference/custom-reasoning-service.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from controlplane.manifest import load
from controlplane.manifest.editor import Edit
from tests.support.cli import Run
from tests.support.served import ServedSimulator

pytestmark = pytest.mark.usefixtures("frozen")

#: "Production Deployment / Recommended Settings" of the TypeScript service, as its guide gives it.
PRODUCTION_ENV = """\
# Core settings
CUSTOM_REASONING_ENABLED=true
TOGETHER_AI_API_KEY=your_production_key

# Conservative model enablement
CUSTOM_REASONING_SHOULD_RESPOND_ENABLED=true
CUSTOM_REASONING_PLANNING_ENABLED=true
CUSTOM_REASONING_CODING_ENABLED=false  # Start with false, enable gradually

# Strict cost controls
CUSTOM_REASONING_BUDGET_LIMIT=500
CUSTOM_REASONING_AUTO_SHUTDOWN_MINUTES=15
CUSTOM_REASONING_MAX_COST_PER_HOUR=25

# Data collection for improvement
CUSTOM_REASONING_COLLECT_TRAINING_DATA=true
CUSTOM_REASONING_RETENTION_DAYS=90
"""


class TestImportEnv:
    def test_the_production_example_validates_and_plans(
        self, run: Run, tmp_path: Path, simulator: ServedSimulator, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        env = tmp_path / ".env"
        env.write_text(PRODUCTION_ENV)
        manifest = tmp_path / "reasoning.yaml"
        result = run("import-env", str(env), "--out", str(manifest))
        assert result.code == 0, result.text
        assert "0 not)" in result.err and "your_production_key" not in manifest.read_text() + result.text
        loaded = load(manifest)
        assert loaded.provider.type == "together" and loaded.provider.api_key_env == "TOGETHER_AI_API_KEY"
        assert (loaded.budget.limit_usd, loaded.budget.period, loaded.budget.max_cost_per_hour_usd) == (
            500,
            "total",
            25,
        )
        roles = loaded.models
        assert (roles["should_respond"].enabled, roles["planning"].enabled, roles["coding"].enabled) == (
            True,
            True,
            False,
        )
        assert {r.idle_shutdown_minutes for r in roles.values()} == {15}
        assert (loaded.training_data.collect, loaded.training_data.retention_days) == (True, 90)
        assert run("validate", "-f", str(manifest)).code == 0
        # plan against Together as the simulator plays it, on 127.0.0.1
        edit = Edit.of(manifest)
        edit.set(["provider", "base_url"], simulator.base_url)
        edit.save()
        monkeypatch.setenv("TOGETHER_AI_API_KEY", "a-key-for-the-simulator")
        planned = run("plan", "-f", str(manifest), "--detailed-exitcode")
        assert planned.code == 2, planned.text
        assert "Plan: 2 to create." in planned.out

    def test_says_what_it_could_not_map(self, run: Run, tmp_path: Path) -> None:
        env = tmp_path / ".env"
        env.write_text(
            "export TOGETHER_API_KEY='k'\nANTHROPIC_PROXY_ENABLED=true\nANTHROPIC_PROXY_PORT=8011\n"
            "ANTHROPIC_BASE_URL=http://localhost:8011\nDEBUG=custom-reasoning*\n"
            "REASONING_SERVICE_CODING_MODEL=me/coder\nCUSTOM_REASONING_SHOULD_RESPOND_TEMPERATURE=0.2\n"
        )
        result = run("import-env", str(env), "--out", "-", "--json")
        assert result.code == 0, result.text
        report = json.loads(result.out)
        unmapped = {u["variable"] for u in report["unmapped"]}
        assert unmapped == {"ANTHROPIC_BASE_URL", "DEBUG", "CUSTOM_REASONING_SHOULD_RESPOND_TEMPERATURE"}
        assert "listen: 127.0.0.1:8011" in report["manifest"] and "model: me/coder" in report["manifest"]
        assert "api_key_env: TOGETHER_API_KEY" in report["manifest"]

    def test_a_bad_value_names_the_variable(self, run: Run, tmp_path: Path) -> None:
        env = tmp_path / ".env"
        env.write_text("CUSTOM_REASONING_BUDGET_LIMIT=lots\n")
        result = run("import-env", str(env), "--out", str(tmp_path / "r.yaml"))
        assert result.code == 1 and "CUSTOM_REASONING_BUDGET_LIMIT=lots: not a number" in result.err
        assert not (tmp_path / "r.yaml").exists()

    def test_does_not_overwrite_a_manifest(self, run: Run, quickstart: Path, tmp_path: Path) -> None:
        env = tmp_path / ".env"
        env.write_text("CUSTOM_REASONING_BUDGET_LIMIT=5\n")
        before = quickstart.read_text()
        result = run("import-env", str(env), "--out", str(quickstart))
        assert result.code == 1 and "exists" in result.err and quickstart.read_text() == before


class TestSetup:
    def test_flags_alone_write_a_valid_manifest(self, run: Run, tmp_path: Path) -> None:
        target = tmp_path / "reasoning.yaml"
        result = run(
            "setup", "-f", str(target), "--project", "support-bot", "--provider", "together", "--budget", "120",
            "--period", "week", "--enable", "should-respond,coding", "--idle-minutes", "10", "--yes",
        )  # fmt: skip
        assert result.code == 0, result.text
        manifest = load(target)
        assert manifest.project == "support-bot" and manifest.provider.type == "together"
        assert (manifest.budget.limit_usd, manifest.budget.period) == (120, "week")
        assert [n for n, r in manifest.models.items() if r.enabled] == ["should_respond", "coding"]
        assert "# " in target.read_text()  # the template's comments explain the file

    def test_on_a_terminal_it_asks_what_no_flag_gave(
        self, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import io
        import sys

        import controlplane.cli.config as cli_config

        monkeypatch.setattr(cli_config, "_interactive", lambda: True)
        # project, provider, (budget is a flag) period, max $/h, idle minutes, roles, proxy address
        answers = "helpdesk\nsimulator\nweek\n\n0\nplanning\n\n"
        monkeypatch.setattr(sys, "stdin", io.StringIO(answers))
        target = tmp_path / "reasoning.yaml"
        result = run("setup", "-f", str(target), "--budget", "75")
        assert result.code == 0, result.text
        manifest = load(target)
        assert manifest.project == "helpdesk" and manifest.budget.period == "week"
        assert manifest.budget.limit_usd == 75 and manifest.budget.max_cost_per_hour_usd == 25  # the default
        assert [n for n, r in manifest.models.items() if r.enabled] == ["planning"]
        assert {r.idle_shutdown_minutes for r in manifest.models.values()} == {0}

    def test_off_a_terminal_it_takes_the_defaults(self, run: Run, tmp_path: Path) -> None:
        target = tmp_path / "reasoning.yaml"
        assert run("setup", "-f", str(target)).code == 0
        assert load(target).provider.type == "simulator"
        assert run("plan", "-f", str(target)).code == 0

    def test_refuses_to_overwrite_and_bad_answers(self, run: Run, quickstart: Path, tmp_path: Path) -> None:
        assert run("setup", "-f", str(quickstart), "--yes").code == 1
        bad = run("setup", "-f", str(tmp_path / "x.yaml"), "--enable", "chat", "--yes")
        assert bad.code == 1 and "--enable chat: not a role" in bad.err


class TestConfig:
    def test_says_where_each_value_comes_from_and_masks_secrets(
        self, run: Run, quickstart: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        text = quickstart.read_text().replace("  type: simulator", "  type: together")
        quickstart.write_text(text.replace("models:", "defaults: {idle_shutdown_minutes: 20}\nmodels:"))
        monkeypatch.setenv("TOGETHER_API_KEY", "sk-very-secret")
        result = run("config", "-f", str(quickstart), "--json")
        assert result.code == 0, result.text
        assert "sk-very-secret" not in result.text
        values = {v["key"]: (v["value"], v["source"]) for v in json.loads(result.out)["values"]}
        assert values["budget.limit_usd"] == (500, "file")
        assert values["provider.base_url"] == ("https://api.together.ai", "default")
        assert values["models.coding.idle_shutdown_minutes"] == (20, "defaults")
        assert values["models.planning.idle_shutdown_minutes"] == (30, "file")
        assert values["$TOGETHER_API_KEY"] == ("****", "env") and values["$TOGETHER_PROJECT_ID"] == ("not set", "env")

    def test_prints_a_table(self, run: Run, quickstart: Path) -> None:
        result = run("config", "-f", str(quickstart))
        assert result.code == 0 and "budget.limit_usd" in result.out and "default" in result.out


class TestHardware:
    def test_lists_the_catalog_with_prices(self, run: Run, quickstart: Path) -> None:
        result = run("hardware", "-f", str(quickstart))
        assert result.code == 0, result.text
        assert "1x_nvidia_h100_80gb_sxm" in result.out and "$3.99" in result.out and "$31.92" in result.out
        data = json.loads(run("hardware", "-f", str(quickstart), "--json").out)
        assert data["hardware"][0] == {
            "id": "1x_nvidia_h100_80gb_sxm", "name": "1xnvidia-h100-80gb", "usd_per_hour": 3.99,
            "gpu_type": "H100", "gpu_count": 1,
        }  # fmt: skip

    def test_validates_against_the_catalog_the_simulator_serves(self) -> None:
        from controlplane.provider.simulator.world import seed_world
        from controlplane.values.catalog import PUBLISHED_HARDWARE

        served = {t.id: (t.name, t.price_cents_per_hour) for t in seed_world().instance_types.values()}
        published = {h.id: (h.name, round(h.usd_per_hour * 100)) for h in PUBLISHED_HARDWARE}
        assert served == published
