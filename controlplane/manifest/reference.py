"""The manifest reference in Markdown, generated from the JSON Schema the models publish.

`reasoning schema --markdown` prints it; the README carries it between two markers and a test
fails when the two differ, so the reference cannot drift from the schema.
"""

from __future__ import annotations

import json
from typing import Any

Schema = dict[str, Any]


def render(document: Schema) -> str:
    """One table per object (the top level, then each definition in the order it is first used)."""
    definitions: dict[str, Schema] = document.get("$defs", {})
    order = _definition_order(document, definitions)
    sections = [_table("`reasoning.yaml`", document)]
    sections += [_table(f"`{name}`", definitions[name]) for name in order]
    return "\n\n".join(sections) + "\n"


def _definition_order(document: Schema, definitions: dict[str, Schema]) -> list[str]:
    seen: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name not in seen and name in definitions:
                    seen.append(name)
                    visit(definitions[name])
            for key, value in node.items():
                if key != "$defs":
                    visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(document)
    return seen


def _table(title: str, schema: Schema) -> str:
    lines = [f"#### {title}", ""]
    if schema.get("description") and title != "`reasoning.yaml`":
        lines += [_cell(schema["description"]), ""]
    required = set(schema.get("required", []))
    lines += ["| field | type | default | meaning |", "|---|---|---|---|"]
    for name, field in schema.get("properties", {}).items():
        default = "required" if name in required else _default(field)
        lines.append(f"| `{name}` | {_type(field)} | {default} | {_cell(field.get('description', ''))} |")
    return "\n".join(lines)


def _type(field: Schema) -> str:
    if "$ref" in field:
        name = field["$ref"].removeprefix("#/$defs/")
        return f"[{name}](#{name.lower()})"
    for key in ("anyOf", "oneOf"):
        if key in field:
            kinds = [_type(option) for option in field[key] if option.get("type") != "null"]
            return " or ".join(kinds)
    if "const" in field:
        return f"`{json.dumps(field['const'])}`"
    if "enum" in field:
        return " \\| ".join(f"`{value}`" for value in field["enum"])
    kind = field.get("type", "any")
    if kind == "array":
        return f"list of {_type(field.get('items', {}))}"
    if kind == "object" and "additionalProperties" in field and isinstance(field["additionalProperties"], dict):
        return f"map of name to {_type(field['additionalProperties'])}"
    bounds = [f"{sign} {field[key]}" for key, sign in (("minimum", "≥"), ("maximum", "≤")) if key in field]
    bounds_text = ", ".join(bounds)
    return f"{kind} ({bounds_text})" if bounds_text else str(kind)


def _default(field: Schema) -> str:
    if "default" not in field:
        return ""
    value = field["default"]
    return "none" if value is None else f"`{json.dumps(value)}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")
