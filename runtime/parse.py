"""Reading what a decision model said: should-respond and planning answers, as values.

The hooks (`runtime.hooks`) send ElizaOS's prompts to a model and hand its raw text here. Real
models rarely answer with exactly the `<response>` block the template asks for: DeepSeek-R1
distills think aloud in `<think>` blocks (or only close one, the chat template having opened it),
answers come wrapped in code fences or between sentences of prose, tags change case or grow
attributes, optional tags go missing, a `max_tokens` cut leaves the block unclosed. This module
accepts all of that and returns the decision, or raises `ParseError` saying what was missing. It
is pure: text in, value out.

Formats (what ElizaOS's templates, `templates/*.j2`, ask for):
- should-respond: `<response><name/><reasoning/><action>RESPOND|IGNORE|STOP</action></response>`;
  also ElizaOS v0's `[RESPOND]` answers (its `shouldRespondFooter`) and a JSON object.
- planning: `<response><thought/><actions>A,B</actions><providers>P,Q</providers><text/>
  [<params/>][<simple/>]</response>`; also a JSON object with the same keys.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any, Literal

from controlplane.values import Value
from runtime.errors import ParseError

#: What a should-respond model decides about a message.
Verdict = Literal["RESPOND", "IGNORE", "STOP"]

# What models say instead of the three decisions. ElizaOS's TS core treats any action other than
# IGNORE/NONE as "respond", and REPLY is what a planning-trained model reaches for.
_WORDS: dict[str, Verdict] = {
    "RESPOND": "RESPOND",
    "IGNORE": "IGNORE",
    "STOP": "STOP",
    "REPLY": "RESPOND",
    "NONE": "IGNORE",
}


class ShouldRespondAnswer(Value):
    decision: Verdict
    reasoning: str = ""
    name: str | None = None

    def to_xml(self) -> str:
        """The answer in the should-respond template's format."""
        name = f"  <name>{_escape(self.name)}</name>\n" if self.name else ""
        return (
            f"<response>\n{name}  <reasoning>{_escape(self.reasoning)}</reasoning>\n"
            f"  <action>{self.decision}</action>\n</response>"
        )


class PlanAnswer(Value):
    thought: str = ""
    actions: list[str]
    providers: list[str] = []
    text: str = ""
    #: action name -> its parameters, from `<params>` as nested XML or JSON
    params: dict[str, dict[str, Any]] = {}
    simple: bool | None = None

    def to_xml(self) -> str:
        """The answer in the message handler's format, clean: what the ElizaOS runtime parses."""
        lines = [
            "<response>",
            f"    <thought>{_escape(self.thought)}</thought>",
            f"    <actions>{','.join(self.actions)}</actions>",
            f"    <providers>{','.join(self.providers)}</providers>",
            f"    <text>{_escape(self.text)}</text>",
        ]
        if self.params:
            lines.append(f"    <params>{_escape(json.dumps(self.params))}</params>")
        if self.simple is not None:
            lines.append(f"    <simple>{str(self.simple).lower()}</simple>")
        return "\n".join([*lines, "</response>"])


# -- the two parsers ---------------------------------------------------------------------------


def parse_should_respond(raw: str) -> ShouldRespondAnswer:
    """RESPOND, IGNORE or STOP and the model's reasoning, from whatever the model emitted."""
    cleaned, unterminated = _strip_thinking(raw)
    for fields in _candidates(cleaned, newest_first=unterminated):
        action = fields.get("action")
        if action is None:
            continue
        decision = _decision(action)
        if decision is not None:
            name = fields.get("name")
            return ShouldRespondAnswer(decision=decision, reasoning=fields.get("reasoning", ""), name=name or None)
    as_json = _json_object(cleaned)
    if as_json is not None and isinstance(as_json.get("action"), str):
        decision = _decision(as_json["action"])
        if decision is not None:
            return ShouldRespondAnswer(decision=decision, reasoning=str(as_json.get("reasoning") or ""))
    decision = _bracketed(cleaned)
    if decision is not None:
        return ShouldRespondAnswer(decision=decision)
    raise ParseError("should_respond", "no <action> with RESPOND, IGNORE or STOP", raw)


def parse_plan(raw: str) -> PlanAnswer:
    """Thought, actions, providers and text of a message-handler answer."""
    cleaned, unterminated = _strip_thinking(raw)
    for fields in _candidates(cleaned, newest_first=unterminated):
        plan = _plan_from(fields)
        if plan is not None:
            return plan
    as_json = _json_object(cleaned)
    if as_json is not None:
        fields = {key.lower(): _json_text(value) for key, value in as_json.items() if key.lower() != "params"}
        plan = _plan_from(fields, params=as_json.get("params"))
        if plan is not None:
            return plan
    raise ParseError("planning", "no <response> with <actions> or <text>", raw)


def _decision(value: str) -> Verdict | None:
    """The one decision a value names: `RESPOND`, ` respond. `, `[STOP]`, `**IGNORE**`; None when it
    names none or several (`RESPOND | IGNORE | STOP` echoed from the template)."""
    found = {_WORDS[word.upper()] for word in re.findall(r"[A-Za-z]+", value) if word.upper() in _WORDS}
    return found.pop() if len(found) == 1 else None


def _bracketed(text: str) -> Verdict | None:
    """ElizaOS v0: the answer is `[RESPOND]` (or a bare `RESPOND`) on its first line, or names
    exactly one bracketed option somewhere."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if lines:
        first = re.fullmatch(r"\[?\s*(RESPOND|IGNORE|STOP)\s*\]?[.!]?", lines[0], re.IGNORECASE)
        if first:
            return _WORDS[first.group(1).upper()]
    found = {_WORDS[match.upper()] for match in re.findall(r"\[(RESPOND|IGNORE|STOP)\]", text, re.IGNORECASE)}
    return found.pop() if len(found) == 1 else None


def _plan_from(fields: dict[str, str], params: object = None) -> PlanAnswer | None:
    if "actions" not in fields and "text" not in fields:
        return None
    text = fields.get("text", "")
    actions = [a.upper() for a in _split(fields.get("actions", ""))]
    if not actions:
        if not text:
            return None
        actions = ["REPLY"]  # a bare text answer is a reply: what the model evidently meant
    if "IGNORE" in actions and len(actions) > 1:
        # ElizaOS's rule: IGNORE stands alone; with text the other actions win, without it IGNORE does.
        actions = [a for a in actions if a != "IGNORE"] if text else ["IGNORE"]
    simple = fields.get("simple")
    return PlanAnswer(
        thought=fields.get("thought", ""),
        actions=actions,
        providers=_split(fields.get("providers", "")),
        text=text,
        params=_params(params if params is not None else fields.get("params")),
        simple=None if simple is None else simple.strip().lower() == "true",
    )


def _split(value: str) -> list[str]:
    """`A, B`, `A,B`, one per line, or a JSON list."""
    value = value.strip()
    if value.startswith("["):
        try:
            items = json.loads(value)
        except ValueError:
            items = None
        if isinstance(items, list):
            return [str(item).strip() for item in items if str(item).strip()]
    return [part.strip().strip("\"'`*") for part in re.split(r"[,\n]", value) if part.strip().strip("\"'`*")]


def _params(value: object) -> dict[str, dict[str, Any]]:
    """`<params>` as nested XML (`<SEND_MESSAGE><target>x</target></SEND_MESSAGE>`) or JSON."""
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items() if isinstance(v, dict)}
    if not isinstance(value, str) or not value.strip():
        return {}
    raw = value.strip()
    if raw.startswith("{"):
        try:
            loaded = json.loads(html.unescape(raw))
        except ValueError:
            return {}
        return _params(loaded)
    return {
        action: {name: _text(inner) for name, inner in _children(body, keep_case=True).items()}
        for action, body in _children(raw, keep_case=True).items()
    }


def _json_text(value: object) -> str:
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


# -- finding the answer in the text ------------------------------------------------------------

_THINK_BLOCK = re.compile(r"<(think|thinking|reasoning_content)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_THINK_CLOSE = re.compile(r"</(?:think|thinking)\s*>", re.IGNORECASE)
_THINK_OPEN = re.compile(r"<(?:think|thinking)\b[^>]*>", re.IGNORECASE)
_RESPONSE_OPEN = re.compile(r"<response\b[^>]*>", re.IGNORECASE)
_RESPONSE_CLOSE = re.compile(r"</response\s*>", re.IGNORECASE)
_TAG = re.compile(r"<(/?)([A-Za-z_][\w.-]*)((?:\s[^<>]*?)?)(/?)>")
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)


def _strip_thinking(raw: str) -> tuple[str, bool]:
    """The text without reasoning blocks, and whether a `<think>` was left open.

    A lone `</think>` means the chat template opened the block in the prompt (DeepSeek-R1 does):
    everything before it is thinking. A lone `<think>` means the model never closed it; the answer,
    if any, is then the last block in the text.
    """
    text = _THINK_BLOCK.sub("", raw)
    closes = list(_THINK_CLOSE.finditer(text))
    if closes:
        text = text[closes[-1].end() :]
    opened = _THINK_OPEN.search(text)
    if opened:
        text = text[: opened.start()] + text[opened.end() :]
    return text, opened is not None


def _candidates(text: str, *, newest_first: bool) -> list[dict[str, str]]:
    """The fields of each `<response>` block (an unclosed last one runs to the end), else the
    fields found in the text itself: a model that dropped the wrapper still answered."""
    blocks: list[str] = []
    position = 0
    while (opened := _RESPONSE_OPEN.search(text, position)) is not None:
        closed = _RESPONSE_CLOSE.search(text, opened.end())
        blocks.append(text[opened.end() : closed.start() if closed else len(text)])
        position = closed.end() if closed else len(text)
    if newest_first:
        blocks.reverse()
    found = [_fields(block) for block in blocks]
    return [*found, _fields(text)] if not blocks else found


def _fields(body: str) -> dict[str, str]:
    """Direct children of a block, lower-cased names to unescaped text; tags nested elsewhere
    (a `<text>` inside `<params>`) never shadow them."""
    return {name: (inner if name == "params" else _text(inner)) for name, inner in _children(body).items()}


def _children(body: str, *, keep_case: bool = False) -> dict[str, str]:
    """Top-level elements of `body`: name -> raw inner text. The first of a name wins; an element
    left open (a cut answer) runs to the end; `<providers/>` is empty."""
    children: dict[str, str] = {}
    position = 0
    while (tag := _TAG.search(body, position)) is not None:
        closing, name, _, self_closing = tag.group(1), tag.group(2), tag.group(3), tag.group(4)
        key = name if keep_case else name.lower()
        if closing:
            position = tag.end()
            continue
        if self_closing:
            children.setdefault(key, "")
            position = tag.end()
            continue
        end, after = _matching_close(body, name, tag.end())
        children.setdefault(key, body[tag.end() : end])
        position = after
    return children


def _matching_close(body: str, name: str, start: int) -> tuple[int, int]:
    """Where the element opened just before `start` ends: (start of its close tag, end of it)."""
    pattern = re.compile(rf"<(/?){re.escape(name)}(?:\s[^<>]*?)?(/?)>", re.IGNORECASE)
    depth = 1
    for match in pattern.finditer(body, start):
        if match.group(2):
            continue
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return match.start(), match.end()
    return len(body), len(body)


def _text(inner: str) -> str:
    inner = _CDATA.sub(lambda m: m.group(1).replace("&", "&amp;").replace("<", "&lt;"), inner)
    return html.unescape(inner).strip()


def _json_object(text: str) -> dict[str, Any] | None:
    """A JSON object in the text, fenced or bare: the first `{` to the last `}`."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        value = json.loads(text[start : end + 1])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = [
    "ParseError",
    "PlanAnswer",
    "ShouldRespondAnswer",
    "Verdict",
    "parse_plan",
    "parse_should_respond",
]
