"""The learned coding score: a linear model over the words and character n-grams of the whole conversation.

Where it sits: the router asks `score(body, api)` when a rule needs a coding score; `decide()` makes it
coding, uncertain (the documented default: the upstream) or not coding. Weights: `learned_weights.json`
here, written by `bench/routing_train.py`; no scikit-learn, numpy or `runtime.routing` at run time.
Each field (system head, last turn, ElizaOS's handled message, tool results, tool names, 4 earlier
messages by recency, the opening exchange) is bounded, so a 70 KB Claude Code body costs what a short one does.
Structure tokens let a linear model weigh the conversation by its last turn: how long the last turn is,
crossed with whether the turns before it hold code. The hand-written classifier's vocabulary
(`runtime.routing.vocabulary`) adds a few prior tokens ("v:...": a language named, a coding task
phrased, an everyday sense), found by set lookups of the last turn's words and bigrams; the shipped
weights average a model with them and one without. What a session repeats (its system prompt, earlier
turns, tool list) is read once and remembered, by text, with its sum of weights.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from operator import add
from pathlib import Path
from typing import Any, Literal

from runtime.routing.vocabulary import CODING_WORDS, LANGUAGES, TECH_WORDS

WEIGHTS = Path(__file__).with_name("learned_weights.json")
FORMAT = 3  # learned_weights.json's "format"; bump when the featurizer changes what it emits

Decision = Literal["coding", "uncertain", "not_coding"]

# How much of each field is read (characters): the head of the system prompt (where an agent says
# what it is), the head and tail of the last turn (the ask, and the end of a long paste), its tool
# output, and the head and tail of each earlier message.
SYSTEM_CHARS = 800
TURN_HEAD, TURN_TAIL = 700, 500
FOCUS_CHARS = 400
TOOL_HEAD, TOOL_TAIL = 400, 300
HISTORY_MESSAGES = 4
HISTORY_HEAD, HISTORY_TAIL = 240, 120
MAX_TOOLS = 64
# Word bigrams and prefixes come from the first RICH_WORDS words of a rich field (where the ask is).
RICH_WORDS = 64
MAX_BLOCKS = 64
# Claude Code puts its context (CLAUDE.md, reminders) in the user's turn, in blocks that open so:
# the client's, not what the user typed.
REMINDER = "<system-reminder>"
# Where agent prompts put the message being handled, deep inside a long template (ElizaOS TS core
# 1.7's providers text; plugin-training's export format).
FOCUS_MARKERS = ("# Received Message", "Current message:")

# Field namespaces: s system, u last turn typed, f the focused message, t tool results, h history,
# o the conversation's opening exchange (where a task is usually set), n tool names, x structure
# (and the vocabulary's prior tokens, "v:" in x);
# and w, the table the text fields share, so what a word means is learned from every field it is in
# (a word seen in a direct ask counts in an ElizaOS room too).
NAMESPACES = ("s", "u", "f", "t", "h", "o", "n", "x", "w")
SHARED = frozenset("uftho")


def _table(keep: Iterable[int]) -> bytes:
    kept = set(keep)
    return bytes(c if c in kept else 32 for c in range(256))


# Words: ASCII letters, digits, underscore, and every byte of a multi-byte UTF-8 character (so
# Cyrillic, accented and CJK text stays in words). Punctuation: the ASCII symbols, in runs ("();").
_WORD = _table([*range(48, 58), *range(97, 123), 95, *range(128, 256)])
_PUNCT = _table(c for c in range(33, 127) if not chr(c).isalnum() and c != 95)
_SYMBOLS = bytes(c for c in range(33, 127) if not chr(c).isalnum() and c != 95)
_CJK = re.compile(rb"(?:[\xe3-\xed][\x80-\xbf]{2})+")  # runs of 3-byte characters: kana, CJK, Hangul
_HAS_CJK = re.compile(rb"[\xe3-\xed]")

#: Distinct tokens, kept as a tuple. The garbage collector stops tracking a tuple of bytes the first
#: time it sees one, where a set stays tracked, and walked by each collection, for as long as it lives:
#: the remembered token sets of a few hundred texts made every collection in the proxy slower
#: (route()'s p99 read from scratch was 420 us of CPU for a 100 us median; bench/routing_eval.py).
Tokens = tuple[bytes, ...]


# Token sets of the texts seen lately: a session's next turn repeats its system prompt and its earlier
# messages, which need not be read again. Bounded; emptied when full (cheaper than an LRU's upkeep).
# The sets are shared: nothing mutates what `_tokens` returns. Keyed by the text alone, one table per
# kind of read (plain, rich), and so on below: a key tuple per text would be a tracked allocation more.
_SEEN: tuple[dict[str, Tokens], dict[str, Tokens]] = ({}, {})
_SEEN_IDS: set[int] = set()
# How many times a table of token sets was emptied. A model's remembered sums are keyed by the ids of
# what the tables hold: they are emptied on the model's next use after this moves, so they never keep
# a dead set alive (or, from scratch, grow to thousands of dead sets freed at once: ~30 us a call).
_EMPTIED = [0]
SEEN_SIZE = 4096
SEEN_MIN_CHARS = 16  # shorter texts cost less to read than to remember (a session repeats longer ones)


def _tokens(text: str, rich: bool) -> Tokens:
    """The distinct tokens of `text`: words, punctuation runs, CJK character bigrams; and when `rich`
    (the last turn, where the ask is), word bigrams and the 6-byte prefixes of long words."""
    if len(text) < SEEN_MIN_CHARS:
        return _read_tokens(text, rich)
    seen = _SEEN[rich]
    found = seen.get(text)
    if found is None:
        found = _read_tokens(text, rich)
        if len(seen) >= SEEN_SIZE:
            for table in _SEEN:
                table.clear()
            _SEEN_IDS.clear()
            _EMPTIED[0] += 1
        seen[text] = found
        _SEEN_IDS.add(id(found))
    return found


def forget() -> None:
    """Empty the token caches (for measuring a request read from scratch)."""
    for table in (*_SEEN, *_SHAPES.values()):
        table.clear()
    _SEEN_IDS.clear()
    _UNIONS.clear()
    _TOOLS.clear()
    _EMPTIED[0] += 1


# The same for what the shape of a long text is, and for the opening exchange's two token sets in one.
_SHAPES: dict[str, dict[str, Tokens]] = {name: {} for name in "utho"}  # field -> text -> its shape
_UNIONS: dict[tuple[int, int], tuple[Tokens, Tokens, Tokens]] = {}


def _union(first: Tokens, second: Tokens) -> Tokens:
    """`first | second`, the same set object while both are the cache's (so its sum is remembered too)."""
    key = (id(first), id(second))
    found = _UNIONS.get(key)
    if found is not None and found[0] is first and found[1] is second:
        return found[2]
    union = tuple({*first, *second})
    if id(first) in _SEEN_IDS and id(second) in _SEEN_IDS:
        if len(_UNIONS) >= SEEN_SIZE:
            _UNIONS.clear()
            _EMPTIED[0] += 1
        _UNIONS[key] = (first, second, union)  # holding both keeps their ids from being reused
        _SEEN_IDS.add(id(union))
    return union


def _read_tokens(text: str, rich: bool) -> Tokens:
    raw = text.lower().encode("utf-8", "replace")
    words = raw.translate(_WORD).split()
    found = words + raw.translate(_PUNCT).split()
    if rich and len(words) > 1:
        head = words[:RICH_WORDS] if len(words) > RICH_WORDS else words
        found += [b"<" + word[:6] for word in head if len(word) > 6]
        found += map(add, map(add, head, repeat(b" ")), head[1:])
    if not text.isascii() and _HAS_CJK.search(raw):
        for run in _CJK.findall(raw):
            found += [run[i : i + 6] for i in range(0, len(run) - 3, 3)]
    return tuple(set(found))


def _shape(field: str, text: str) -> Tokens:
    """How code-like a field's text looks, whatever its words: a fence, indented lines, and the
    share of ASCII symbols in it (prose has about 2 %, code 8 % and more)."""
    if not text:
        return ()
    shapes = _SHAPES[field]
    if len(text) >= SEEN_MIN_CHARS:
        found = shapes.get(text)
        if found is not None:
            return found
    raw = text.encode("utf-8", "replace")
    share = (len(raw) - len(raw.translate(None, _SYMBOLS))) / len(raw)
    shape = [f"{field}-symbols:{min(int(share * 50), 8)}".encode()]
    if "```" in text:
        shape.append(f"{field}-fence".encode())
    if text.count("\n    ") + text.count("\n\t") >= 2:
        shape.append(f"{field}-indented".encode())
    result = tuple(shape)
    if len(text) >= SEEN_MIN_CHARS:
        if len(shapes) >= SEEN_SIZE:
            shapes.clear()
        shapes[text] = result
    return result


def _head(texts: list[str], size: int) -> str:
    """The first `size` characters of `texts` joined by newlines, without joining a 10 KB prompt to cut it."""
    count = total = 0
    for text in texts:
        count += 1
        total += len(text) + 1
        if total > size:
            break
    return "\n".join(texts[:count])[:size]


def _clip(text: str, head: int, tail: int) -> str:
    if len(text) <= head + tail:
        return text
    return text[:head] + "\n" + text[-tail:]


# --------------------------------------------------------------------------------------------------
# Reading a body


# Bodies are parsed JSON, so objects are dicts: isinstance(x, dict) costs a tenth of isinstance(x,
# Mapping), which goes through the ABC machinery, and a Claude Code body has hundreds of objects.


def _texts(content: Any, typed: list[str], tools: list[str], depth: int = 0) -> None:
    """Split a message's content into what was typed and what tools returned (or were called with)."""
    if isinstance(content, str):
        typed.append(content)
    elif isinstance(content, list) and depth < 3:
        for block in content[:MAX_BLOCKS]:
            if isinstance(block, str):
                typed.append(block)
            elif isinstance(block, dict):
                kind = block.get("type")
                text = block.get("text")
                if isinstance(text, str):
                    typed.append(text)
                elif kind == "tool_result":
                    _texts(block.get("content"), tools, tools, depth + 1)
                elif kind == "tool_use":
                    typed.append(_call_text(block.get("name"), block.get("input")))
    elif isinstance(content, dict) and depth < 3:
        _texts([content], typed, tools, depth + 1)


def _call_text(name: Any, arguments: Any) -> str:
    """A tool call as text: its name and its string arguments (a command, a path), bounded."""
    parts = [name if isinstance(name, str) else ""]
    if isinstance(arguments, dict):
        parts += [value for value in list(arguments.values())[:8] if isinstance(value, str)]
    elif isinstance(arguments, str):
        parts.append(arguments)
    return " ".join(parts)[:HISTORY_HEAD]


def _message_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str) and "tool_calls" not in message:  # most messages: one string
        return _clip(content, HISTORY_HEAD, HISTORY_TAIL)
    typed: list[str] = []
    _texts(message.get("content"), typed, typed)
    calls = message.get("tool_calls")
    if isinstance(calls, list):
        for call in calls[:8]:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict):
                typed.append(_call_text(function.get("name"), function.get("arguments")))
    return _clip("\n".join(typed), HISTORY_HEAD, HISTORY_TAIL)


@dataclass(slots=True)
class Fields:
    """What the model reads of one request: per namespace, (scale, distinct tokens) parts."""

    parts: list[tuple[str, float, Tokens]] = field(default_factory=list)

    def add(self, namespace: str, tokens: Tokens, scale: float = 1.0) -> None:
        if tokens:
            self.parts.append((namespace, scale / math.sqrt(len(tokens)), tokens))


def read(body: Mapping[str, Any], api: str, decay: float) -> Fields:
    """The fields of a request body, each bounded; `decay` weighs each earlier message by recency."""
    fields = Fields()
    if not isinstance(body, dict):
        return fields
    raw = body.get("messages")
    messages = [m for m in raw[-(HISTORY_MESSAGES + 16) :] if isinstance(m, dict)] if isinstance(raw, list) else []
    system: list[str] = []
    if api == "anthropic":
        _texts(body.get("system"), system, system)
    # System and developer messages anywhere in the window (OpenAI's first message, Claude Code's
    # mid-conversation one) say what the caller is, not what the user asks.
    chat = []
    for message in messages:
        if message.get("role") in ("system", "developer"):
            _texts(message.get("content"), system, system)
        else:
            chat.append(message)
    end = len(chat)
    while end and chat[end - 1].get("role") == "assistant":  # an assistant prefill
        end -= 1
    start = end
    while start and end - start < 8 and chat[start - 1].get("role") in ("user", "tool", "function"):
        start -= 1
    typed: list[str] = []
    tools: list[str] = []
    for message in chat[start:end]:
        if message.get("role") in ("tool", "function"):
            _texts(message.get("content"), tools, tools)
        else:
            _texts(message.get("content"), typed, tools)
    ask = "\n".join(text for text in typed if not text.startswith(REMINDER))
    tool_text = "\n".join(tools)
    names = _tool_names(body)
    shape = {b"tools:" + str(min(len(names), 4)).encode()}
    fields.add("s", _tokens(_head(system, SYSTEM_CHARS), rich=False))
    clipped = _clip(ask, TURN_HEAD, TURN_TAIL)
    turn = _tokens(clipped, rich=True)
    fields.add("u", turn)
    for marker in FOCUS_MARKERS:
        at = ask.rfind(marker)
        if at >= 0:  # the message: up to the blank line that ends its section
            at += len(marker)
            end = ask.find("\n\n", at + 2, at + FOCUS_CHARS)
            fields.add("f", _tokens(ask[at : end if end > 0 else at + FOCUS_CHARS], rich=True))
            break
    shape.update(_shape("u", clipped))
    fields.add("t", _tokens(_clip(tool_text, TOOL_HEAD, TOOL_TAIL), rich=False))
    shape.update(_shape("t", tool_text[:TOOL_HEAD]))
    first = max(0, start - HISTORY_MESSAGES)
    seen: dict[int, tuple[str, Tokens]] = {}  # message index -> its text and tokens, read once
    for index in range(start - 1, first - 1, -1):
        text = _message_text(chat[index])
        seen[index] = text, _tokens(text, rich=False)
        distance = start - 1 - index
        fields.add("h", seen[index][1], decay**distance)
        if distance < 2:
            shape.update(_shape("h", text))
    if start >= 2:  # the opening exchange, however long ago: what the conversation is about
        for index in (0, 1):
            if index not in seen:
                text = _message_text(chat[index])
                seen[index] = text, _tokens(text, rich=False)
        fields.add("o", _union(seen[0][1], seen[1][1]))
        shape.update(_shape("o", seen[0][0] + "\n" + seen[1][0]))
    fields.add("n", names)
    shape.update(_vocabulary(turn))
    # The last turn's length crossed with whether the turns before it hold code: "make it shorter"
    # after a code block and after a toast are different asks; a long last turn speaks for itself.
    count = len(clipped.split())
    size = b"1" if count <= 3 else b"2" if count <= 8 else b"3" if count <= 20 else b"4"
    shape.add(b"ulen:" + size)
    if any("```" in text or text.count("\n    ") >= 2 for text, _ in seen.values()):
        shape.update((b"h-code", b"h-code+ulen:" + size))
    elif start >= 2:
        shape.add(b"h-prose+ulen:" + size)
    if tools and not ask.strip():
        shape.add(b"tool-only")
    if typed and tools:
        shape.add(b"tool+text")
    fields.parts.append(("x", 1.0, tuple(shape)))
    return fields


_PRIORS = ((b"v:coding-word", CODING_WORDS), (b"v:tech-word", TECH_WORDS), (b"v:language", LANGUAGES))


def _words(spaced: str) -> frozenset[bytes]:
    return frozenset(spaced.encode().split())


def _pairs(spaced: str) -> frozenset[bytes]:
    """Word bigrams as `_read_tokens` spells them ("zip code"), from a comma-separated list."""
    return frozenset(pair.strip().encode() for pair in spaced.split(","))


# The hand-written classifier's phrasings (runtime.routing.vocabulary's TASK, HOWTO, EVERYDAY and TOPIC
# patterns) as sets of the last turn's words and word bigrams: one set intersection each, where the
# regular expressions cost up to 200 us on a 700-character turn. A verb and a thing code is made of
# anywhere in the turn (the pattern wanted them within 40 characters).
_TASK_VERBS = _words(
    "write implement add create fix debug refactor rewrite optimize optimise convert port rename review test lint "
    "migrate make generate build compile run install clean cleanup explain squash sort reverse parse center find "
    "read load"
)
_TASK_NOUNS = _words(
    "function functions method methods class classes module modules script scripts endpoint endpoints test tests "
    "bug bugs regex regexp regexes query queries component components hook hooks macro macros snippet snippets "
    "codebase repo repository commit commits branch branches migration migrations schema lint build deps "
    "dependency dependencies plugin plugins library libraries cli flag flags column columns constraint "
    "constraints index indexes dockerfile container containers pipeline pipelines ci dict dictionary list array "
    "string strings docstring docstrings decorator decorators fizzbuzz styles css html div variable variables "
    "loop loops pr server duplicate duplicates bot bots file files"
)
_HOWTO = _pairs(
    "how do, how can, how would, how should, how to, s wrong, is wrong, why does, why do, why doesn, why don, "
    "can you, can u, help me"
)
_EVERYDAY = _pairs(
    ", ".join(
        f"{kind} {code}"
        for kind in [
            "zip",
            "postal",
            "area",
            "country",
            "promo",
            "discount",
            "coupon",
            "referral",
            "voucher",
            "gift",
            "invite",
            "verification",
            "tracking",
            "dress",
            "qr",
            "morse",
            "cheat",
            "tax",
        ]
        for code in ("code", "codes")
    )
    + ", of conduct, of ethics, of practice, ball python, reticulated python, burmese python, pet python, "
    "giant python, ball pythons, pet pythons, monty python, java and, java island, java time, java coffee, "
    "rust off, rust spot, rust spots, rust stain, rust stains, rust remover, debug my, class reunion"
)
_TOPIC_PAIRS = _pairs("stands for, stand for, its name, named after, history of, to learn, for learning")
_TOPIC_WORDS = _words("pronounce pronounced career salary salaries")


def _vocabulary(tokens: Tokens) -> set[bytes]:
    """The hand-written classifier's prior tokens for the last turn (its `tokens`): which of its word
    lists and phrasings (an English coding task, an everyday sense of a coding word) the turn has."""
    words = set(tokens)  # a set's isdisjoint walks the smaller side
    found = {name for name, table in _PRIORS if not words.isdisjoint(table)}
    thing = not words.isdisjoint(_TASK_NOUNS)
    if thing and not words.isdisjoint(_TASK_VERBS):
        found.add(b"v:task")
    if thing and not words.isdisjoint(_HOWTO):
        found.add(b"v:how-to")
    if not words.isdisjoint(_EVERYDAY):
        found.add(b"v:everyday")
    if not words.isdisjoint(_TOPIC_PAIRS) or not words.isdisjoint(_TOPIC_WORDS):
        found.add(b"v:topic")
    return found


# The tool names of the tool lists seen lately, by their names and types: an agent sends the same list
# with every turn, and reading 24 tool definitions costs more than a tuple of their names does.
_TOOLS: dict[tuple[tuple[Any, ...], tuple[Any, ...]], Tokens] = {}


def _tool_names(body: Mapping[str, Any]) -> Tokens:
    tools = body.get("tools")
    key = None
    if isinstance(tools, list) and "functions" not in body:
        try:
            key = (tuple(map(dict.get, tools[:MAX_TOOLS], repeat("name"))), tuple(map(dict.get, tools, repeat("type"))))
            found = _TOOLS.get(key)
        except TypeError:  # a tool that is not an object, or a name or type that is not a string
            key = found = None
        if found is not None:
            return found
    names = _read_tool_names(body)
    if key is not None and None not in key[0]:  # OpenAI's tools name themselves inside "function"
        if len(_TOOLS) >= SEEN_SIZE:
            _TOOLS.clear()
            _EMPTIED[0] += 1
        _TOOLS[key] = names
        _SEEN_IDS.add(id(names))
    return names


def _read_tool_names(body: Mapping[str, Any]) -> Tokens:
    names: set[bytes] = set()
    for key in ("tools", "functions"):
        tools = body.get(key)
        if not isinstance(tools, list):
            continue
        for tool in tools[:MAX_TOOLS]:
            if not isinstance(tool, dict):
                continue
            kind = tool.get("type")
            if kind == "function":
                function = tool.get("function")
                name = function.get("name") if isinstance(function, dict) else None
            else:
                name = tool.get("name")
                if isinstance(kind, str) and kind != "custom":  # Anthropic's own tools: bash_20250124
                    names.add(b"type:" + kind.split("_20")[0].encode("utf-8", "replace")[:64])
            if isinstance(name, str):
                token = _NAME_TOKENS.get(name)
                if token is None:
                    token = name.lower().encode("utf-8", "replace")[:64]
                    if len(_NAME_TOKENS) < SEEN_SIZE:
                        _NAME_TOKENS[name] = token
                names.add(token)
    return tuple(names)


_NAME_TOKENS: dict[str, bytes] = {}  # a tool's name -> its token (names recur across every client's requests)


def features(body: Mapping[str, Any], api: str, decay: float) -> dict[str, float]:
    """The request as a sparse vector, `namespace|token` -> value: what training fits weights to.

    Tokens are bytes, named here in latin-1 (lossless); `score()` computes the same dot product
    without building this dict.
    """
    vector: dict[str, float] = {}
    for namespace, scale, tokens in read(body, api, decay).parts:
        spaces = (namespace, "w") if namespace in SHARED else (namespace,)
        for token in tokens:
            name = token.decode("latin-1")
            for space in spaces:
                key = f"{space}|{name}"
                vector[key] = vector.get(key, 0.0) + scale
    return vector


# --------------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True, slots=True)
class Model:
    bias: float
    weights: Mapping[str, Mapping[bytes, float]]  # namespace -> token -> weight
    decay: float
    band: tuple[float, float]  # scores in [low, high) are uncertain; >= high is coding
    meta: Mapping[str, Any]
    # What scoring reads: per namespace, its weight plus the shared table's (one lookup a token), and
    # the sums of the token sets `_tokens` remembers, namespace -> id -> (the set, its sum), as of
    # `sums_at` (the `_EMPTIED` count they were made under).
    lookup: Mapping[str, Mapping[bytes, float]] = field(init=False, repr=False, compare=False)
    sums: dict[str, dict[int, tuple[Tokens, float]]] = field(init=False, repr=False, compare=False)
    sums_at: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        shared = self.weights.get("w", {})
        lookup: dict[str, Mapping[bytes, float]] = {}
        for namespace in NAMESPACES:
            own = self.weights.get(namespace, {})
            if namespace in SHARED and shared:
                merged = dict(shared)
                for token, weight in own.items():
                    merged[token] = merged.get(token, 0.0) + weight
                lookup[namespace] = merged
            else:
                lookup[namespace] = own
        object.__setattr__(self, "lookup", lookup)
        object.__setattr__(self, "sums", {namespace: {} for namespace in NAMESPACES})
        object.__setattr__(self, "sums_at", [_EMPTIED[0]])


@dataclass(frozen=True, slots=True)
class Explanation:
    score: float
    decision: Decision
    top: tuple[tuple[str, float], ...]  # (field:token, contribution to the logit), largest first


def load(path: Path = WEIGHTS) -> Model:
    """The model in a weights file (`learned_weights.json` by default), checked for the format."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: cannot read the routing weights ({error})") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a routing weights file of format {FORMAT}")
    try:
        weights = {
            namespace: {token.encode("latin-1"): float(weight) for token, weight in table.items()}
            for namespace, table in data["weights"].items()
        }
        low, high = (float(edge) for edge in data["band"])
        return Model(float(data["bias"]), weights, float(data["decay"]), (low, high), data.get("meta", {}))
    except (KeyError, TypeError, ValueError, UnicodeEncodeError) as error:
        raise ValueError(f"{path}: malformed routing weights ({error})") from error


@lru_cache(maxsize=1)
def default_model() -> Model:
    return load()


def logit(body: Mapping[str, Any], api: str, model: Model | None = None) -> float:
    model = model or default_model()
    total = model.bias
    lookup = model.lookup
    if model.sums_at[0] != _EMPTIED[0]:
        for table in model.sums.values():
            table.clear()
        model.sums_at[0] = _EMPTIED[0]
    for namespace, scale, tokens in read(body, api, model.decay).parts:
        sums = model.sums[namespace]
        known = sums.get(id(tokens))
        if known is not None and known[0] is tokens:  # a remembered text's set: summed before
            total += scale * known[1]
            continue
        found = sum(map(lookup[namespace].get, tokens, repeat(0.0)))
        if len(tokens) > 2 and id(tokens) in _SEEN_IDS:
            if len(sums) >= SEEN_SIZE:
                sums.clear()
            sums[id(tokens)] = (tokens, found)  # holding the set keeps its id from being reused
        total += scale * found
    return total


def score(body: Mapping[str, Any], api: str, model: Model | None = None) -> float:
    """How much a request looks like a coding task, in [0, 1] (the model's probability)."""
    return _squash(logit(body, api, model))


def decide(value: float, model: Model | None = None) -> Decision:
    """Coding at or above the band, not coding below it, uncertain inside it."""
    low, high = (model or default_model()).band
    if value >= high:
        return "coding"
    return "uncertain" if value >= low else "not_coding"


def explain(body: Mapping[str, Any], api: str, model: Model | None = None, n: int = 8) -> Explanation:
    """The score, the decision and the `n` tokens that moved the logit most (either way)."""
    model = model or default_model()
    total = model.bias
    parts: dict[str, float] = {}
    for namespace, scale, tokens in read(body, api, model.decay).parts:
        spaces = (namespace, "w") if namespace in SHARED else (namespace,)
        for space in spaces:
            table = model.weights.get(space, {})
            for token in tokens:
                weight = table.get(token)
                if weight:
                    key = f"{space}:{token.decode('utf-8', 'replace')}"
                    parts[key] = parts.get(key, 0.0) + scale * weight
                    total += scale * weight
    value = _squash(total)
    ranked = sorted(parts.items(), key=lambda item: (-abs(item[1]), item[0]))[:n]
    return Explanation(value, decide(value, model), tuple((name, round(weight, 4)) for name, weight in ranked))


def _squash(value: float) -> float:
    if value < -60:
        return 0.0
    return 1.0 / (1.0 + math.exp(-value))
