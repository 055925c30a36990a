"""YAML text -> `Manifest`, the only place ruamel.yaml is used.

Every failure becomes one `ManifestError` naming file, line and the field path. Pydantic reports
where in the *data* a value is wrong; the ruamel round-trip tree still knows where each key and
value stood in the *file*, so the two are joined here.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from controlplane.errors import ManifestError
from controlplane.manifest.schema import Manifest, normalize_role

DEFAULT_FILE = "reasoning.yaml"

Loc = tuple[str | int, ...]


class SourceMap:
    """Where each path of the manifest stood in its file (1-based lines)."""

    def __init__(self, file: str, root: Any) -> None:
        self.file = file
        self._root = root

    def line(self, loc: Sequence[str | int]) -> tuple[int | None, int | None]:
        """The line of the deepest part of `loc` present in the file."""
        node, found = self._root, (None, None)
        for part in loc:
            if isinstance(node, CommentedMap):
                key = _find_key(node, part)
                if key is None:
                    if node.get("type") == part:  # a union tag pydantic puts in the path
                        continue
                    break
                line, col = node.lc.key(key)
                found = (line + 1, col + 1)
                node = node[key]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                line, col = node.lc.item(part)
                found = (line + 1, col + 1)
                node = node[part]
            else:
                break
        if found == (None, None) and isinstance(self._root, CommentedMap):
            return 1, None
        return found

    def where(self, *loc: str | int) -> str:
        line, _ = self.line(loc)
        return f"{self.file}:{line}" if line else self.file


def _find_key(node: CommentedMap, part: str | int) -> Any:
    if part in node:
        return part
    if isinstance(part, str):  # roles may be spelled should-respond in the file
        for key in node:
            if isinstance(key, str) and normalize_role(key) == part:
                return key
    return None


def load(path: str | Path | None = None) -> Manifest:
    """Read and validate a manifest file."""
    file = Path(path or DEFAULT_FILE)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(
            "no such file",
            file=str(file),
            hint="run in the directory holding reasoning.yaml, or pass -f FILE",
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"cannot read: {error}", file=str(file)) from None
    return loads(text, file=str(file), base_dir=file.resolve().parent)


def loads(text: str, *, file: str = DEFAULT_FILE, base_dir: Path | None = None) -> Manifest:
    """Validate manifest text; `file` is only used in messages."""
    yaml = YAML(typ="rt")
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = (error.problem or error.context or "invalid YAML").strip()
        raise ManifestError(
            f"invalid YAML: {problem}",
            file=file,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    if tree is None:
        raise ManifestError("the file is empty", file=file, hint="`reasoning schema` shows what it may hold")
    if not isinstance(tree, CommentedMap):
        raise ManifestError("the top level must be a mapping of keys (version, project, models...)", file=file, line=1)
    source = SourceMap(file, tree)
    try:
        manifest = Manifest.model_validate(_plain(tree))
    except ValidationError as error:
        raise _first_error(error.errors(), source) from None
    manifest._source = source
    manifest._base_dir = base_dir or Path.cwd()
    return manifest


def _plain(node: Any) -> Any:
    """ruamel's round-trip types (ScalarFloat, CommentedMap...) -> plain Python for strict validation."""
    if isinstance(node, dict):
        return {(_plain(k)): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    for kind in (int, float, str):
        if isinstance(node, kind):
            return kind(node)
    return node


def _first_error(errors: list[ErrorDetails], source: SourceMap) -> ManifestError:
    """The first problem, located; several at once would bury the one to fix first."""
    first = min(errors, key=lambda e: source.line(e["loc"])[0] or 0)
    loc: Loc = tuple(first["loc"])
    message = first["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    # Cross-field checks name their own path: "proxy.routing[0].to: no role named ..."
    named = re.match(r"^([a-z_][\w.-]*(?:\[\d+\])*(?:\.[\w-]+)*): (.*)$", message)
    if named and not loc:
        loc = _parse_path(named.group(1))
        message = named.group(2)
    hint = None
    if first["type"] == "extra_forbidden":
        key = str(loc[-1])
        message = f"unknown key '{key}'"
        choices = _known_keys(loc[:-1])
        close = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
        if close:
            message += f" (did you mean '{close[0]}'?)"
        elif choices:
            hint = "allowed here: " + ", ".join(sorted(choices))
    elif first["type"] == "missing":
        message = f"required key '{loc[-1]}' is missing"
    elif str(loc[-1]).endswith("_env") and first["type"] == "string_pattern_mismatch":
        # never echo the value: it may be the very secret that belongs in the environment
        message = "must name an environment variable (like TOGETHER_API_KEY), not hold the secret itself"
    elif first["type"] == "union_tag_invalid":
        message = f"unknown type; expected one of {first.get('ctx', {}).get('expected_tags', '')}"
    elif _shows_input(first):
        message += f" (got {first['input']!r})"
    line, column = source.line(loc)
    return ManifestError(message, file=source.file, line=line, column=column, field=_dotted(loc), hint=hint)


def _shows_input(error: ErrorDetails) -> bool:
    value = error.get("input")
    return isinstance(value, (int, float, bool, str)) and len(str(value)) <= 60 and error["type"] != "extra_forbidden"


def _dotted(loc: Iterable[str | int]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _parse_path(path: str) -> Loc:
    parts: list[str | int] = []
    for name, index in re.findall(r"([\w-]+)|\[(\d+)\]", path):
        parts.append(int(index) if index else name)
    return tuple(parts)


def _known_keys(loc: Loc) -> list[str]:
    """The keys allowed at `loc`, found by walking the schema's types."""
    kind: Any = Manifest
    for part in loc:
        kind = _unwrap(kind, part)
        if kind is None:
            return []
    kind = _unwrap(kind, None)
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return list(kind.model_fields)
    return []


def _unwrap(kind: Any, part: str | int | None) -> Any:
    """One step down a type: a model's field, a list's item, a dict's value, a union's model."""
    origin = typing.get_origin(kind)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(kind)[0], part)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        models = [a for a in options if isinstance(a, type) and issubclass(a, BaseModel)]
        for model in models:  # a tagged union: pick the member whose tag is `part`
            tag = model.model_fields.get("type")
            if tag is not None and part in typing.get_args(tag.annotation):
                return model
        return _unwrap(options[0], part) if len(options) == 1 else (models[0] if models else None)
    if part is None:
        return kind
    if origin in (list, dict):
        return typing.get_args(kind)[-1]
    if isinstance(kind, type) and issubclass(kind, BaseModel) and isinstance(part, str):
        field = kind.model_fields.get(part)
        return field.annotation if field else None
    return None
