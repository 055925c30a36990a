"""The CLI stack the tests run on is the one pyproject.toml pins, so a pin cannot drift from what was tested."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


def pins() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {(req := Requirement(line)).name: req for line in project["dependencies"]}


class TestTheCliStack:
    @pytest.mark.parametrize("name", ["typer", "rich"])
    def test_is_pinned_below_the_next_release_that_may_change_behaviour(self, name: str) -> None:
        assert any(spec.operator == "<" for spec in pins()[name].specifier), f"{name} has no upper bound"

    @pytest.mark.parametrize("name", ["typer", "rich"])
    def test_the_installed_version_is_within_the_pin(self, name: str) -> None:
        assert pins()[name].specifier.contains(version(name)), f"{name} {version(name)} vs {pins()[name]}"
