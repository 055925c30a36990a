"""Which role (if any) a request goes to, and why.

Where it sits: the proxy parses a request body and, before it calls any model, asks
`Router.route(api, body, headers)`. The answer is a `Route`: a role of the manifest, or None for the
fallback upstream, and always the reason, which the proxy sends back in `x-reasoning-reason`.

    x-reasoning-role header ──► that role ("upstream": the fallback; a rule's `when.header` label: the rules)
        │ none
    api=openai and proxy.model_map names the model ──► that role
        │ no
    proxy.routing rules, first whose `when` all holds ──► rule.to
        │ none (or no rules: the default rule below)
    the fallback upstream

With no `proxy.routing` rules and a role named `coding`, one rule is implied for the Anthropic API:
`{to: coding, when: {min_score: DEFAULT_MIN_SCORE}}` (reason "default rule: coding score ...").

Reasons name the rule by its place in the manifest, counting from 1 ("rule 2: model gpt-5"). A rule
whose other conditions hold but whose request is over `max_input_tokens` is skipped, and if no later
rule matches the reason says so ("rule 2 skipped: 14210 input tokens > max 8000"). The classifier's
score is computed only when a rule asks for it, at most once per request.

The content classifier (`coding_score`) is a weighted sum of features of the system prompt and the
last user turn (tool results included), squashed to [0, 1]; its features are named so a decision can
say what drove it. It replaces the original service's substring rule (`naive_route`, kept for
comparison) that sent every request containing "import" (as in IMPORTANT), "java", "class" or "let "
(as in wallet) to the coding model. `bench/routing_eval.py` measures both on labeled traffic.

Everything here is pure and cheap: no I/O, and the classifier reads at most 1,500 characters of
system prompt and 3,000 of the last turn, with `str.count`, set lookups and a few regular expressions
(`bench/routing_eval.py` measures it; it runs on every request).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from controlplane.manifest.schema import Manifest, RouteRule, normalize_role

Api = Literal["anthropic", "openai"]

ROLE_HEADER = "x-reasoning-role"
UPSTREAM = "upstream"  # the header value that forces the fallback upstream
DEFAULT_ROLE = "coding"
# The implied rule's threshold: about the middle of the gap the development split leaves between the
# highest-scoring non-coding request (0.18) and the lowest-scoring coding one (0.56).
DEFAULT_MIN_SCORE = 0.4

# How much text the classifier reads: the head of the system prompt (where an agent says what it
# is), the head and tail of the last user turn (the request, and the end of a long tool output), and
# of that turn, the words the user typed (not tool output), where intent shows.
SYSTEM_CHARS = 1500
TURN_CHARS = 3000
ASK_CHARS = 1000


@dataclass(frozen=True, slots=True)
class Route:
    role: str | None  # None: the fallback upstream
    reason: str  # one short ASCII phrase, sent as x-reasoning-reason
    score: float | None = None  # the classifier's score, when a rule needed it


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


def _has_tools(body: Mapping[str, Any]) -> bool:
    tools = body.get("tools")
    return isinstance(tools, list) and len(tools) > 0


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


# Words are runs of [a-z0-9_+#] (so c++ and c# stay words); bytes.translate splits them at C speed.
_WORD_BYTES = bytes(c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789_+#" else 32 for c in range(256))


def _words(text: str) -> frozenset[bytes]:
    """The distinct words of lower-cased `text`."""
    return frozenset(text.encode("utf-8", "replace").translate(_WORD_BYTES).split())


def _wordset(spaced: str) -> frozenset[bytes]:
    return frozenset(spaced.encode().split())


# Tools an autocoder offers the model: a request carrying them is a turn of a coding session.
CODING_TOOLS = frozenset(
    name.decode().lower()
    for name in _wordset(
        "Bash Edit MultiEdit Write Read Glob Grep LS NotebookEdit str_replace_based_edit_tool str_replace_editor "
        "text_editor bash shell terminal execute_bash execute_command run_command run_terminal_cmd run_shell "
        "write_file read_file edit_file create_file delete_file apply_patch replace_in_file write_to_file "
        "list_files list_dir search_files file_search grep_search codebase_search code_interpreter python"
    )
)
# What system prompts of coding assistants say about themselves.
_CODER_SYSTEM = (
    "software engineering",
    "software engineer",
    "software developer",
    "expert programmer",
    "coding assistant",
    "coding agent",
    "pair programm",
    "search/replace block",
    "codebase",
    "claude code",
    "you are openhands",
    "modifying code",
    "elizaos developer",
    "reviewing pull requests",
    "review python code",
    "review code",
    "into postgresql",
    "into sql",
    "sqlite sql",
    "write code",
)
# ElizaOS decision prompts: answered in their own XML by the should-respond or planning model; the
# conversation inside them is what the agent decides about, not a task for this model.
_AGENT_TEMPLATE = (
    "<task>decide on behalf of",
    "generate dialog and actions for the character",
    "# task: generate dialog for the character",
    "<action>respond | ignore | stop</action>",
    "# task: create a post in the voice",
    "possible response actions:",
    "<actions>action1,action2</actions>",
    "# task: choose an option",
    "you are an ai agent deciding whether to respond",
    "you are an ai agent planning how to respond",
    "# task: generate agent reflection",
    "<response></response> xml block",
)
# Autocoders' small side calls: a title or a topic check, not a coding task.
_SIDE_CALL = ("isnewtopic", "word title for", "title for the following conversation")
# The everyday meanings of words that substring rules trip on.
_EVERYDAY = re.compile(
    r"\b(?:zip|postal|area|country|promo|discount|coupon|referral|voucher|gift|invite|verification|tracking"
    r"|dress|qr|morse|cheat|tax) codes?\b|\bcode of (?:conduct|ethics|practice)\b"
    r"|\b(?:ball|reticulated|burmese|pet|giant) pythons?\b|\bmonty python\b|\bjava (?:and|island|time|coffee)\b"
    r"|\brust (?:off|spots?|stains?|remover)\b|\bdebug my\b|\bclass reunion\b"
)
# Questions about technology as a topic (what a name means, where it comes from), not a task.
_TOPIC = re.compile(
    r"\bstands? for\b|\bgot its name\b|\bnamed after\b|\bhistory of\b|\bwhy is \w+ called\b|\bpronounce"
    r"|\b(?:resources|courses?|books?|tutorials?) (?:to|for|on) learn|\bcareer\b|\bsalar(?:y|ies)\b"
)
# Words that, in a request, mean software: unambiguous ones, and ones that usually do.
# (Words with an everyday sense too go in TECH_WORDS: a birthday bash, curl my hair, the repo rate, an
# interior decorator, a callback from a recruiter, "answer as JSON".)
CODING_WORDS = _wordset(
    "regex regexp regexes sql cors localhost dataframe pandas numpy npm pnpm pytest jest webpack dockerfile "
    "kubectl nginx git rebase stacktrace traceback useeffect usestate fizzbuzz goroutine mutex typecheck linter "
    "boolean async await compiler docstring docstrings uuid enum struct endpoint endpoints api_key vba cron zsh "
    "px flexbox div css html jupyter wget sudo chmod ssh grep vscode neovim vim intellij pycharm xcode"
)
TECH_WORDS = _wordset(
    "function functions method methods variable variables array arrays dict dictionary null undefined nil "
    "runtime exception refactor lint tests unittest script scripts hook hooks component components migration "
    "migrations orm index indexes deps dependency dependencies backend frontend grid int str bool schema "
    "commit commits query queries csv json yaml toml repository repo pr compile compiled column columns string "
    "strings macro bot kernel bash curl pip decorator callback"
)
LANGUAGES = _wordset(
    "python javascript typescript rust golang java kotlin c++ c# ruby php swift scala sql postgres postgresql "
    "mysql sqlite bash css html react node nodejs next django flask fastapi express pandas docker kubernetes "
    "k8s solidity excel nginx"
)
_VERBS = (
    r"write|implement|add|create|fix|debug|refactor|rewrite|optimi[sz]e|convert|port|rename|review|test|lint"
    r"|migrate|make|generate|build|compile|run|install|clean ?up|explain|squash|sort|reverse|parse|center|find"
    r"|read|load"
)
_NOUNS = (
    r"functions?|methods?|class(?:es)?|modules?|scripts?|endpoints?|tests?|bugs?|regexp?|regex|quer(?:y|ies)"
    r"|components?|hooks?|macros?|snippets?|code ?base|repo(?:sitory)?|commits?|branch(?:es)?|migrations?|schema"
    r"|type errors?|lint|build|deps|dependenc(?:y|ies)|plugins?|librar(?:y|ies)|cli|flags?|columns?"
    r"|constraints?|index(?:es)?|dockerfile|containers?|pipelines?|ci|dict(?:ionary)?|list|array|strings?"
    r"|json schema|docstrings?|decorators?|fizzbuzz|styles|css|html|div|variables?|loops?|pr|server|duplicates?"
    r"|bots?|files?"
)
_TASK = re.compile(rf"\b(?:{_VERBS})\b[^.\n?!]{{0,40}}?\b(?:{_NOUNS})\b")
_HOWTO = re.compile(
    rf"\b(?:how (?:do|can|would|should|to) (?:i|you|we)?|what(?:'s| is) wrong|why (?:does|do|doesn't|don't)"
    rf"|can (?:u|you)(?: help me)? (?:make|write|fix|build))\b[^?\n]{{0,80}}\b(?:{_NOUNS})\b"
)
# Code in the turn: lines that open with a keyword, lines that end like code.
_CODE_LINE = re.compile(
    r"\n[ \t]*(?:def |class \w|import [\w{*]|from [\w.]+ import |function[\s*(]|const \w|let \w|var \w|return\b"
    r"|if ?\(|for ?\(|while ?\(|elif |else:|try:|except\b|fn \w|func \w|package \w|#include|public |private "
    r"|async |await |export |@\w+[(\n]|SELECT |INSERT |UPDATE \w+ SET|DELETE FROM|CREATE |ALTER TABLE|FROM \w"
    r"|WORKDIR |RUN |COPY |apiVersion:|kind: |server \{|location /|\$ \w|\d+\s*\u2192)"
)
_LINE_ENDS = (";\n", "{\n", "}\n", "):\n", "})\n", "];\n")
_SQL = ("SELECT ", " FROM ", " WHERE ", "GROUP BY", "ORDER BY", " JOIN ", "INSERT INTO", "CREATE TABLE", "HAVING ")
_SYNTAX = ("=>", "->", "::", "==", "!=", "&&", "||", "+=")
_SYMBOLS = "{}();=[]<>"
# camelCase (not brand names like iPhone, PayPal or macOS), snake_case and SomethingError names.
_IDENTIFIER = re.compile(
    r"\b[a-z]{2,}[A-Z][a-z]\w*|\b[a-z][a-z0-9]*_[a-z0-9_]+\b|\b[A-Z][a-z]+(?:[A-Z][a-z]+)*(?:Error|Exception)\b"
)
_FLAG = re.compile(r" --?[A-Za-z][\w-]*")  # command-line flags: curl -X POST, pytest --lf
_METHOD_CALL = re.compile(r"\.[A-Za-z_]\w*\(")  # obj.method( : begins with a literal dot, found fast
_EXTENSION = re.compile(
    r"\.(?:py|pyi|js|mjs|cjs|ts|tsx|jsx|go|rs|java|kt|rb|php|cc|cpp|hpp|cs|swift|sql|sh|ya?ml|toml|json|lock|ini"
    r"|cfg|md|css|scss|html|vue|svelte|proto|gradle|tf|c|h)\b"
)
_NOT_FILES = ("node", "next", "vue", "react", "three", "d3", "express", "nuxt", "chart", "socket", "angular")
_PLACES = ("localhost:", "127.0.0.1:", "/var/", "/usr/", "/etc/", "/home/", "/users/", "/srv/", "~/", "./", "src/")
_TRACE = (
    '", line ',
    "traceback (most recent",
    "error: ",
    "exception:",
    "exception in thread",
    "panic: ",
    "goroutine ",
    "error[e",
    "error ts",
    "npm err!",
    "\n    at ",
    "\n\tat ",
    "command not found",
    "\nfailed ",
    "\ne   ",
    "errno",
)
_DIFF = ("\n@@ -", "diff --git", "\n+++ b/", "\n--- a/")


def _agent_template(parts: _Parts) -> int:
    """ElizaOS template markers in what was typed; never with an autocoder's tools (a developer editing
    ElizaOS's own prompts in Claude Code is coding)."""
    if any(name.lower() in CODING_TOOLS for name in parts.tools):
        return 0
    return sum(parts.ask.count(marker) for marker in _AGENT_TEMPLATE)


def _fences(parts: _Parts) -> int:
    return (parts.turn.count("\n```") + parts.turn.startswith("```")) // 2


def _code_lines(parts: _Parts) -> int:
    turn = parts.turn
    return len(_CODE_LINE.findall(turn)) + sum(turn.count(end) for end in _LINE_ENDS)


def _density(parts: _Parts) -> int:
    """Code punctuation per character, 0 at 1 % (prose) to 10 at 5 % (code); short texts count as 200."""
    turn = parts.turn
    symbols = sum(turn.count(symbol) for symbol in _SYMBOLS)
    return max(0, min(10, round((symbols / max(len(turn), 200) - 0.01) * 250)))


def _calls(parts: _Parts) -> int:
    """Opening parentheses right after a word: calls, not asides (which follow a space)."""
    turn = parts.turn
    return max(0, turn.count("(") - turn.count(" (") - turn.count("\n(") - turn.count("((") - turn.count('"('))


def _paths(parts: _Parts) -> int:
    turn = parts.turn_low
    named = 0
    for match in _EXTENSION.finditer(turn):
        start = match.start()
        if start and (turn[start - 1].isalnum() or turn[start - 1] in "_-") and not turn[:start].endswith(_NOT_FILES):
            named += 1
    return named + sum(turn.count(place) for place in _PLACES)


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
    Feature("coder system prompt", 4.0, 1, _counts(_CODER_SYSTEM, "system")),
    Feature("agent template", -9.0, 1, _agent_template),
    Feature("side call", -8.0, 1, lambda parts: sum(parts.system.count(n) + parts.ask.count(n) for n in _SIDE_CALL)),
)
CONTENT: tuple[Feature, ...] = (
    Feature("code fence", 3.0, 1, _fences),
    Feature("code lines", 3.0, 5, _code_lines),
    Feature("code density", 2.5, 10, _density),
    Feature("calls", 1.0, 3, _calls),
    Feature("method calls", 2.5, 1, _matches(_METHOD_CALL, "turn")),
    Feature("identifiers", 1.5, 2, _matches(_IDENTIFIER, "ask_raw")),
    Feature("syntax", 1.5, 4, _counts(_SYNTAX, "turn")),
    Feature("sql", 2.0, 2, _counts(_SQL, "turn")),
    Feature("command-line flags", 2.5, 2, _matches(_FLAG, "turn")),
    Feature("file paths", 1.5, 3, _paths),
    Feature("stack trace", 3.5, 1, _counts(_TRACE, "turn_low")),
    Feature("diff", 3.0, 2, _counts(_DIFF, "turn")),
    Feature("coding words", 3.5, 1, lambda parts: len(parts.words & CODING_WORDS)),
    Feature("tech words", 1.5, 2, lambda parts: len(parts.words & TECH_WORDS)),
    Feature("language", 1.0, 2, lambda parts: len(parts.words & LANGUAGES)),
    Feature("coding task", 2.5, 1, _matches(_TASK, "ask")),
    Feature("how-to", 2.0, 1, _matches(_HOWTO, "ask")),
    Feature("everyday word", -3.0, 1, _matches(_EVERYDAY, "ask")),
    Feature("topic question", -3.0, 1, _matches(_TOPIC, "ask")),
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
    parts = _Parts(system, turn, turn.lower(), ask, ask_low, _words(ask_low), _tool_names(body))
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


# --------------------------------------------------------------------------------------------------
# Size


CHARS_PER_TOKEN = 4  # the usual rule of thumb for English and code with GPT/Claude tokenizers
IMAGE_TOKENS = 1600  # Anthropic's ceiling for one image; OpenAI's high-detail tiles come to about as much
MESSAGE_TOKENS = 4  # role and separators per message


def estimate_input_tokens(body: Mapping[str, Any], api: Api) -> int:
    """A cheap upper-ish estimate of a request's input tokens, for `when.max_input_tokens`.

    Characters of every string in system, messages and tools (keys of tool schemas included) over
    four, plus four per message and 1,600 per image; base64 payloads are counted as images, not as
    text. It reads lengths only, so a 10 MB body costs a walk over its structure, not over its bytes.
    Off by 10-30 % for English and code, more for CJK text (which it undercounts).
    """
    if not isinstance(body, Mapping):
        return 0
    chars = 0
    images = 0
    roots: list[Any] = [body.get("system"), body.get("messages"), body.get("tools"), body.get("functions")]
    for value in _walk(roots):
        if isinstance(value, str):
            chars += len(value)
        else:  # an image or document block
            images += 1
    messages = body.get("messages")
    count = len(messages) if isinstance(messages, list) else 0
    return math.ceil(chars / CHARS_PER_TOKEN) + MESSAGE_TOKENS * count + IMAGE_TOKENS * images


def _walk(roots: list[Any]) -> Iterator[Any]:
    """Every string under `roots`, and a marker object for each base64/URL image source."""
    stack: list[tuple[Any, int]] = [(root, 0) for root in roots if root is not None]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            yield value
        elif depth > 32:
            continue
        elif isinstance(value, Mapping):
            kind = value.get("type")
            if kind in ("image", "image_url", "input_image", "document") or kind == "base64":
                yield value
                continue
            for key, item in value.items():
                if isinstance(key, str) and isinstance(item, Mapping | list):
                    yield key
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


# --------------------------------------------------------------------------------------------------
# The original service's rule, for comparison


# The ~30 substrings of plugin-training's AnthropicProxy (reference/elizaos.md §5.1), in its order.
NAIVE_KEYWORDS = (
    "write code",
    "generate code",
    "create a function",
    "implement",
    "javascript",
    "typescript",
    "python",
    "java",
    "c++",
    "rust",
    "function",
    "class",
    "method",
    "algorithm",
    "script",
    "npm",
    "package.json",
    "import",
    "export",
    "const ",
    "let ",
    "def ",
    "class ",
    "public ",
    "private ",
    "async ",
    "await",
    "```",
    "code block",
    "programming",
    "development",
)


def naive_route(body: Mapping[str, Any], api: Api) -> bool:
    """The original proxy's decision, reproduced: any substring of NAIVE_KEYWORDS in the messages.

    It read `messages` only (never the top-level `system`), each as `role + ": " + text` where block
    content is the blocks' `text` joined with spaces (tool_result blocks have none, so they read as
    empty), lower-cased. Values are stringified as JavaScript would. Applied to the OpenAI API as is,
    where system prompts are among the messages.
    """
    if not isinstance(body, Mapping):
        return False
    messages = body.get("messages")
    if not isinstance(messages, list):
        return False  # `messages.map` would have thrown; the original then fell back to the upstream
    lines = []
    for message in messages:
        if not isinstance(message, Mapping):
            lines.append("undefined: undefined")
            continue
        content = message.get("content")
        if isinstance(content, list):
            text = " ".join(
                _js_join_item(block.get("text") if isinstance(block, Mapping) else None) for block in content
            )
        else:
            text = _js_str(content)
        lines.append(f"{_js_str(message.get('role'))}: {text}")
    prompt = "\n".join(lines).lower()
    return any(keyword in prompt for keyword in NAIVE_KEYWORDS)


def _js_str(value: Any, depth: int = 0) -> str:
    if value is None:
        return "undefined"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, list):
        return ",".join(_js_join_item(item, depth + 1) for item in value) if depth < 32 else ""
    return "[object Object]"


def _js_join_item(value: Any, depth: int = 0) -> str:
    return "" if value is None else _js_str(value, depth)


# --------------------------------------------------------------------------------------------------
# The router


@dataclass(frozen=True, slots=True)
class _Rule:
    label: str  # "rule 1" (counting from 1, as the manifest lists them) or "default rule"
    to: str
    header: str | None
    models: frozenset[str]
    tools_present: bool | None
    min_score: float | None
    max_input_tokens: int | None
    api: str | None = None  # None: both APIs

    @classmethod
    def of(cls, index: int, rule: RouteRule) -> _Rule:
        when = rule.when
        return cls(
            label=f"rule {index + 1}",
            to=normalize_role(rule.to),
            header=when.header,
            models=frozenset(when.models),
            tools_present=when.tools_present,
            min_score=when.min_score,
            max_input_tokens=when.max_input_tokens,
        )


class _Request:
    """One request's facts, each computed at most once and only if a rule asks."""

    __slots__ = ("_score", "_tokens", "api", "body", "header", "model")

    def __init__(self, api: Api, body: Mapping[str, Any], header: str | None) -> None:
        self.api = api
        self.body = body
        self.header = header
        model = body.get("model")
        self.model = model if isinstance(model, str) else None
        self._score: Score | None = None
        self._tokens: int | None = None

    @property
    def scored(self) -> bool:
        return self._score is not None

    @property
    def score(self) -> Score:
        if self._score is None:
            self._score = explain(self.body, self.api)
        return self._score

    @property
    def tokens(self) -> int:
        if self._tokens is None:
            self._tokens = estimate_input_tokens(self.body, self.api)
        return self._tokens


class Router:
    """Decides, for each request, the role that answers it (or the fallback) and says why."""

    def __init__(self, manifest: Manifest) -> None:
        self._roles = frozenset(manifest.models)
        self._model_map = {model: normalize_role(role) for model, role in manifest.proxy.model_map.items()}
        rules = [_Rule.of(index, rule) for index, rule in enumerate(manifest.proxy.routing)]
        if not rules and DEFAULT_ROLE in self._roles:
            rules = [_Rule("default rule", DEFAULT_ROLE, None, frozenset(), None, DEFAULT_MIN_SCORE, None, "anthropic")]
        self._rules = tuple(rules)
        self._labels = frozenset(rule.header for rule in rules if rule.header is not None)

    def route(self, api: Api, body: Mapping[str, Any], headers: Mapping[str, str]) -> Route:
        try:
            return self._route(api, body, headers)
        except Exception as error:  # never fail a request over routing: the fallback answers, and says so
            return Route(None, f"routing error {type(error).__name__}; sent upstream")

    def _route(self, api: Api, body: Mapping[str, Any], headers: Mapping[str, str]) -> Route:
        raw = headers.get(ROLE_HEADER)
        header = raw.strip() if isinstance(raw, str) and raw.strip() else None
        if header is not None:
            role = normalize_role(header.lower())
            if role == UPSTREAM:
                return Route(None, f"header {ROLE_HEADER}={UPSTREAM}")
            if role in self._roles:
                return Route(role, f"header {ROLE_HEADER}={role}")
            if header not in self._labels:
                return Route(None, f"header names unknown role '{_ascii(header)}'")
        if not isinstance(body, Mapping):
            return Route(None, "body is not a JSON object")
        request = _Request(api, body, header)
        if api == "openai" and request.model is not None:
            mapped = self._model_map.get(request.model)
            if mapped is not None:
                return Route(mapped, f"model {_ascii(request.model)} -> {mapped}")
        first_miss: str | None = None
        first_skip: str | None = None
        for rule in self._rules:
            held, detail = self._check(rule, request)
            if held:
                return Route(rule.to, f"{rule.label}: {detail}", self._score_of(request))
            if detail.startswith("skipped"):
                first_skip = first_skip or f"{rule.label} {detail}"
            else:
                first_miss = first_miss or f"{rule.label}: {detail}"
        score = self._score_of(request)
        if first_skip is not None:
            return Route(None, first_skip, score)
        if first_miss is not None:
            return Route(None, f"no rule matched ({first_miss})", score)
        return Route(None, "no rule matched", score)

    @staticmethod
    def _score_of(request: _Request) -> float | None:
        return round(request.score.value, 4) if request.scored else None

    @staticmethod
    def _check(rule: _Rule, request: _Request) -> tuple[bool, str]:
        """Whether every condition of `rule` holds, and the phrase that says so (or what failed)."""
        held: list[str] = []
        if rule.api is not None and request.api != rule.api:
            return False, f"{rule.api} requests only"
        if rule.header is not None:
            if request.header != rule.header:
                return False, f"no header {ROLE_HEADER}={_ascii(rule.header)}"
            held.append(f"header {ROLE_HEADER}={_ascii(rule.header)}")
        if rule.models:
            if request.model not in rule.models:
                return False, f"model {_ascii(request.model or 'none')} not listed"
            held.append(f"model {_ascii(request.model or '')}")
        if rule.tools_present is not None:
            present = _has_tools(request.body)
            if present != rule.tools_present:
                return False, "no tools" if rule.tools_present else "tools present"
            held.append("tools present" if present else "no tools")
        if rule.min_score is not None:
            score = request.score
            if score.value < rule.min_score:
                return False, f"coding score {score.value:.2f} < {rule.min_score:.2f}"
            top = score.top()
            why = f" ({', '.join(top)})" if top else ""
            held.append(f"coding score {score.value:.2f} >= {rule.min_score:.2f}{why}")
        if rule.max_input_tokens is not None:
            tokens = request.tokens
            if tokens > rule.max_input_tokens:
                return False, f"skipped: {tokens} input tokens > max {rule.max_input_tokens}"
            held.append(f"{tokens} input tokens <= {rule.max_input_tokens}")
        return True, ", ".join(held) if held else "no conditions"


def _ascii(value: str, limit: int = 60) -> str:
    """A client-supplied value made safe for a response header: printable ASCII, bounded."""
    cleaned = re.sub(r"[^\x20-\x7e]", "?", value)
    return cleaned[:limit] + ("..." if len(cleaned) > limit else "")
