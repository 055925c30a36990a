"""The content classifier: how much a request looks like a coding task, and why.

`explain(body, api)` reads the head of the system prompt and the last user turn (tool results
included), counts named features in them, and squashes a weighted sum to [0, 1]: a `Score` whose
features say what drove it, for `x-reasoning-reason`. An ElizaOS decision prompt or an autocoder's
side call is recognized first and its content not read further. Pure and cheap: at most 1,500
characters of system prompt and 3,000 of the last turn (`bench/routing_eval.py` measures it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from runtime.routing.vocabulary import (
    AGENT_TEMPLATE,
    CODE_LINE,
    CODER_SYSTEM,
    CODING_TOOLS,
    CODING_WORDS,
    DIFF,
    EVERYDAY,
    EXTENSION,
    FLAG,
    HOWTO,
    IDENTIFIER,
    LANGUAGES,
    LINE_ENDS,
    METHOD_CALL,
    NOT_FILES,
    PLACES,
    SIDE_CALL,
    SQL,
    SYMBOLS,
    SYNTAX,
    TASK,
    TECH_WORDS,
    TOPIC,
    TRACE,
    words,
)
from runtime.wire.api import Api

# How much text the classifier reads: the head of the system prompt (where an agent says what it
# is), the head and tail of the last user turn (the request, and the end of a long tool output), and
# of that turn, the words the user typed (not tool output), where intent shows.
SYSTEM_CHARS = 1500
TURN_CHARS = 3000
ASK_CHARS = 1000


# --------------------------------------------------------------------------------------------------
# Reading a request body, whatever shape it arrives in


def _content_text(content: Any, typed: list[str], tool: list[str], depth: int = 0) -> None:
    """Split a message's content into what the user typed and what tools returned."""
    if isinstance(content, str):
        typed.append(content)
    elif isinstance(content, list) and depth < 3:
        for block in content[:64]:
            if isinstance(block, str):
                typed.append(block)
            elif isinstance(block, Mapping):
                text = block.get("text")
                if isinstance(text, str):
                    typed.append(text)
                elif block.get("type") == "tool_result":
                    _content_text(block.get("content"), tool, tool, depth + 1)
    elif isinstance(content, Mapping) and depth < 3:
        _content_text([content], typed, tool, depth + 1)


def _messages(body: Mapping[str, Any], window: slice) -> list[Mapping[str, Any]]:
    """The messages in `window` that are objects (a long conversation is never copied whole)."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return []
    return [message for message in messages[window] if isinstance(message, Mapping)]


def _system_text(body: Mapping[str, Any], api: str) -> str:
    typed: list[str] = []
    if api == "anthropic":
        _content_text(body.get("system"), typed, typed)
    else:
        for message in _messages(body, slice(None, 4)):
            if message.get("role") in ("system", "developer"):
                _content_text(message.get("content"), typed, typed)
    return "\n".join(typed)[:SYSTEM_CHARS]


def _last_turn(body: Mapping[str, Any]) -> tuple[str, str]:
    """The turn being answered (the trailing user and tool messages): all its text, and the typed part."""
    messages = _messages(body, slice(-16, None))
    end = len(messages)
    while end and messages[end - 1].get("role") == "assistant":  # an assistant prefill
        end -= 1
    start = end
    while start and end - start < 8 and messages[start - 1].get("role") not in ("assistant", "system", "developer"):
        start -= 1
    typed: list[str] = []
    tool: list[str] = []
    for message in messages[start:end]:
        if message.get("role") in ("tool", "function"):  # OpenAI tool results
            _content_text(message.get("content"), tool, tool)
        else:
            _content_text(message.get("content"), typed, tool)
    ask = _clip("\n".join(_clip(piece, ASK_CHARS) for piece in typed), ASK_CHARS)
    turn = _clip("\n".join(_clip(piece, TURN_CHARS) for piece in typed + tool), TURN_CHARS)
    return turn, ask


def _clip(text: str, limit: int) -> str:
    """At most `limit` characters: the head and the tail."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return text[:half] + "\n" + text[-half:]


def _tool_names(body: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    for key in ("tools", "functions"):
        tools = body.get(key)
        if not isinstance(tools, list):
            continue
        for tool in tools[:128]:
            if not isinstance(tool, Mapping):
                continue
            function = tool.get("function")
            name = function.get("name") if isinstance(function, Mapping) else tool.get("name")
            if isinstance(name, str):
                names.append(name)
            kind = tool.get("type")
            if isinstance(kind, str) and kind.startswith(("bash_", "text_editor_")):
                names.append(kind)
    return names


# --------------------------------------------------------------------------------------------------
# The content classifier
#
# Features are counted with str.count and a few regular expressions that begin with a literal
# (a newline, a dot), which the regex engine scans for at C speed; the words of what the user typed
# are looked up in sets. Each feature saturates at `cap`, so no single long paste dominates.


@dataclass(slots=True)
class _Parts:
    system: str  # head of the system prompt, lower-cased
    turn: str  # head and tail of the last turn, typed text and tool output, as sent
    turn_low: str
    ask_raw: str  # head and tail of what the user typed in that turn
    ask: str  # the same, lower-cased
    words: frozenset[bytes]  # the words of `ask`
    tools: list[str]


def _agent_template(parts: _Parts) -> int:
    """ElizaOS template markers in what was typed; never with an autocoder's tools (a developer editing
    ElizaOS's own prompts in Claude Code is coding)."""
    if any(name.lower() in CODING_TOOLS for name in parts.tools):
        return 0
    return sum(parts.ask.count(marker) for marker in AGENT_TEMPLATE)


def _fences(parts: _Parts) -> int:
    return (parts.turn.count("\n```") + parts.turn.startswith("```")) // 2


def _code_lines(parts: _Parts) -> int:
    turn = parts.turn
    return len(CODE_LINE.findall(turn)) + sum(turn.count(end) for end in LINE_ENDS)


def _density(parts: _Parts) -> int:
    """Code punctuation per character, 0 at 1 % (prose) to 10 at 5 % (code); short texts count as 200."""
    turn = parts.turn
    symbols = sum(turn.count(symbol) for symbol in SYMBOLS)
    return max(0, min(10, round((symbols / max(len(turn), 200) - 0.01) * 250)))


def _calls(parts: _Parts) -> int:
    """Opening parentheses right after a word: calls, not asides (which follow a space)."""
    turn = parts.turn
    return max(0, turn.count("(") - turn.count(" (") - turn.count("\n(") - turn.count("((") - turn.count('"('))


def _paths(parts: _Parts) -> int:
    turn = parts.turn_low
    named = 0
    for match in EXTENSION.finditer(turn):
        start = match.start()
        if start and (turn[start - 1].isalnum() or turn[start - 1] in "_-") and not turn[:start].endswith(NOT_FILES):
            named += 1
    return named + sum(turn.count(place) for place in PLACES)


def _counts(needles: tuple[str, ...], field: str) -> Callable[[_Parts], int]:
    return lambda parts: sum(getattr(parts, field).count(needle) for needle in needles)


def _matches(pattern: re.Pattern[str], field: str) -> Callable[[_Parts], int]:
    return lambda parts: len(pattern.findall(getattr(parts, field)))


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    weight: float  # added to the logit at full strength
    cap: int  # counts saturate here: strength = min(count, cap) / cap
    count: Callable[[_Parts], int]


# Read first: they decide whether the content is worth reading at all.
GATES: tuple[Feature, ...] = (
    Feature(
        "coding tools",
        5.0,
        1,
        lambda parts: sum(
            name.lower() in CODING_TOOLS or name.startswith(("bash_", "text_editor_")) for name in parts.tools
        ),
    ),
    Feature("coder system prompt", 4.0, 1, _counts(CODER_SYSTEM, "system")),
    Feature("agent template", -9.0, 1, _agent_template),
    Feature("side call", -8.0, 1, lambda parts: sum(parts.system.count(n) + parts.ask.count(n) for n in SIDE_CALL)),
)
CONTENT: tuple[Feature, ...] = (
    Feature("code fence", 3.0, 1, _fences),
    Feature("code lines", 3.0, 5, _code_lines),
    Feature("code density", 2.5, 10, _density),
    Feature("calls", 1.0, 3, _calls),
    Feature("method calls", 2.5, 1, _matches(METHOD_CALL, "turn")),
    Feature("identifiers", 1.5, 2, _matches(IDENTIFIER, "ask_raw")),
    Feature("syntax", 1.5, 4, _counts(SYNTAX, "turn")),
    Feature("sql", 2.0, 2, _counts(SQL, "turn")),
    Feature("command-line flags", 2.5, 2, _matches(FLAG, "turn")),
    Feature("file paths", 1.5, 3, _paths),
    Feature("stack trace", 3.5, 1, _counts(TRACE, "turn_low")),
    Feature("diff", 3.0, 2, _counts(DIFF, "turn")),
    Feature("coding words", 3.5, 1, lambda parts: len(parts.words & CODING_WORDS)),
    Feature("tech words", 1.5, 2, lambda parts: len(parts.words & TECH_WORDS)),
    Feature("language", 1.0, 2, lambda parts: len(parts.words & LANGUAGES)),
    Feature("coding task", 2.5, 1, _matches(TASK, "ask")),
    Feature("how-to", 2.0, 1, _matches(HOWTO, "ask")),
    Feature("everyday word", -3.0, 1, _matches(EVERYDAY, "ask")),
    Feature("topic question", -3.0, 1, _matches(TOPIC, "ask")),
)
BIAS = -3.0


@dataclass(frozen=True, slots=True)
class Score:
    value: float  # in [0, 1]
    contributions: tuple[tuple[str, float], ...]  # (feature, its part of the logit) of the features that fired

    def top(self, n: int = 3) -> list[str]:
        """The names of the features that pushed the score up most."""
        ranked = sorted((item for item in self.contributions if item[1] > 0), key=lambda item: -item[1])
        return [name for name, _ in ranked[:n]]


def explain(body: Mapping[str, Any], api: str) -> Score:
    """The classifier's score and the features behind it.

    An ElizaOS decision prompt or an autocoder's side call is recognized first, and its content is
    not read further: what such a prompt quotes (a conversation, a user's coding request) is not the
    task the model is asked to do.
    """
    if not isinstance(body, Mapping):
        return Score(_squash(BIAS), ())
    turn, ask = _last_turn(body)
    ask_low = ask.lower()
    system = _system_text(body, api).lower()
    parts = _Parts(system, turn, turn.lower(), ask, ask_low, words(ask_low), _tool_names(body))
    fired = _fire(GATES, parts)
    if all(contribution > 0 for _, contribution in fired):  # no agent template, no side call
        fired += _fire(CONTENT, parts)
    logit = BIAS + sum(contribution for _, contribution in fired)
    return Score(_squash(logit), tuple(fired))


def _fire(features: tuple[Feature, ...], parts: _Parts) -> list[tuple[str, float]]:
    fired = []
    for feature in features:
        count = feature.count(parts)
        if count > 0:
            fired.append((feature.name, round(feature.weight * min(count, feature.cap) / feature.cap, 3)))
    return fired


def coding_score(body: Mapping[str, Any], api: Api) -> float:
    """How much a request looks like a coding task, in [0, 1]: system prompt + last user turn + tools."""
    return explain(body, api).value


def _squash(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-logit))
