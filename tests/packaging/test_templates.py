"""The templates travel with the package: one folder, `templates/`, read through importlib.resources.

`.ci/wheel_check.py` proves it on a built wheel; these keep the pieces it relies on from drifting
apart in the checkout.
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import jinja2
import pytest

from controlplane import templating

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(path.name for path in (ROOT / "templates").iterdir())


class TestTheTemplates:
    def test_the_package_links_to_the_one_top_level_folder(self) -> None:
        link = ROOT / "controlplane" / "templates"
        assert link.is_symlink() and link.resolve() == (ROOT / "templates").resolve()

    @pytest.mark.parametrize("name", SHIPPED)
    def test_every_template_is_package_data(self, name: str) -> None:
        patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
        assert any(fnmatch.fnmatch(f"templates/{name}", pattern) for pattern in patterns["controlplane"])

    @pytest.mark.parametrize("name", SHIPPED)
    def test_every_template_reads_as_its_file(self, name: str) -> None:
        assert templating.source(name) == (ROOT / "templates" / name).read_text(encoding="utf-8")

    def test_a_missing_template_is_jinjas_not_found(self) -> None:
        with pytest.raises(jinja2.TemplateNotFound, match=r"no_such\.j2"):
            jinja2.Environment(loader=templating.loader()).get_template("no_such.j2")
