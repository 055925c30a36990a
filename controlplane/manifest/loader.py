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

    def written(self, loc: Sequence[str | int]) -> Loc:
        """`loc` as the user would write it: without the union tags pydantic puts in the path."""
        node, kept = self._root, list[str | int]()
        for part in loc:
            if isinstance(node, CommentedMap):
                key = _find_key(node, part)
                if key is None and node.get("type") == part:
                    continue
                node = node[key] if key is not None else None
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            else:
                node = None
            kept.append(part)
        return tuple(kept)

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
            if not isinstance(key, str) and str(key) == part:  # `1:` named as "1" in a message
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
        raise _yaml_error(error, text, file) from None
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


_UNCLOSED = {
    "while parsing a flow mapping": "the '{' opened here is never closed",
    "while parsing a flow sequence": "the '[' opened here is never closed",
    "while scanning a quoted scalar": "the quote opened here is never closed",
}


def _yaml_error(error: MarkedYAMLError, text: str, file: str) -> ManifestError:
    mark = error.problem_mark or error.context_mark
    problem = (error.problem or error.context or "invalid YAML").strip()
    hint = None
    line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
    start = error.context_mark
    unclosed = _UNCLOSED.get((error.context or "").strip())
    if unclosed and start is not None and mark is not None and mark.line > start.line:
        # ruamel notices at the end of the file; the line to fix is where the bracket or quote opened
        line, column, problem = start.line + 1, start.column + 1, unclosed
    content = [n for n, row in enumerate(text.splitlines(), 1) if row.strip() and not row.lstrip().startswith("#")]
    if line is not None and content and line > content[-1]:
        # past the last line written (a trailing `[a,`): the last line with content is the one to look at
        line, column = content[-1], None
        if "<stream end>" in problem:
            problem = "the file ends inside a '[' or '{' that is never closed"
    duplicate = re.match(r'found duplicate key "(.*?)" with value', problem)
    if duplicate:
        # ruamel quotes both values, and the duplicated key may be the one holding a password
        problem = f"duplicate key '{duplicate.group(1)}'"
    if "'\\t'" in problem:
        hint = "YAML indents with spaces, not tabs"
    elif "<block end>" in problem or "mapping values are not allowed" in problem:
        hint = "check the indentation of this line against the lines above it"
    return ManifestError(f"invalid YAML: {problem}", file=file, line=line, column=column, hint=hint)


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
    # A misspelt key also makes the key it was meant to be "missing"; the typo is the one to report.
    typo_parents = {tuple(e["loc"][:-1]) for e in errors if e["type"] == "extra_forbidden"}
    errors = [e for e in errors if not (e["type"] == "missing" and tuple(e["loc"][:-1]) in typo_parents)]
    first = min(errors, key=lambda e: source.line(e["loc"])[0] or 0)
    loc: Loc = tuple(first["loc"])
    message = first["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    # Checks spanning several fields name the one to fix, relative to where they run:
    # "proxy.routing[0].to: no role named ..." from the manifest, "anthropic_upstream: ..." from proxy.
    named = re.match(r"^(\w[\w.-]*(?:\[\d+\])*(?:\.[\w-]+)*): (.*)$", message)
    if named and first["type"] == "value_error":
        loc = loc + _parse_path(named.group(1))
        message = named.group(2)
    hint = None
    last = str(loc[-1]) if loc else ""
    if first["type"] == "extra_forbidden":
        message = f"unknown key '{last}'"
        choices = _known_keys(loc[:-1])
        close = difflib.get_close_matches(last, choices, n=1, cutoff=0.6)
        if close:
            message += f" (did you mean '{close[0]}'?)"
        elif choices:
            hint = "allowed here: " + ", ".join(sorted(choices))
    elif first["type"] == "missing":
        message = f"required key '{last}' is missing"
    elif last.endswith("_env") and first["type"] == "string_pattern_mismatch":
        # never echo the value: it may be the very secret that belongs in the environment
        message = "must name an environment variable (like TOGETHER_API_KEY), not hold the secret itself"
    elif first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        ctx = first.get("ctx") or {}
        tag = str(ctx.get("discriminator", "type")).strip("'")
        loc = (*loc, tag)
        if first["type"] == "union_tag_invalid":
            message = f"unknown {tag} '{ctx.get('tag')}'; expected one of {ctx.get('expected_tags', '')}"
        else:
            message = f"required key '{tag}' is missing"
    elif _shows_input(first, message):
        message += f" (got {first['input']!r})"
    line, column = source.line(loc)
    field = _dotted(source.written(loc))
    return ManifestError(message, file=source.file, line=line, column=column, field=field or None, hint=hint)


def _shows_input(error: ErrorDetails, message: str) -> bool:
    value = error.get("input")
    if not isinstance(value, (int, float, bool, str)) or len(str(value)) > 60 or error["type"] == "extra_forbidden":
        return False
    if isinstance(value, str) and (f"'{value}'" in message or _PASSWORD_URL.match(value)):
        return False  # already quoted by the check, or a credential that must not reach a terminal or CI log
    return not any(str(part).endswith("_env") for part in error["loc"])


_PASSWORD_URL = re.compile(r"^[\w+.-]+://[^/@\s]*:[^/@\s]*@")


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
