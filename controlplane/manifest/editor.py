"""Round-trip edits of `reasoning.yaml`: change one value, keep every comment, blank line and layout.

Where it sits: `reasoning models enable|disable`, `costs set-budget` and `costs auto-shutdown`
edit the manifest in git as a person would, and show the diff. ruamel's round-trip tree says
where each key and value stands in the file; the edit is made in the *text* at that place (the
scalar's characters replaced, or one line inserted at the indentation of its siblings), so a
change to one value changes exactly that line. Where the text cannot be edited in place (a
value spread over lines, a multi-line flow mapping), ruamel dumps the edited tree instead,
which keeps comments but may reflow that part of the file.

Every edit is validated as a whole manifest before it is written: an edit that would make the
file invalid raises the loader's `ManifestError` and leaves the file as it was. The file is
replaced atomically (a temporary file renamed over it).
"""

from __future__ import annotations

import difflib
import io
import json
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from controlplane.errors import ManifestError
from controlplane.manifest.loader import loads
from controlplane.manifest.schema import Manifest, normalize_role

Path_ = Sequence[str]
_PLAIN = re.compile(r"^[\w/][\w./:@+-]*$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"}


def render_scalar(value: Any) -> str:
    """A value as YAML writes it: `false`, `150`, `12.5`, `month`, or a quoted string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if value is None:
        return "null"
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED and _reads_back(text):
        return text
    return json.dumps(text)


def _reads_back(text: str) -> bool:
    """Whether `text` written plain is read back as that same string (not a number, a date...)."""
    try:
        read = YAML(typ="safe").load(f"k: {text}")
    except Exception:
        return False
    return isinstance(read, dict) and read.get("k") == text


@dataclass
class Edit:
    """The edits made to one manifest file, not yet written; `diff` shows them, `save` writes them."""

    path: Path
    before: str
    text: str
    changed: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, path: str | Path) -> Edit:
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ManifestError(
                "no such file", file=str(file), hint="run in the directory holding reasoning.yaml, or pass -f FILE"
            ) from None
        loads(text, file=str(file))  # a manifest that does not load is not edited
        return cls(path=file, before=text, text=text)

    # -- edits ---------------------------------------------------------------------------------

    def set(self, path: Path_, value: Any) -> bool:
        """Set the value at `path` (keys; role names in either spelling); False if it already was."""
        previous = self.text
        tree = _load(self.text)
        _, missing = _walk(tree, path)
        dotted = ".".join(path)
        if not missing:
            container = _container(tree, path[:-1])
            key = _find_key(container, path[-1])
            if _same(container[key], value):
                return False
            self.text = _replace_value(self.text, container, key, value, tree=tree, path=path)
        else:
            self.text = _insert(self.text, tree, path, len(path) - len(missing), value)
        got = _value_at(_load(self.text), path)
        if not _same(got, value):  # the text edit did not land as meant: let ruamel write the tree
            tree = _load(previous)
            _set_tree(tree, path, value)
            self.text = _dump(tree)
        self.changed.append(f"{dotted}: {render_scalar(value)}")
        return True

    def get(self, path: Path_) -> Any:
        return _value_at(_load(self.text), path)

    # -- results -------------------------------------------------------------------------------

    @property
    def has_changes(self) -> bool:
        return self.text != self.before

    def diff(self) -> str:
        """A unified diff of the file, before and after."""
        name = str(self.path)
        lines = difflib.unified_diff(
            self.before.splitlines(keepends=True), self.text.splitlines(keepends=True), f"a/{name}", f"b/{name}"
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)

    def manifest(self) -> Manifest:
        """The edited manifest, validated (raises ManifestError, naming the line, if it is not)."""
        return loads(self.text, file=str(self.path), base_dir=self.path.resolve().parent)

    def save(self) -> Manifest:
        """Validate, then replace the file atomically; returns the manifest as written."""
        manifest = self.manifest()
        if not self.has_changes:
            return manifest
        directory = self.path.resolve().parent
        handle, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as written:
                written.write(self.text)
            if self.path.exists():
                os.chmod(temporary, self.path.stat().st_mode & 0o777)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return manifest


# -- the tree -------------------------------------------------------------------------------------


def _find_key(node: CommentedMap, part: str) -> Any:
    """The key in the file for `part`: role names match in either spelling (should-respond)."""
    if part in node:
        return part
    wanted = normalize_role(part)
    return next((key for key in node if isinstance(key, str) and normalize_role(key) == wanted), None)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    return yaml


def _load(text: str) -> CommentedMap:
    tree = _yaml().load(text)
    assert isinstance(tree, CommentedMap)
    return tree


def _dump(tree: CommentedMap) -> str:
    stream = io.StringIO()
    _yaml().dump(tree, stream)
    return stream.getvalue()


def _container(tree: CommentedMap, path: Path_) -> CommentedMap:
    node: Any = tree
    for part in path:
        node = node[_find_key(node, part)]
    assert isinstance(node, CommentedMap)
    return node


def _walk(tree: CommentedMap, path: Path_) -> tuple[CommentedMap, list[str]]:
    """The deepest mapping on `path` that exists, and the keys below it that do not."""
    node: Any = tree
    for index, part in enumerate(path):
        if not isinstance(node, CommentedMap):
            raise ManifestError(f"{'.'.join(path[:index])} is not a mapping", file="reasoning.yaml")
        key = _find_key(node, part)
        if key is None:
            return node, list(path[index:])
        if index < len(path) - 1 and node[key] is None:
            return node, list(path[index:])  # `budget:` with nothing under it
        node = node[key]
    return node, []


def _value_at(tree: CommentedMap, path: Path_) -> Any:
    node: Any = tree
    for part in path:
        if not isinstance(node, CommentedMap):
            return _Missing
        key = _find_key(node, part)
        if key is None:
            return _Missing
        node = node[key]
    return node


class _Missing:
    pass


def _same(current: Any, wanted: Any) -> bool:
    if current is _Missing or isinstance(current, dict | list):
        return False
    if isinstance(wanted, bool) or isinstance(current, bool):
        return isinstance(current, bool) and isinstance(wanted, bool) and current == wanted
    if isinstance(wanted, int | float) and isinstance(current, int | float):
        return float(current) == float(wanted)
    return (type(current) is type(wanted) and current == wanted) or (isinstance(current, str) and current == wanted)


def _set_tree(tree: CommentedMap, path: Path_, value: Any) -> None:
    node: Any = tree
    for part in path[:-1]:
        key = _find_key(node, part)
        if key is None or node[key] is None:
            key = key or part
            node[key] = CommentedMap()
        node = node[key]
    key = _find_key(node, path[-1])
    node[key if key is not None else path[-1]] = value


# -- the text -------------------------------------------------------------------------------------


def _replace_value(text: str, container: CommentedMap, key: Any, value: Any, *, tree: CommentedMap,
                   path: Path_) -> str:  # fmt: skip
    """The scalar at `container[key]` replaced in its line, the rest of the line kept."""
    line_no, col = container.lc.value(key)
    lines = text.splitlines(keepends=True)
    line = lines[line_no]
    flow = container.fa.flow_style()
    rest = line[col:]
    if rest[:1] in ("|", ">"):
        return _dump_with(tree, path, value)  # a block scalar spans lines
    end = _scalar_end(rest, flow=flow)
    new, tail = render_scalar(value), rest[end:]
    comment = re.match(r"^(\s+)#", tail)
    if comment:  # the comment stays in its column
        spaces = max(1, len(comment.group(1)) + end - len(new))
        tail = " " * spaces + tail[len(comment.group(1)) :]
    lines[line_no] = line[:col] + new + tail
    return "".join(lines)


def _dump_with(tree: CommentedMap, path: Path_, value: Any) -> str:
    _set_tree(tree, path, value)
    return _dump(tree)


def _scalar_end(rest: str, *, flow: bool) -> int:
    """Where the scalar starting `rest` ends: its closing quote, or before a comment, `,` or `}`."""
    if rest[:1] in ('"', "'"):
        quote, index = rest[0], 1
        while index < len(rest):
            if rest[index] == "\\" and quote == '"':
                index += 2
                continue
            if rest[index] == quote:
                if quote == "'" and rest[index + 1 : index + 2] == "'":
                    index += 2
                    continue
                return index + 1
            index += 1
        return len(rest.rstrip("\r\n"))
    stops = [m.start() for m in (re.search(r"\s#", rest),) if m]
    if flow:
        stops += [i for i in (rest.find(","), rest.find("}")) if i >= 0]
    end = min(stops) if stops else len(rest.rstrip("\r\n"))
    return len(rest[:end].rstrip())


def _insert(text: str, tree: CommentedMap, path: Path_, present: int, value: Any) -> str:
    """Write the missing keys `path[present:]` (and the value) into the mapping at `path[:present]`."""
    lines = text.splitlines(keepends=True)
    node = _container(tree, path[:present])
    empty = _find_key(node, path[present])
    if empty is not None and node[empty] is None:
        # `budget:` standing empty: the new keys go under it
        line_no, col = node.lc.key(empty)
        lines.insert(line_no + 1, _block(list(path[present + 1 :]), value, indent=col + _step(tree)))
        return "".join(lines)
    missing = list(path[present:])
    if node.fa.flow_style():
        if len(missing) > 1:
            return _dump_with(tree, path, value)
        return _insert_flow(text, tree, path[:present], missing[0], value)
    keys = list(node)
    if not keys:
        return _dump_with(tree, path, value)
    indent = node.lc.key(keys[0])[1]
    after = _last_single_line_key(node, lines)
    block = _block(missing, value, indent=indent)
    if after is None:  # every value spans lines: the new key goes first
        lines.insert(node.lc.key(keys[0])[0], block)
    else:
        lines.insert(after + 1, block)
    return "".join(lines)


def _last_single_line_key(node: CommentedMap, lines: list[str]) -> int | None:
    """The line of the last key whose value stands on its own line (a scalar or a flow collection
    closed there): a new sibling goes below it."""
    found = None
    keys = list(node)
    for index, key in enumerate(keys):
        line_no = node.lc.key(key)[0]
        value = node[key]
        nested = (
            isinstance(value, dict | list) and not getattr(getattr(value, "fa", None), "flow_style", lambda: True)()
        )
        if nested:
            continue
        ends = node.lc.key(keys[index + 1])[0] if index + 1 < len(keys) else None
        if ends is not None and ends != line_no + 1 and _continues(lines, line_no, ends):
            continue
        found = line_no
    return found


def _continues(lines: list[str], start: int, end: int) -> bool:
    """Whether lines between a key and the next hold more of its value (not just comments or blanks)."""
    return any(line.strip() and not line.lstrip().startswith("#") for line in lines[start + 1 : end])


def _block(keys: list[str], value: Any, *, indent: int, step: int = 2) -> str:
    out = []
    for depth, key in enumerate(keys):
        pad = " " * (indent + depth * step)
        out.append(f"{pad}{key}:" + (f" {render_scalar(value)}" if depth == len(keys) - 1 else "") + "\n")
    return "".join(out)


def _step(tree: CommentedMap) -> int:
    """The file's indentation step, from the first nested block mapping (2 when there is none)."""
    for key in tree:
        child = tree[key]
        if isinstance(child, CommentedMap) and child and not child.fa.flow_style():
            step = child.lc.key(next(iter(child)))[1] - tree.lc.key(key)[1]
            if step > 0:
                return int(step)
    return 2


def _insert_flow(text: str, tree: CommentedMap, path: Path_, key: str, value: Any) -> str:
    """`{min: 1, max: 1}` -> `{min: 1, max: 1, key: value}`, when the mapping closes on its line."""
    holder = _container(tree, path[:-1]) if len(path) > 1 else tree
    line_no, col = holder.lc.value(_find_key(holder, path[-1]))
    lines = text.splitlines(keepends=True)
    line = lines[line_no]
    close = line.find("}", col)
    if line[col : col + 1] != "{" or close < 0:
        return _dump_with(tree, [*path, key], value)
    inner = line[col + 1 : close].rstrip()
    joined = f"{inner}, {key}: {render_scalar(value)}" if inner.strip() else f"{key}: {render_scalar(value)}"
    lines[line_no] = line[: col + 1] + joined + line[close:]
    return "".join(lines)


__all__ = ["Edit", "render_scalar"]
