"""The loader: YAML text in, a `Manifest` or one `ManifestError` naming file, line and field out."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest

from controlplane.errors import ManifestError
from controlplane.manifest import DEFAULT_FILE, Manifest, load, loads

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "reasoning.yaml"
REASONING = Path(sys.executable).parent / "reasoning"

SECRET = "sk-abc123def456ghi789jkl"
PASSWORD = "hunter2pw"

# Lines 1-6 of most cases below; what a case adds starts at line 7.
BASE = """\
version: 1
project: demo
models:
  planning:
    model: m
    hardware: h
"""


def text(body: str) -> str:
    return dedent(body).lstrip("\n")


def fails(source: str) -> ManifestError:
    with pytest.raises(ManifestError) as caught:
        loads(source)
    return caught.value


# (id, yaml text, substring of the reason, line, field path or None when there is no field)
MALFORMED = [
    (
        "yaml-bad-indentation",
        BASE.replace("    hardware: h", "   hardware: h"),
        "invalid YAML",
        6,
        None,
    ),
    (
        "yaml-mapping-value-mid-line",
        text("""
            version: 1
            project: demo
            models:
              planning:
                model: m
                  hardware: h
        """),
        "invalid YAML: mapping values are not allowed",
        6,
        None,
    ),
    (
        "yaml-unclosed-brace",
        "version: 1\nproject: demo\nmodels: {planning: {model: m, hardware: h}\n",
        "the '{' opened here is never closed",
        3,
        None,
    ),
    (
        "yaml-unclosed-bracket",
        BASE + "training_data:\n  redact: [email, phone\nproxy: {}\n",
        "the '[' opened here is never closed",
        8,
        None,
    ),
    (
        "yaml-unclosed-quote",
        'version: 1\nproject: "demo\nmodels: {}\n',
        "the quote opened here is never closed",
        2,
        None,
    ),
    (
        "yaml-tab",
        "version: 1\nproject: demo\nmodels:\n\tplanning: {model: m, hardware: h}\n",
        "cannot start any token",
        4,
        None,
    ),
    (
        "yaml-duplicate-key",
        "version: 1\nproject: demo\nproject: other\nmodels: {}\n",
        "duplicate key 'project'",
        3,
        None,
    ),
    (
        "yaml-undefined-alias",
        "version: 1\nproject: demo\nmodels:\n  planning: *template\n",
        "undefined alias 'template'",
        4,
        None,
    ),
    ("empty-file", "", "the file is empty", None, None),
    ("only-comments", "# nothing yet\n\n", "the file is empty", None, None),
    ("top-level-list", "- version: 1\n- project: demo\n", "the top level must be a mapping", 1, None),
    ("top-level-scalar", "reasoning\n", "the top level must be a mapping", 1, None),
    (
        "missing-version",
        BASE.replace("version: 1\n", ""),
        "required key 'version' is missing",
        1,
        "version",
    ),
    ("version-2", BASE.replace("version: 1", "version: 2"), "Input should be 1 (got 2)", 1, "version"),
    ("version-as-string", BASE.replace("version: 1", "version: '1'"), "(got '1')", 1, "version"),
    (
        "missing-project",
        BASE.replace("project: demo\n", ""),
        "required key 'project' is missing",
        1,
        "project",
    ),
    (
        "bad-project-name",
        BASE.replace("project: demo", "project: Demo_Project"),
        "must be lower-case letters, digits and -",
        2,
        "project",
    ),
    ("missing-models", "version: 1\nproject: demo\n", "required key 'models' is missing", 1, "models"),
    ("models-not-a-mapping", "version: 1\nproject: demo\nmodels: [planning]\n", "valid dictionary", 3, "models"),
    (
        "unknown-top-level-key",
        BASE + "budjet:\n  limit_usd: 5\n",
        "unknown key 'budjet' (did you mean 'budget'?)",
        7,
        "budjet",
    ),
    (
        "unknown-role-key",
        BASE.replace("hardware: h", "hardwre: h"),
        "unknown key 'hardwre' (did you mean 'hardware'?)",
        6,
        "models.planning.hardwre",
    ),
    (
        "unknown-key-in-hyphenated-role",
        BASE.replace("planning:", "should-respond:") + "    replica: 2\n",
        "unknown key 'replica' (did you mean 'replicas'?)",
        7,
        "models.should_respond.replica",
    ),
    (
        "missing-hardware",
        "version: 1\nproject: demo\nmodels:\n  planning:\n    model: m\n",
        "required key 'hardware' is missing",
        4,
        "models.planning.hardware",
    ),
    (
        "replicas-min-a-word",
        BASE + "    replicas:\n      min: two\n      max: 2\n",
        "valid integer (got 'two')",
        8,
        "models.planning.replicas.min",
    ),
    (
        "replicas-min-a-quoted-word-in-flow",
        BASE + '    replicas: {min: "two", max: 2}\n',
        "valid integer (got 'two')",
        7,
        "models.planning.replicas.min",
    ),
    (
        "enabled-a-string",
        BASE + '    enabled: "yes"\n',
        "valid boolean (got 'yes')",
        7,
        "models.planning.enabled",
    ),
    (
        "priority-a-float",
        BASE + "    priority: 1.5\n",
        "valid integer (got 1.5)",
        7,
        "models.planning.priority",
    ),
    (
        "limit-usd-a-word",
        "version: 1\nproject: demo\nbudget:\n  limit_usd: lots\nmodels:\n  planning: {model: m, hardware: h}\n",
        "valid number (got 'lots')",
        4,
        "budget.limit_usd",
    ),
    (
        "role-budget-not-positive",
        BASE + "    budget: {limit_usd: 0}\n",
        "greater than 0",
        7,
        "models.planning.budget.limit_usd",
    ),
    (
        "replicas-max-below-min",
        BASE + "    replicas:\n      min: 3\n      max: 1\n",
        "max (1) must be at least min (3)",
        7,
        "models.planning.replicas",
    ),
    (
        "replicas-zero",
        BASE + "    replicas: 0\n",
        "greater than or equal to 1 (got 0)",
        7,
        "models.planning.replicas.min",
    ),
    (
        "idle-shutdown-negative",
        BASE + "    idle_shutdown_minutes: -5\n",
        "greater than or equal to 0 (got -5)",
        7,
        "models.planning.idle_shutdown_minutes",
    ),
    (
        "bad-cron",
        BASE + "    shutdown_windows:\n      - cron: '0 25 * * *'\n        duration: 10h\n",
        "'0 25 * * *' is not a 5-field cron expression",
        8,
        "models.planning.shutdown_windows[0].cron",
    ),
    (
        "six-field-cron",
        BASE + "    shutdown_windows:\n      - {cron: '0 0 22 * * *', duration: 10h}\n",
        "is not a 5-field cron expression",
        8,
        "models.planning.shutdown_windows[0].cron",
    ),
    (
        "bad-duration",
        BASE + "    shutdown_windows:\n      - cron: '0 22 * * *'\n        duration: ten hours\n",
        "'ten hours' is not a duration",
        9,
        "models.planning.shutdown_windows[0].duration",
    ),
    (
        "duration-over-a-week",
        BASE + "    shutdown_windows:\n      - cron: '0 22 * * *'\n        duration: 8d\n",
        "must be between 1m and 7d",
        9,
        "models.planning.shutdown_windows[0].duration",
    ),
    (
        "unknown-timezone",
        BASE
        + "    shutdown_windows:\n"
        + "      - {cron: '0 22 * * *', duration: 10h, timezone: Europe/Berlin}\n"
        + "      - cron: '0 22 * * *'\n"
        + "        duration: 10h\n"
        + "        timezone: Mars/Olympus\n",
        "unknown time zone 'Mars/Olympus'",
        11,
        "models.planning.shutdown_windows[1].timezone",
    ),
    (
        "unknown-budget-period",
        "version: 1\nproject: demo\nbudget:\n  limit_usd: 5\n  period: fortnight\nmodels: {}\n",
        "(got 'fortnight')",
        5,
        "budget.period",
    ),
    (
        "unknown-provider-type",
        "version: 1\nproject: demo\nprovider:\n  type: azure\nmodels: {}\n",
        "unknown type 'azure'; expected one of 'simulator', 'together'",
        4,
        "provider.type",
    ),
    (
        "provider-without-type",
        "version: 1\nproject: demo\nprovider:\n  api_key_env: TOGETHER_API_KEY\nmodels: {}\n",
        "required key 'type' is missing",
        3,
        "provider.type",
    ),
    (
        "unknown-key-in-together-provider",
        "version: 1\nproject: demo\nprovider:\n  type: together\n  base_ur: https://x.test\nmodels: {}\n",
        "unknown key 'base_ur' (did you mean 'base_url'?)",
        5,
        "provider.base_ur",
    ),
    (
        "together-provider-retries-too-many",
        "version: 1\nproject: demo\nprovider:\n  type: together\n  max_retries: 50\nmodels: {}\n",
        "less than or equal to 10",
        5,
        "provider.max_retries",
    ),
    (
        "api-key-env-holding-a-secret",
        f"version: 1\nproject: demo\nprovider:\n  type: together\n  api_key_env: {SECRET}\nmodels: {{}}\n",
        "must name an environment variable",
        5,
        "provider.api_key_env",
    ),
    (
        "store-url-with-password",
        f"version: 1\nproject: demo\nstore:\n  url: postgresql+psycopg://app:{PASSWORD}@db/reasoning\nmodels: {{}}\n",
        "the URL holds a password",
        4,
        "store.url",
    ),
    (
        "store-url-unknown-scheme",
        "version: 1\nproject: demo\nstore:\n  url: mysql://db/reasoning\nmodels: {}\n",
        "must start with sqlite://",
        4,
        "store.url",
    ),
    (
        "proxy-listen-without-port",
        BASE + "proxy:\n  listen: 8001\n",
        "valid string",
        8,
        "proxy.listen",
    ),
    (
        "proxy-listen-not-host-port",
        BASE + "proxy:\n  listen: localhost\n",
        "must be host:port",
        8,
        "proxy.listen",
    ),
    (
        "anthropic-upstream-is-the-proxy",
        BASE + "proxy:\n  listen: 127.0.0.1:8001\n  anthropic_upstream: http://localhost:8001\n",
        "http://localhost:8001 is the proxy's own address 127.0.0.1:8001",
        9,
        "proxy.anthropic_upstream",
    ),
    (
        "openai-upstream-is-the-default-listen-address",
        BASE + "proxy:\n  openai_upstream: http://127.0.0.1:8001/v1\n",
        "is the proxy's own address",
        8,
        "proxy.openai_upstream",
    ),
    (
        "routing-to-a-missing-role",
        BASE + "proxy:\n  routing:\n    - to: planning\n    - to: coding\n      when: {models: [gpt-4o]}\n",
        "no role named 'coding' in models",
        10,
        "proxy.routing[1].to",
    ),
    (
        "routing-min-score-above-one",
        BASE + "proxy:\n  routing:\n    - to: planning\n      when:\n        min_score: 1.5\n",
        "less than or equal to 1",
        11,
        "proxy.routing[0].when.min_score",
    ),
    (
        "model-map-to-a-missing-role",
        BASE + "proxy:\n  model_map:\n    gpt-4o: planning\n    gpt-4o-mini: should_respond\n",
        "no role named 'should_respond' in models",
        10,
        "proxy.model_map.gpt-4o-mini",
    ),
    (
        "role-name-upper-case",
        BASE + "  Coding:\n    model: m\n    hardware: h\n",
        "role name 'Coding' must be lower-case",
        7,
        "models.Coding",
    ),
    (
        "role-name-starting-with-a-digit",
        BASE + "  9lives:\n    model: m\n    hardware: h\n",
        "role name '9lives' must be lower-case",
        7,
        "models.9lives",
    ),
    (
        "role-declared-in-both-spellings",
        BASE.replace("planning:", "should-respond:") + "  should_respond:\n    model: m\n    hardware: h\n",
        "declared twice, as 'should-respond' and as 'should_respond'",
        7,
        "models.should_respond",
    ),
    (
        "endpoint-name-too-long",
        "version: 1\nproject: "
        + "p" * 40
        + "\nmodels:\n  planning: {model: m, hardware: h}\n  "
        + "r" * 29
        + ":\n    model: m\n    hardware: h\n",
        "is over 63 characters",
        5,
        "models." + "r" * 29,
    ),
    (
        "unknown-redact-kind",
        BASE + "training_data:\n  redact:\n    - email\n    - ssn\n",
        "(got 'ssn')",
        10,
        "training_data.redact[1]",
    ),
    (
        "retention-days-zero",
        BASE + "training_data: {retention_days: 0}\n",
        "greater than 0 (got 0)",
        7,
        "training_data.retention_days",
    ),
]


class TestMalformedManifests:
    @pytest.mark.parametrize(
        ("source", "reason", "line", "field"),
        [pytest.param(*case[1:], id=case[0]) for case in MALFORMED],
    )
    def test_names_the_line_and_field_of_the_problem(
        self, source: str, reason: str, line: int | None, field: str | None
    ) -> None:
        error = fails(source)
        assert reason in error.reason
        assert error.line == line, str(error)
        assert error.field == field, str(error)
        assert error.file == DEFAULT_FILE
        where = DEFAULT_FILE if line is None else f"{DEFAULT_FILE}:{line}"
        assert str(error).startswith(where + (":" if line is None else "")), str(error)
        if field is not None:
            assert f": {field}: {error.reason}" in str(error)

    def test_formats_as_file_line_column_field_reason(self) -> None:
        error = fails(BASE.replace("planning:", "should-respond:") + "    replica: 2\n")
        assert str(error) == (
            "reasoning.yaml:7:5: models.should_respond.replica: unknown key 'replica' (did you mean 'replicas'?)"
        )
        assert (error.line, error.column) == (7, 5)

    def test_names_the_line_of_an_unknown_key(self) -> None:
        error = fails(BASE + "    hardwre: h2\n")
        assert (error.line, error.field) == (7, "models.planning.hardwre")

    def test_reports_a_typo_rather_than_the_key_it_leaves_missing(self) -> None:
        error = fails(BASE.replace("model: m", "modle: m"))
        assert error.reason == "unknown key 'modle' (did you mean 'model'?)"
        assert error.line == 5

    def test_lists_the_allowed_keys_when_no_key_is_close(self) -> None:
        error = fails(BASE + "    zzz: 1\n")
        assert error.reason == "unknown key 'zzz'"
        assert error.hint is not None
        assert "hardware" in error.hint and "replicas" in error.hint

    def test_reports_the_earliest_of_several_problems(self) -> None:
        error = fails(BASE + "    priority: high\n    enabled: maybe\nbudjet: {}\n")
        assert (error.line, error.field) == (7, "models.planning.priority")

    def test_uses_the_file_name_it_was_given(self) -> None:
        with pytest.raises(ManifestError) as caught:
            loads("version: 3\nproject: demo\nmodels: {}\n", file="deploy/prod.yaml")
        assert str(caught.value).startswith("deploy/prod.yaml:1:1: version: ")

    def test_never_echoes_a_secret_written_in_an_env_field(self) -> None:
        error = fails(
            f"version: 1\nproject: demo\nprovider:\n  type: together\n  api_key_env: {SECRET}\nmodels: {{}}\n"
        )
        assert SECRET not in str(error)
        assert SECRET not in (error.hint or "")
        assert "abc123" not in str(error)

    def test_never_echoes_a_secret_written_in_store_url_env(self) -> None:
        error = fails(f"version: 1\nproject: demo\nstore:\n  url_env: postgresql://app:{PASSWORD}@db/x\nmodels: {{}}\n")
        assert error.field == "store.url_env"
        assert PASSWORD not in str(error)

    def test_never_echoes_a_password_in_a_store_url(self) -> None:
        error = fails(
            f"version: 1\nproject: demo\nstore:\n  url: postgresql+psycopg://app:{PASSWORD}@db/x\nmodels: {{}}\n"
        )
        assert PASSWORD not in str(error)
        assert PASSWORD not in (error.hint or "")
        assert "url_env" in error.reason

    def test_never_echoes_a_password_from_a_duplicated_key(self) -> None:
        source = (
            "version: 1\nproject: demo\nstore:\n"
            f"  url: postgresql+psycopg://app:{PASSWORD}@db/x\n"
            f"  url: postgresql+psycopg://app:{PASSWORD}@db/y\n"
            "models: {}\n"
        )
        error = fails(source)
        assert error.line == 5
        assert PASSWORD not in str(error)

    def test_hints_that_yaml_indents_with_spaces(self) -> None:
        error = fails("version: 1\nproject: demo\nmodels:\n\tplanning: {model: m, hardware: h}\n")
        assert error.hint == "YAML indents with spaces, not tabs"

    def test_points_at_an_unclosed_bracket_not_at_the_end_of_the_file(self) -> None:
        error = fails("version: 1\nproject: demo\nmodels: [planning,\n\n\n# the end\n")
        assert error.line == 3
        assert error.reason == "invalid YAML: the file ends inside a '[' or '{' that is never closed"


class TestLoadingFiles:
    def test_a_missing_file_is_a_manifest_error_with_a_hint(self, tmp_path: Path) -> None:
        with pytest.raises(ManifestError) as caught:
            load(tmp_path / "reasoning.yaml")
        assert caught.value.reason == "no such file"
        assert caught.value.hint is not None and "-f FILE" in caught.value.hint

    def test_an_error_names_the_path_it_was_loaded_from(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.yaml"
        path.write_text(BASE.replace("hardware: h", "hardwre: h"), encoding="utf-8")
        with pytest.raises(ManifestError) as caught:
            load(path)
        assert caught.value.file == str(path)
        assert str(caught.value).startswith(f"{path}:6:5: models.planning.hardwre: ")

    def test_a_file_that_is_not_utf8_is_a_manifest_error(self, tmp_path: Path) -> None:
        path = tmp_path / "reasoning.yaml"
        path.write_bytes(b"version: 1\nproject: \xff\xfe\n")
        with pytest.raises(ManifestError, match="cannot read"):
            load(path)

    def test_relative_paths_resolve_against_the_manifest_directory(self, tmp_path: Path) -> None:
        (tmp_path / "conf").mkdir()
        path = tmp_path / "conf" / "reasoning.yaml"
        path.write_text(BASE, encoding="utf-8")
        manifest = load(path)
        assert manifest.path(".reasoning/state.db") == (tmp_path / "conf" / ".reasoning" / "state.db").resolve()


class TestValidManifests:
    def test_loads_the_quickstart_manifest(self) -> None:
        manifest = load(QUICKSTART)
        assert isinstance(manifest, Manifest)
        assert manifest.project == "quickstart"
        assert list(manifest.models) == ["should_respond", "planning", "coding"]
        assert manifest.models["coding"].enabled is False
        assert manifest.models["planning"].replicas.max == 2
        window = manifest.models["planning"].shutdown_windows[0]
        assert (window.cron, window.timezone, window.span.total_seconds()) == ("0 22 * * *", "Europe/Berlin", 36000)
        assert manifest.proxy.model_map == {
            "gpt-4o-mini": "should_respond",
            "gpt-4o": "planning",
            "claude-3-5-haiku-20241022": "should_respond",
            "claude-sonnet-4-20250514": "planning",
        }

    def test_normalizes_should_respond_spelled_with_a_hyphen(self) -> None:
        manifest = loads(BASE.replace("planning:", "should-respond:"))
        assert list(manifest.models) == ["should_respond"]
        assert manifest.endpoint_name("should_respond") == "demo-should-respond"

    def test_routes_may_name_a_role_in_either_spelling(self) -> None:
        source = BASE.replace("planning:", "should-respond:") + "proxy:\n  model_map: {gpt-4o-mini: should-respond}\n"
        assert loads(source).proxy.model_map == {"gpt-4o-mini": "should-respond"}

    def test_replicas_shorthand_means_min_and_max(self) -> None:
        replicas = loads(BASE + "    replicas: 2\n").models["planning"].replicas
        assert (replicas.min, replicas.max) == (2, 2)

    def test_applies_the_defaults(self) -> None:
        manifest = loads(BASE)
        assert manifest.provider.type == "simulator"
        assert manifest.store.url.startswith("sqlite:///")
        assert manifest.budget.limit_usd is None
        assert manifest.proxy.listen == "127.0.0.1:8001"
        assert set(manifest.training_data.redact) == {
            *("private_key", "api_key", "token", "password"),
            *("national_id", "credit_card", "email", "ip_address", "phone"),
        }
        role = manifest.models["planning"]
        assert (role.replicas.min, role.replicas.max, role.enabled, role.idle_shutdown_minutes) == (1, 1, True, 0)

    def test_the_together_provider_keeps_its_defaults(self) -> None:
        manifest = loads(BASE + "provider: {type: together}\n")
        assert manifest.provider.type == "together"
        assert manifest.provider.api_key_env == "TOGETHER_API_KEY"
        assert manifest.provider.base_url == "https://api.together.ai"

    def test_where_gives_the_file_and_line_of_a_field(self) -> None:
        manifest = load(QUICKSTART)
        lines = QUICKSTART.read_text(encoding="utf-8").splitlines()
        where = manifest.where("models", "planning", "hardware")
        file, _, line = where.rpartition(":")
        assert file == str(QUICKSTART)
        assert lines[int(line) - 1].strip().startswith("hardware:")
        assert lines[int(line) - 2].strip().startswith("model: moonmakesmagic/DeepSeek-Qwen-14B-planning")

    def test_where_finds_a_role_spelled_with_a_hyphen(self) -> None:
        manifest = loads(BASE.replace("planning:", "should-respond:") + "    replicas: 2\n")
        assert manifest.where("models", "should_respond", "replicas") == "reasoning.yaml:7"

    def test_where_falls_back_to_the_nearest_field_present(self) -> None:
        manifest = loads(BASE)
        assert manifest.where("models", "planning", "replicas") == "reasoning.yaml:4"

    def test_accepts_roles_beyond_the_well_known_three(self) -> None:
        manifest = loads(BASE + "  triage-v2:\n    model: m\n    hardware: h\n")
        assert list(manifest.models) == ["planning", "triage_v2"]


def run_reasoning(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(REASONING), *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


class TestValidateCommand:
    def test_a_bad_manifest_exits_1_with_one_error_line(self, tmp_path: Path) -> None:
        (tmp_path / "bad.yaml").write_text(BASE.replace("hardware: h", "hardwre: h"), encoding="utf-8")
        result = run_reasoning("validate", "-f", "bad.yaml", cwd=tmp_path)
        assert result.returncode == 1
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert errors == [
            "error: bad.yaml:6:5: models.planning.hardwre: unknown key 'hardwre' (did you mean 'hardware'?)"
        ]
        assert "Traceback" not in result.stderr
        assert result.stdout == ""

    def test_invalid_yaml_exits_1_without_a_traceback(self, tmp_path: Path) -> None:
        (tmp_path / "reasoning.yaml").write_text("version: 1\nproject: [demo\n", encoding="utf-8")
        result = run_reasoning("validate", cwd=tmp_path)
        assert result.returncode == 1
        assert result.stderr.startswith("error: reasoning.yaml:2:")
        assert "Traceback" not in result.stderr

    def test_a_good_manifest_exits_0(self, tmp_path: Path) -> None:
        shutil.copy(QUICKSTART, tmp_path / "reasoning.yaml")
        result = run_reasoning("validate", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "valid" in result.stdout
        assert result.stderr == ""
