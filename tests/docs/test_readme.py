"""The README is the map: every command is in it with its help, and its manifest reference is the
schema's own (generated, never hand-kept)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from controlplane.cli import app
from controlplane.manifest import Manifest
from controlplane.manifest.reference import render

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    children = getattr(command, "commands", None)
    if children is None:
        yield path, command
        return
    if path:
        yield path, command
    for name, child in sorted(children.items()):
        if not child.hidden:
            yield from _commands(child, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def test_every_command_has_help() -> None:
    assert len(COMMANDS) >= 12
    missing = [" ".join(path) for path, command in COMMANDS if not (command.help or "").strip()]
    assert not missing, f"commands without help: {missing}"


def test_every_command_is_in_the_readme() -> None:
    leaves = [path for path, command in COMMANDS if getattr(command, "commands", None) is None]
    missing = [" ".join(path) for path in leaves if f"reasoning {' '.join(path)}" not in README]
    assert not missing, f"commands the README does not show: {missing}"


def test_the_readme_manifest_reference_is_the_schemas() -> None:
    match = re.search(r"<!-- manifest-reference:start -->\n(.*?)<!-- manifest-reference:end -->", README, re.S)
    assert match, "README.md has no generated manifest reference"
    document = Manifest.model_json_schema()
    assert match.group(1) == render(document), (
        "README.md's manifest reference is stale: replace it with `reasoning schema --markdown`"
    )


def test_the_reference_names_every_field_of_a_role() -> None:
    """The generator can fail: a field of Role missing from its table is caught."""
    document = Manifest.model_json_schema()
    role_table = render(document).split("#### `Role`", 1)[1].split("####", 1)[0]
    for field in document["$defs"]["Role"]["properties"]:
        assert f"| `{field}` |" in role_table


def _mapping_rows() -> list[tuple[str, str]]:
    section = README.split("### Coming from the TypeScript service", 1)[1].split("\n#", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        if len(cells) == 2 and cells[0].startswith("`elizaos reasoning"):
            rows.append((cells[0], cells[1]))
    return rows


def test_every_command_of_the_original_cli_has_a_counterpart_that_parses() -> None:
    from tests.examples.test_deploy_examples import _parse_cli

    rows = _mapping_rows()
    originals = {re.match(r"`elizaos reasoning (\w+(?: [a-z-]+)?)", original).group(1) for original, _ in rows}  # type: ignore[union-attr]
    # the original CLI reference (shared/reference/custom-reasoning-service.md, "CLI Commands Reference")
    assert originals >= {
        "config", "setup", "models list", "models enable", "models disable", "models status", "models deploy",
        "models undeploy", "data export", "data stats", "data cleanup", "costs report", "costs set-budget",
        "costs auto-shutdown",
    }  # fmt: skip
    for original, here in rows:
        command = re.search(r"`(reasoning [^`]*)`", here)
        assert command, f"{original}: no counterpart named"
        text = re.sub(r"\[[^\]]*\]", "", command.group(1))
        text = text.replace("ROLE\\|MODEL", "planning").replace("ROLE", "planning").replace("AMOUNT", "100")
        argv = text.split()[1:]
        argv = ["30" if arg == "N" else arg for arg in argv]
        _parse_cli(argv)
