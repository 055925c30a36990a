"""`reasoning validate` and `reasoning schema`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from controlplane.cli.options import FILE
from controlplane.cli.output import out
from controlplane.cli.process import short_lived


def register(app: typer.Typer) -> None:
    app.command()(validate)
    app.command()(schema)


def validate(file: Path = FILE) -> None:
    """Check a manifest without calling the provider (hardware against Together's published catalog)."""
    with short_lived():
        from controlplane.manifest import load

        manifest = load(file)
        from controlplane import api  # after load: a test may stand in for it, api binds it at import

        api.validate(manifest)
    roles = ", ".join(f"{name}{'' if role.enabled else ' (disabled)'}" for name, role in manifest.models.items())
    out.print(f"{file}: valid. project {manifest.project}, {len(manifest.models)} role(s): {roles}")


def schema(
    output: Path = typer.Option(None, "--out", help="Write to this file instead of stdout."),
    markdown: bool = typer.Option(False, "--markdown", help="The manifest reference as Markdown tables instead."),
) -> None:
    """Print the manifest's JSON Schema (for editors: `# yaml-language-server: $schema=...`)."""
    from controlplane.manifest import Manifest
    from controlplane.manifest.reference import render

    document = Manifest.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "reasoning.yaml"
    text = render(document).rstrip("\n") if markdown else json.dumps(document, indent=2)
    if output is None:
        out.print(text, markup=False)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        out.print(f"wrote {output}")
