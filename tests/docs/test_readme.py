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
