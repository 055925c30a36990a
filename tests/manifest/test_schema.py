"""The schema: strict models of `reasoning.yaml`, and the JSON Schema editors and docs are built from."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError
from ruamel.yaml import YAML
from typer.testing import CliRunner

from controlplane.cli import app
from controlplane.manifest import Manifest, Role, endpoint_name
from controlplane.manifest.schema import (
    WELL_KNOWN_ROLES,
    Proxy,
    Replicas,
    ShutdownWindow,
    Store,
    TogetherProvider,
    parse_duration,
)

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "reasoning.yaml"
COMMITTED_SCHEMA = ROOT / "reasoning.schema.json"
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def printed_schema() -> str:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(printed_schema())
    return document


def yaml_data(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


class TestJsonSchema:
    def test_is_a_valid_draft_2020_12_schema(self, schema: dict[str, Any]) -> None:
        assert schema["$schema"] == DRAFT_2020_12
        jsonschema.Draft202012Validator.check_schema(schema)

    def test_declares_draft_2020_12_and_every_reference_resolves(self, schema: dict[str, Any]) -> None:
        assert schema["$schema"] == DRAFT_2020_12
        assert schema["type"] == "object"
        found = set(refs(schema))
        assert found
        for ref in found:
            assert ref.startswith("#/$defs/"), ref
            assert ref.removeprefix("#/$defs/") in schema["$defs"], ref

    def test_the_model_schema_is_plain_json(self) -> None:
        document = Manifest.model_json_schema()
        assert json.loads(json.dumps(document)) == document

    def test_every_top_level_key_has_a_description(self, schema: dict[str, Any]) -> None:
        assert set(schema["properties"]) == set(Manifest.model_fields)
        undescribed = [key for key, value in schema["properties"].items() if not value.get("description")]
        assert undescribed == []

    def test_every_role_field_has_a_description(self, schema: dict[str, Any]) -> None:
        role = schema["$defs"]["Role"]
        assert set(role["properties"]) == set(Role.model_fields)
        undescribed = [key for key, value in role["properties"].items() if not value.get("description")]
        assert undescribed == []

    def test_requires_version_project_and_models(self, schema: dict[str, Any]) -> None:
        assert set(schema["required"]) == {"version", "project", "models"}

    def test_forbids_unknown_keys_in_every_object(self, schema: dict[str, Any]) -> None:
        objects = {"Manifest": schema, **schema["$defs"]}
        open_ = [name for name, node in objects.items() if node.get("additionalProperties", True) is not False]
        assert open_ == []

    def test_the_quickstart_validates_against_it(self, schema: dict[str, Any]) -> None:
        data = yaml_data(QUICKSTART.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator(schema).validate(data)

    def test_the_replicas_shorthand_validates_against_it(self, schema: dict[str, Any]) -> None:
        data = yaml_data("version: 1\nproject: demo\nmodels:\n  planning: {model: m, hardware: h, replicas: 2}\n")
        jsonschema.Draft202012Validator(schema).validate(data)

    def test_an_unknown_role_key_fails_against_it(self, schema: dict[str, Any]) -> None:
        data = yaml_data("version: 1\nproject: demo\nmodels:\n  planning: {model: m, hardwre: h}\n")
        assert not jsonschema.Draft202012Validator(schema).is_valid(data)

    def test_the_committed_schema_is_what_reasoning_schema_prints(self) -> None:
        assert COMMITTED_SCHEMA.read_text(encoding="utf-8") == printed_schema(), (
            "reasoning.schema.json is stale: run `reasoning schema --out reasoning.schema.json`"
        )

    def test_schema_out_writes_the_same_document(self, tmp_path: Path) -> None:
        target = tmp_path / "schema.json"
        result = CliRunner().invoke(app, ["schema", "--out", str(target)])
        assert result.exit_code == 0, result.output
        assert target.read_text(encoding="utf-8") == printed_schema()

    def test_the_quickstart_points_editors_at_the_committed_schema(self) -> None:
        first_line = QUICKSTART.read_text(encoding="utf-8").splitlines()[0]
        assert first_line == "# yaml-language-server: $schema=./reasoning.schema.json"


def manifest(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"version": 1, "project": "demo", "models": {"planning": {"model": "m", "hardware": "h"}}}
    data.update(overrides)
    return data


class TestStrictModels:
    def test_values_are_not_coerced(self) -> None:
        with pytest.raises(ValidationError):
            Replicas.model_validate({"min": "2", "max": 2})

    def test_unknown_keys_are_errors(self) -> None:
        with pytest.raises(ValidationError, match="extra"):
            Role.model_validate({"model": "m", "hardware": "h", "gpu": 1})

    def test_models_are_frozen(self) -> None:
        role = Role(model="m", hardware="h")
        with pytest.raises(ValidationError):
            role.enabled = False  # type: ignore[misc]

    def test_well_known_roles_are_the_three_decisions(self) -> None:
        assert WELL_KNOWN_ROLES == ("should_respond", "planning", "coding")

    def test_a_role_may_carry_its_own_budget(self) -> None:
        role = Role.model_validate({"model": "m", "hardware": "h", "budget": {"limit_usd": 50, "period": "day"}})
        assert role.budget is not None
        assert (role.budget.limit_usd, role.budget.period) == (50, "day")

    def test_a_role_budget_needs_a_limit(self) -> None:
        with pytest.raises(ValidationError, match="limit_usd"):
            Role.model_validate({"model": "m", "hardware": "h", "budget": {"period": "day"}})

    def test_the_replicas_shorthand_is_not_a_bool(self) -> None:
        with pytest.raises(ValidationError):
            Role.model_validate({"model": "m", "hardware": "h", "replicas": True})


class TestNames:
    def test_endpoint_names_use_hyphens(self) -> None:
        assert endpoint_name("support", "should_respond") == "support-should-respond"
        assert Manifest.model_validate(manifest()).endpoint_name("planning") == "demo-planning"

    def test_an_endpoint_name_of_exactly_63_characters_is_allowed(self) -> None:
        role = "r" * 22  # "p"*40 + "-" + 22 = 63
        data = manifest(project="p" * 40, models={role: {"model": "m", "hardware": "h"}})
        assert len(Manifest.model_validate(data).endpoint_name(role)) == 63

    def test_an_endpoint_name_of_64_characters_is_refused(self) -> None:
        data = manifest(project="p" * 40, models={"r" * 23: {"model": "m", "hardware": "h"}})
        with pytest.raises(ValidationError, match="over 63 characters"):
            Manifest.model_validate(data)

    def test_a_role_named_in_routing_may_use_either_spelling(self) -> None:
        data = manifest(
            models={"should_respond": {"model": "m", "hardware": "h"}},
            proxy={"routing": [{"to": "should-respond"}]},
        )
        assert Manifest.model_validate(data).proxy.routing[0].to == "should-respond"


class TestDurationsAndWindows:
    @pytest.mark.parametrize(
        ("text", "seconds"),
        [("30m", 1800), ("10h", 36000), ("1h30m", 5400), ("2d", 172800), ("90s", 90), (" 5m ", 300)],
    )
    def test_parses_a_duration(self, text: str, seconds: int) -> None:
        assert parse_duration(text) == timedelta(seconds=seconds)

    @pytest.mark.parametrize("text", ["", "10", "h", "1.5h", "10 hours", "m30"])
    def test_refuses_what_is_not_a_duration(self, text: str) -> None:
        with pytest.raises(ValueError, match="not a duration"):
            parse_duration(text)

    def test_a_window_defaults_to_utc(self) -> None:
        window = ShutdownWindow(cron="0 22 * * 1-5", duration="10h")
        assert window.timezone == "UTC"
        assert window.span == timedelta(hours=10)

    def test_a_zero_length_window_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="between 1m and 7d"):
            ShutdownWindow(cron="0 22 * * *", duration="0m")


class TestProviderStoreAndProxy:
    def test_the_together_base_url_loses_its_trailing_slash(self) -> None:
        provider = TogetherProvider(type="together", base_url="http://127.0.0.1:9000/")
        assert provider.base_url == "http://127.0.0.1:9000"

    def test_a_store_url_may_come_from_the_environment(self) -> None:
        store = Store(url_env="REASONING_STORE_URL")
        assert store.url_env == "REASONING_STORE_URL"

    def test_a_postgres_url_without_a_password_is_accepted(self) -> None:
        assert Store(url="postgresql+psycopg://app@db/reasoning").url.startswith("postgresql+psycopg://")

    @pytest.mark.parametrize(
        ("listen", "upstream"),
        [
            ("127.0.0.1:8001", "http://127.0.0.1:8001"),
            ("0.0.0.0:9000", "http://localhost:9000/"),
            ("proxy.internal:8443", "https://proxy.internal:8443/v1"),
        ],
    )
    def test_refuses_an_upstream_at_its_own_address(self, listen: str, upstream: str) -> None:
        with pytest.raises(ValidationError, match="proxy's own address"):
            Proxy(listen=listen, anthropic_upstream=upstream)

    @pytest.mark.parametrize(
        ("listen", "upstream"),
        [
            ("127.0.0.1:8001", "http://127.0.0.1:8002"),
            ("10.0.0.5:8001", "http://10.0.0.6:8001"),
            ("127.0.0.1:8001", "https://api.anthropic.com"),
        ],
    )
    def test_accepts_an_upstream_elsewhere(self, listen: str, upstream: str) -> None:
        assert Proxy(listen=listen, anthropic_upstream=upstream).anthropic_upstream == upstream
