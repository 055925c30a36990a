"""The classifier's vocabulary: the words, phrases and patterns that say a request is a coding task,
or that it only looks like one (an agent's own decision prompt, an everyday sense of a word).

Hand-tuned on the development split of `tests/runtime/routing_data/` (never on held-out); each
entry is there because a labeled request needed it. Words are looked up in sets, patterns begin
with a literal so the regex engine scans for them at C speed.
"""

from __future__ import annotations

import re

# Words are runs of [a-z0-9_+#] (so c++ and c# stay words); bytes.translate splits them at C speed.
WORD_BYTES = bytes(c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789_+#" else 32 for c in range(256))


def words(text: str) -> frozenset[bytes]:
    """The distinct words of lower-cased `text`."""
    return frozenset(text.encode("utf-8", "replace").translate(WORD_BYTES).split())


def wordset(spaced: str) -> frozenset[bytes]:
    return frozenset(spaced.encode().split())


# Tools an autocoder offers the model: a request carrying them is a turn of a coding session.
CODING_TOOLS = frozenset(
    name.decode().lower()
    for name in wordset(
        "Bash Edit MultiEdit Write Read Glob Grep LS NotebookEdit str_replace_based_edit_tool str_replace_editor "
        "text_editor bash shell terminal execute_bash execute_command run_command run_terminal_cmd run_shell "
        "write_file read_file edit_file create_file delete_file apply_patch replace_in_file write_to_file "
        "list_files list_dir search_files file_search grep_search codebase_search code_interpreter python"
    )
)
# What system prompts of coding assistants say about themselves.
CODER_SYSTEM = (
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
AGENT_TEMPLATE = (
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
SIDE_CALL = ("isnewtopic", "word title for", "title for the following conversation")
# The everyday meanings of words that substring rules trip on.
EVERYDAY = re.compile(
    r"\b(?:zip|postal|area|country|promo|discount|coupon|referral|voucher|gift|invite|verification|tracking"
    r"|dress|qr|morse|cheat|tax) codes?\b|\bcode of (?:conduct|ethics|practice)\b"
    r"|\b(?:ball|reticulated|burmese|pet|giant) pythons?\b|\bmonty python\b|\bjava (?:and|island|time|coffee)\b"
    r"|\brust (?:off|spots?|stains?|remover)\b|\bdebug my\b|\bclass reunion\b"
)
# Questions about technology as a topic (what a name means, where it comes from), not a task.
TOPIC = re.compile(
    r"\bstands? for\b|\bgot its name\b|\bnamed after\b|\bhistory of\b|\bwhy is \w+ called\b|\bpronounce"
    r"|\b(?:resources|courses?|books?|tutorials?) (?:to|for|on) learn|\bcareer\b|\bsalar(?:y|ies)\b"
)
# Words that, in a request, mean software: unambiguous ones, and ones that usually do.
# (Words with an everyday sense too go in TECH_WORDS: a birthday bash, curl my hair, the repo rate, an
# interior decorator, a callback from a recruiter, "answer as JSON".)
CODING_WORDS = wordset(
    "regex regexp regexes sql cors localhost dataframe pandas numpy npm pnpm pytest jest webpack dockerfile "
    "kubectl nginx git rebase stacktrace traceback useeffect usestate fizzbuzz goroutine mutex typecheck linter "
    "boolean async await compiler docstring docstrings uuid enum struct endpoint endpoints api_key vba cron zsh "
    "px flexbox div css html jupyter wget sudo chmod ssh grep vscode neovim vim intellij pycharm xcode"
)
TECH_WORDS = wordset(
    "function functions method methods variable variables array arrays dict dictionary null undefined nil "
    "runtime exception refactor lint tests unittest script scripts hook hooks component components migration "
    "migrations orm index indexes deps dependency dependencies backend frontend grid int str bool schema "
    "commit commits query queries csv json yaml toml repository repo pr compile compiled column columns string "
    "strings macro bot kernel bash curl pip decorator callback"
)
LANGUAGES = wordset(
    "python javascript typescript rust golang java kotlin c++ c# ruby php swift scala sql postgres postgresql "
    "mysql sqlite bash css html react node nodejs next django flask fastapi express pandas docker kubernetes "
    "k8s solidity excel nginx"
)
VERBS = (
    r"write|implement|add|create|fix|debug|refactor|rewrite|optimi[sz]e|convert|port|rename|review|test|lint"
    r"|migrate|make|generate|build|compile|run|install|clean ?up|explain|squash|sort|reverse|parse|center|find"
    r"|read|load"
)
NOUNS = (
    r"functions?|methods?|class(?:es)?|modules?|scripts?|endpoints?|tests?|bugs?|regexp?|regex|quer(?:y|ies)"
    r"|components?|hooks?|macros?|snippets?|code ?base|repo(?:sitory)?|commits?|branch(?:es)?|migrations?|schema"
    r"|type errors?|lint|build|deps|dependenc(?:y|ies)|plugins?|librar(?:y|ies)|cli|flags?|columns?"
    r"|constraints?|index(?:es)?|dockerfile|containers?|pipelines?|ci|dict(?:ionary)?|list|array|strings?"
    r"|json schema|docstrings?|decorators?|fizzbuzz|styles|css|html|div|variables?|loops?|pr|server|duplicates?"
    r"|bots?|files?"
)
TASK = re.compile(rf"\b(?:{VERBS})\b[^.\n?!]{{0,40}}?\b(?:{NOUNS})\b")
HOWTO = re.compile(
    rf"\b(?:how (?:do|can|would|should|to) (?:i|you|we)?|what(?:'s| is) wrong|why (?:does|do|doesn't|don't)"
    rf"|can (?:u|you)(?: help me)? (?:make|write|fix|build))\b[^?\n]{{0,80}}\b(?:{NOUNS})\b"
)
# Code in the turn: lines that open with a keyword, lines that end like code.
CODE_LINE = re.compile(
    r"\n[ \t]*(?:def |class \w|import [\w{*]|from [\w.]+ import |function[\s*(]|const \w|let \w|var \w|return\b"
    r"|if ?\(|for ?\(|while ?\(|elif |else:|try:|except\b|fn \w|func \w|package \w|#include|public |private "
    r"|async |await |export |@\w+[(\n]|SELECT |INSERT |UPDATE \w+ SET|DELETE FROM|CREATE |ALTER TABLE|FROM \w"
    r"|WORKDIR |RUN |COPY |apiVersion:|kind: |server \{|location /|\$ \w|\d+\s*\u2192)"
)
LINE_ENDS = (";\n", "{\n", "}\n", "):\n", "})\n", "];\n")
SQL = ("SELECT ", " FROM ", " WHERE ", "GROUP BY", "ORDER BY", " JOIN ", "INSERT INTO", "CREATE TABLE", "HAVING ")
SYNTAX = ("=>", "->", "::", "==", "!=", "&&", "||", "+=")
SYMBOLS = "{}();=[]<>"
# camelCase (not brand names like iPhone, PayPal or macOS), snake_case and SomethingError names.
IDENTIFIER = re.compile(
    r"\b[a-z]{2,}[A-Z][a-z]\w*|\b[a-z][a-z0-9]*_[a-z0-9_]+\b|\b[A-Z][a-z]+(?:[A-Z][a-z]+)*(?:Error|Exception)\b"
)
FLAG = re.compile(r" --?[A-Za-z][\w-]*")  # command-line flags: curl -X POST, pytest --lf
METHOD_CALL = re.compile(r"\.[A-Za-z_]\w*\(")  # obj.method( : begins with a literal dot, found fast
EXTENSION = re.compile(
    r"\.(?:py|pyi|js|mjs|cjs|ts|tsx|jsx|go|rs|java|kt|rb|php|cc|cpp|hpp|cs|swift|sql|sh|ya?ml|toml|json|lock|ini"
    r"|cfg|md|css|scss|html|vue|svelte|proto|gradle|tf|c|h)\b"
)
NOT_FILES = ("node", "next", "vue", "react", "three", "d3", "express", "nuxt", "chart", "socket", "angular")
PLACES = ("localhost:", "127.0.0.1:", "/var/", "/usr/", "/etc/", "/home/", "/users/", "/srv/", "~/", "./", "src/")
TRACE = (
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
DIFF = ("\n@@ -", "diff --git", "\n+++ b/", "\n--- a/")
