"""`controlplane.manifest.editor`: one value changed in the text where ruamel says it stands; every
comment, blank line, quote and flow mapping kept; an edit that would break the manifest refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from controlplane.errors import ManifestError
from controlplane.manifest.editor import Edit, render_scalar

BASE = """\
version: 1   # format
project: demo

budget:
  limit_usd: 50   # USD
  period: "month"

models:
  should-respond:
    model: 'org/model-1'     # quoted
    hardware: 1x_nvidia_h100_80gb_sxm
    replicas: {min: 1, max: 2}   # flow

    # a comment between keys
    shutdown_windows:
      - {cron: "0 22 * * *", duration: 10h}
"""


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "reasoning.yaml"
    path.write_text(BASE)
    return path


def diff_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    old, new = before.splitlines(), after.splitlines()
    return [line for line in old if line not in new], [line for line in new if line not in old]


class TestChangingAValue:
    def test_a_plain_scalar_keeps_its_comment_in_its_column(self, manifest: Path) -> None:
        edit = Edit.of(manifest)
        assert edit.set(["budget", "limit_usd"], 1250) is True
        edit.save()
        assert diff_lines(BASE, manifest.read_text()) == (["  limit_usd: 50   # USD"], ["  limit_usd: 1250 # USD"])

    def test_a_quoted_scalar_is_replaced_whole(self, manifest: Path) -> None:
        edit = Edit.of(manifest)
        edit.set(["budget", "period"], "week")
        edit.set(["models", "should_respond", "model"], "org/model-2")
        edit.save()
        _, added = diff_lines(BASE, manifest.read_text())
        assert added == ["  period: week", "    model: org/model-2       # quoted"]  # the comment stays put

    def test_a_value_inside_a_flow_mapping(self, manifest: Path) -> None:
        edit = Edit.of(manifest)
        edit.set(["models", "should-respond", "replicas", "max"], 4)
        edit.save()
        assert diff_lines(BASE, manifest.read_text())[1] == ["    replicas: {min: 1, max: 4}   # flow"]

    def test_setting_what_is_already_there_changes_nothing(self, manifest: Path) -> None:
        edit = Edit.of(manifest)
        assert edit.set(["budget", "limit_usd"], 50.0) is False and not edit.has_changes and edit.diff() == ""


class TestAddingAKey:
    def test_a_missing_key_goes_below_its_last_one_line_sibling(self, manifest: Path) -> None:
        edit = Edit.of(manifest)
        edit.set(["models", "should_respond", "enabled"], False)
        edit.save()
        lines = manifest.read_text().splitlines()
        assert lines[lines.index("    replicas: {min: 1, max: 2}   # flow") + 1] == "    enabled: false"
        assert "    # a comment between keys" in lines

    def test_a_missing_mapping_is_written_whole(self, manifest: Path) -> None:
        edit = Edit.of(manifest)
        edit.set(["models", "should_respond", "budget", "limit_usd"], 12.5)
        edit.save()
        text = manifest.read_text()
        assert "    budget:\n      limit_usd: 12.5\n" in text
        assert Edit.of(manifest).manifest().models["should_respond"].budget.limit_usd == 12.5  # type: ignore[union-attr]

    def test_a_top_level_block_is_added(self, manifest: Path) -> None:
        edit = Edit.of(manifest)
        edit.set(["defaults", "idle_shutdown_minutes"], 15)
        edit.save()
        assert edit.manifest().models["should_respond"].idle_shutdown_minutes == 15
        assert manifest.read_text().startswith(BASE.split("\n\n")[0])  # the top of the file untouched


class TestRefusals:
    def test_an_edit_that_breaks_the_manifest_leaves_the_file_as_it_was(self, manifest: Path) -> None:
        edit = Edit.of(manifest)
        edit.set(["budget", "limit_usd"], -3)
        with pytest.raises(ManifestError, match=r"reasoning.yaml:5:3: budget.limit_usd"):
            edit.save()
        assert manifest.read_text() == BASE
        assert not list(manifest.parent.glob(".reasoning.yaml.*"))  # no temporary file left behind

    def test_a_manifest_that_does_not_load_is_not_edited(self, tmp_path: Path) -> None:
        broken = tmp_path / "reasoning.yaml"
        broken.write_text("version: 1\nproject: Demo\nmodels: {}\n")
        with pytest.raises(ManifestError, match="project"):
            Edit.of(broken)


class TestScalars:
    @pytest.mark.parametrize(
        ("value", "written"),
        [(True, "true"), (150.0, "150"), (12.5, "12.5"), ("month", "month"), ("yes", '"yes"'),
         ("10", '"10"'), ("a b", '"a b"'), ("1x_nvidia_h100_80gb_sxm", "1x_nvidia_h100_80gb_sxm")],
    )  # fmt: skip
    def test_values_are_written_so_they_read_back_the_same(self, value: object, written: str) -> None:
        assert render_scalar(value) == written
