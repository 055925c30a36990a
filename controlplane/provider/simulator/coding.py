"""How a simulated coding model works in an agent's tool loop: it writes the file it is asked for.

`chat` answers a coding model's requests; this module reads what an autocoder sends and decides
what a coding model would do with it. Claude Code (2.1.x) is the one it is written against: it
offers its tools (`Write` among them, `{file_path, content}`), states its working directory in
the system prompt's environment section (` - Primary working directory: /abs/dir`) and wraps
context in `<system-reminder>` blocks before the user's own words. Other clients are met by
shape: any tool whose JSON schema takes a path and a content parameter writes files, and
`Working directory:` or `cwd:` lines state the directory.

The model's moves: asked (in the last user turn) to write or create a file, a function, a
script, and offered a file-writing tool, it calls the tool with an absolute path under the stated
directory and the file's content; once the tool has answered (the last message is a tool
result), it says in one line what happened, which ends the turn. Pure functions of the text.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

#: Parameter names that carry a file's path and its content, most common first.
PATH_PARAMETERS = ("file_path", "path", "filepath", "file_name", "filename", "file")
CONTENT_PARAMETERS = ("content", "contents", "file_text", "text", "code", "body", "data")

_DIRECTORY = re.compile(r"^\W*(?:Primary working directory|Working directory|cwd)\s*:\s*(/\S*)", re.I | re.M)
_REMINDER = re.compile(r"<system-reminder>.*?</system-reminder>", re.S)
_VERB = re.compile(r"\b(?:write|create|make|generate|implement|add|save)\b", re.I)
_THING = re.compile(r"\b(?:files?|functions?|scripts?|programs?|modules?|class|methods?|code)\b", re.I)
_EXTENSIONS = ("py", "js", "ts", "sh", "rb", "go", "rs", "txt", "md", "json", "yaml", "yml", "toml", "html", "css")
_FILE = re.compile(rf"(?<![\w/.-])((?:/|\./)?(?:[\w.-]+/)*[\w-][\w.-]*\.(?:{'|'.join(_EXTENSIONS)}))\b")
_PRINTS = re.compile(r"\b(?:prints?|outputs?|says?|echoes?|displays?|contains?|containing)\s+(.+?)\s*[.!]?$", re.I)
_CALLABLE = re.compile(r"\b(?:functions?|class|methods?)\b", re.I)
_NAMING = ("to", "that", "which", "for")


@dataclass(frozen=True)
class Tool:
    """A tool as the request offers it: its name and its parameters' JSON schema."""

    name: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class Write:
    """The call the model makes: the tool, and its arguments (path, content and any others)."""

    tool: str
    arguments: dict[str, Any]


def user_words(text: str) -> str:
    """What the user said: the turn without the client's `<system-reminder>` blocks."""
    return _REMINDER.sub("", text).strip()


def working_directory(system: str) -> str | None:
    """The absolute directory the client says it works in, if it says."""
    found = _DIRECTORY.search(system)
    return found.group(1).rstrip("/") or "/" if found else None


def asks_to_write(said: str) -> bool:
    """Whether the user asks for code or a file to be written (not a question about them)."""
    return bool(_VERB.search(said) and (_THING.search(said) or _FILE.search(said)))


def writing_tool(tools: list[Tool]) -> tuple[Tool, str, str] | None:
    """The tool that writes files, with its path and content parameters: `Write` if offered, else
    one whose name says it writes or creates, else any that takes both."""
    found: list[tuple[int, Tool, str, str]] = []
    for rank_of_tool, tool in enumerate(tools):
        properties = tool.parameters.get("properties") or {}
        path = next((p for p in PATH_PARAMETERS if p in properties), None)
        content = next((c for c in CONTENT_PARAMETERS if c in properties), None)
        if path is None or content is None:
            continue
        lowered = tool.name.lower()
        rank = 0 if tool.name == "Write" else 1 if ("write" in lowered or "create" in lowered) else 2
        found.append((rank * len(tools) + rank_of_tool, tool, path, content))
    if not found:
        return None
    _, tool, path, content = min(found, key=lambda f: f[0])
    return tool, path, content


def write(said: str, tools: list[Tool], system: str) -> Write | None:
    """The file-writing call for what the user said, or None when no tool writes or nothing is asked."""
    chosen = writing_tool(tools)
    if chosen is None or not asks_to_write(said):
        return None
    tool, path_parameter, content_parameter = chosen
    named = _FILE.search(said)
    name = named.group(1) if named else f"{function_name(said)}.py"
    directory = working_directory(system)
    path = name if name.startswith("/") or directory is None else str(PurePosixPath(directory) / name)
    arguments = {path_parameter: path, content_parameter: content_for(name, said)}
    arguments |= required_arguments(tool.parameters, set(arguments), prefer=("create", "write"))
    return Write(tool.name, arguments)


def function_name(said: str) -> str:
    """A Python name for what is asked: "a function to reverse a string" -> reverse_a_string,
    "a function that reverses a linked list" -> reverse_a_linked_list."""
    words = re.findall(r"[a-z0-9]+", said.lower())
    cut = max((len(words) - words[::-1].index(w) for w in _NAMING if w in words), default=0)
    tail = words[cut:] or words
    if cut and words[cut - 1] in ("that", "which") and re.fullmatch(r"[a-z]{3,}[^s]s", tail[0]):
        tail = [tail[0][:-1], *tail[1:]]  # "that reverses" names the function "reverse"
    name = "_".join(tail[:4]) or "solve"
    return f"solve_{name}" if name[0].isdigit() else name


def python_function(said: str) -> str:
    """The function a coding model writes for `said`: named for it, documented with it."""
    docstring = _snippet(said, 80).replace("\\", "/").replace('"', "'")
    return f'def {function_name(said)}(*args: object) -> object:\n    """{docstring}"""\n    return args\n'


def content_for(name: str, said: str) -> str:
    """What goes in the file `name`: what it is asked to print, else a function, in its language."""
    suffix = PurePosixPath(name).suffix.lstrip(".")
    printed = None if _CALLABLE.search(said) else _PRINTS.search(said)
    shown = printed.group(1).strip("\"'`") if printed else None
    if suffix in ("py", ""):
        return f"print({shown!r})\n" if shown else python_function(said)
    if suffix in ("js", "ts"):
        return f"console.log({_quoted(shown)});\n" if shown else f"export function {function_name(said)}() {{}}\n"
    if suffix == "sh":
        return f"#!/bin/sh\necho {_quoted(shown or said)}\n"
    return f"{shown or said}\n"


def after_tool(result: str, written: str | None) -> str:
    """The line that ends the turn once the tool has answered (`written`: the path, when the call
    was a write)."""
    failed = result.lstrip().lower().startswith("error")
    snippet = _snippet(result, 200)
    if written is not None:
        return f"I could not write {written}: {snippet}" if failed else f"I wrote {written}."
    return f"The tool failed: {snippet}" if failed else f"Done: {snippet}"


def required_arguments(
    schema: dict[str, Any], given: Collection[str] = (), prefer: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Values for the schema's required parameters not `given`: the first enum value in `prefer`
    (a writing tool's `command: create`), else the enum's first, else a placeholder of the type."""
    properties = schema.get("properties") or {}
    arguments: dict[str, Any] = {}
    for name in schema.get("required") or []:
        if name in given:
            continue
        spec = properties.get(name) or {}
        options = spec.get("enum") or []
        preferred = [o for o in options if str(o).lower() in prefer]
        if options:
            arguments[name] = preferred[0] if preferred else options[0]
        else:
            arguments[name] = _PLACEHOLDERS.get(spec.get("type", "string"), "example")
    return arguments


_PLACEHOLDERS: dict[str, Any] = {"string": "example", "integer": 0, "number": 0.0, "boolean": False,
                                 "array": [], "object": {}}  # fmt: skip


def _snippet(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _quoted(text: str | None) -> str:
    return '"' + (text or "").replace("\\", "\\\\").replace('"', '\\"') + '"'
