"""Scrubbing secrets and personal data out of what the runtime records.

The recorder's writer thread passes every training sample (`Redactor.sample`) and usage reason
(`Redactor.text`) through a `Redactor` just before the store: each match becomes
`[REDACTED:<kind>]`. Credentials are always scrubbed; `training_data.redact` names the personal
data that is too (all of it by default). `tests/runtime/redact_corpus.py` measures both.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from controlplane.manifest.schema import RedactKind
from controlplane.values import Sample

#: Finds the (start, end) of what a rule redacts in a text.
Finder = Callable[[str], Iterator[tuple[int, int]]]


class Rule(NamedTuple):
    """A finder, run only when one of `keywords` is in the text (in its lower-case form with
    `lower`) and, with `digits`, when the text has two digits in a row. A substring test is a fast
    scan in C, a fraction of a regex's cost, so rules for rare shapes cost almost nothing."""

    keywords: tuple[str, ...]
    find: Finder
    lower: bool = False
    digits: bool = False


#: Most specific first: where matches overlap, the redacted span is their union and takes the
#: kind that comes first here (a key whose digits look like a phone number is an api_key).
ORDER: tuple[RedactKind, ...] = (
    "private_key",
    "api_key",
    "token",
    "password",
    "national_id",
    "credit_card",
    "email",
    "ip_address",
    "phone",
)
#: Scrubbed whatever `training_data.redact` says: a credential in training data is a leak.
CREDENTIALS: frozenset[RedactKind] = frozenset({"private_key", "api_key", "token", "password"})
#: Containers nested deeper than this are replaced whole (a real request nests < 20 deep).
MAX_DEPTH = 100
#: Long strings are scanned in windows this long (plus an overlap), so that no single regex call
#: holds the GIL the proxy's event loop needs for long: `re` never releases it mid-scan.
WINDOW = 64 * 1024
OVERLAP = 8 * 1024  # longer than any secret we look for (an RSA-8192 PEM block is ~6.3 KB)

#: Long strings recur in every request of an agent (its system prompt, its tools' schemas): the
#: results for the last `CACHED` strings of at least `CACHE_FROM` characters are kept.
CACHE_FROM = 2048
CACHED = 64
#: So do short ones (model names, stop reasons, tool names): those of at most `SHORT` characters
#: are kept too, the last `SHORT_CACHED` of them.
SHORT = 64
SHORT_CACHED = 4096

TOO_DEEP = "[REDACTED:too_deep]"
UNREDACTABLE = "[REDACTED:unredactable]"


def _marker(kind: str) -> str:
    return f"[REDACTED:{kind}]"


# What is deliberately left alone, because agents' traffic is full of it and it identifies nobody:
# - UUIDs, git SHAs, hashes, base64 images and other ids in running text: a long random value is
#   redacted only with a vendor's prefix (`ghp_`, `AKIA`...) or as the value of a secret-named key
#   (`token=`, `"client_secret": ...`, `PASSWORD:`), never on its shape alone.
# - Version strings (`1.2.3`, `v10.0.19041.1`, `lodash@4.17.21`), dates and times, prices and
#   plain integers: a phone number needs a leading `+` or the US shape `(555) 123-4567`; a card
#   needs a brand's prefix and length and the Luhn check; an SSN its dashes (or an `SSN` nearby).
# - Loopback and unspecified addresses (`127.0.0.1`, `0.0.0.0`, `::1`), and a four-part version
#   written after `version` or `v`.
# - Code: `api_key=os.environ["KEY"]`, `password = get_password()`, `token=self.token`,
#   `password=password`, `max_tokens=1024`, placeholders (`<your-key>`, `${TOKEN}`, `***`).
# - Prose that talks about passwords: "the password is incorrect" (a value in prose needs a
#   digit, a symbol, an inner capital or quotes), so "my password is dragon" is missed on purpose.
#
# Speed: the recorder's thread shares the GIL with the proxy's event loop. Vendor keys run only
# when their literal prefix is in the text (`in` is a fast scan); other patterns start with a
# literal or a narrow class, with any boundary check as a lookbehind after it, so `re` skips
# ahead instead of trying every position.


# -- building blocks ---------------------------------------------------------------------------


def _finder(
    pattern: str,
    *,
    group: str | int = 0,
    ok: Callable[[re.Match[str]], bool] | None = None,
    keywords: Sequence[str] = (),
    lower: bool = False,
    digits: bool = False,
) -> Rule:
    """The spans of `group` in each match `ok` accepts."""
    compiled = re.compile(pattern)

    def find(text: str) -> Iterator[tuple[int, int]]:
        for match in compiled.finditer(text):
            if ok is None or ok(match):
                start, end = match.span(group)
                if start < end:
                    yield start, end

    return Rule(tuple(keywords), find, lower, digits)


def _lead(literal: str, before: str = r"[\w-]") -> str:
    """`literal`, not preceded by `before`: the lookbehind comes after the literal, so the
    pattern still starts with it and `re` can scan for it fast."""
    escaped = re.escape(literal)
    return f"{escaped}(?<!{before}{escaped})"


def _trie(words: Iterable[str]) -> str:
    """A pattern matching any of `words`, the longest where one is a prefix of another, as a trie
    (`gh(?:o_|p_|s_)`): `re` follows one branch per character where an alternation of the words
    tries each in turn (3-4x faster to scan with)."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(tree)


def _names(*names: tuple[str, ...], bounded: Iterable[tuple[str, ...]] = ()) -> str:
    """Key names made of words, as matched in lower-cased text (so `apiKey`, `API_KEY` and
    `Api-Key` are all `api_key`, `api-key` or `apikey`). Those in `bounded` must not follow a
    letter (`pass` but not `compass`, `auth` but not `oauth`). Plain alternatives that each start
    with a literal: `re` checks their first letter fast, which IGNORECASE or a class would prevent."""
    fenced = set(bounded)
    alternatives: list[str] = []
    for words in names:
        for joint in ("_", "-", "") if len(words) > 1 else ("",):
            name = re.escape(joint.join(words))
            alternatives.append(f"{name}(?<![a-z]{name})" if words in fenced else name)
    return "(?:" + "|".join(sorted(alternatives, key=len, reverse=True)) + ")"


# Values that stand for a secret without being one: env references, templates, masks, types.
_PLACEHOLDER = re.compile(
    r"""(?ix)
    \$\{?[A-Za-z_][A-Za-z0-9_.]*\}? | \$\(.*\) | \{\{.*\}\} | \{[A-Za-z_]*\} | <[^<>]*> | \[[^\[\]]*\]
    | %\(?[A-Za-z_]*\)?[sd] | [*x•.#_?-]+ | (?:your|my|the|some|an?)[_-][\w-]* | [\w-]*_here
    | none | null | nil | true | false | undefined | string | str | int | bool | bytes | optional
    | required | hidden | redacted | masked | secret | password | passwd | pwd | pass | token | key
    | apikey | api_key | example | test
    | empty | blank | n/?a | tbd | todo | unknown | env | (?:os\.)?environ\b.* | process\.env\b.* | getenv\b.*
    """
)
# Code that names a value instead of being one: `self.password`, `settings.DB_PASSWORD`, an env
# var's name (`TOGETHER_API_KEY`), `user_password`, `newToken`.
_PATH = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_SECRET_WORD = re.compile(r"(?i:pass|pwd|secret|token|key|auth|cred)")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _code(value: str) -> bool:
    if _PATH.fullmatch(value):
        return True
    if not _IDENTIFIER.fullmatch(value) or not _SECRET_WORD.search(value):
        return False
    # `user_password` and `newToken` are names; `MyPassw0rd` is a password
    return "_" in value or not any(c.isdigit() for c in value)


def _placeholder(value: str) -> bool:
    return _PLACEHOLDER.fullmatch(value) is not None


def _secret_like(value: str, quoted: bool) -> bool:
    """Whether the value of a token- or key-named field is a secret rather than code."""
    if _placeholder(value) or (not quoted and _code(value)) or "://" in value or value.startswith(("/", "./")):
        return False
    if len(value) >= 32 or (quoted and len(value) >= 4):
        return True
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    return len(value) >= 8 and has_digit and has_alpha and "." not in value


def _strong(value: str) -> bool:
    """Looks chosen rather than written: a digit, a symbol or a capital past the first letter."""
    return any(c.isdigit() or not c.isalnum() for c in value) or any(c.isupper() for c in value[1:])


def _password_like(value: str, quoted: bool, last_on_line: bool) -> bool:
    """Passwords are chosen by people, so shorter and plainer than tokens: `admin` as the last
    word of a `password:` line is one, `Enter your password` after `Password:` is not."""
    if _placeholder(value) or (not quoted and _code(value)):
        return False
    if quoted:
        return len(value) >= 3
    return len(value) >= 4 and (_strong(value) or last_on_line)


# -- credentials: keyed values ----------------------------------------------------------------

# A secret-named key, its separator (JSON, YAML, env, query string, header, `:=`, `=>`; quotes may
# be escaped, as in a JSON string inside a JSON string) and its value: anything in quotes, or a
# bare word that ends at whitespace, a quote or closing punctuation; `get_password()` and
# `environ["KEY"]` go on with `(` or `[`, so code does not match.
_SEP = r"""(?![\w])(?:\\?["'])?\]?[ \t]*(?::=|=>|[:=])[ \t]*"""
_VALUE = (
    r"""(?:\\?(?P<quote>["'`])(?P<quoted>[^"'`\\\n]{1,256})\\?(?P=quote)"""
    r"""|(?P<bare>[A-Za-z0-9._~+/=:!@#$%^*?-]{1,256})(?=$|[\s"'`,;&)}\]>\\]))"""
)

_API_KEY_NAMES = _names(
    ("api", "key"),
    ("api", "secret"),
    ("api", "token"),
    ("access", "key"),
    ("access", "key", "id"),
    ("account", "key"),
    ("app", "key"),
    ("subscription", "key"),
    ("license", "key"),
)
_TOKEN_NAMES = _names(
    ("token",),
    ("secret",),
    ("secret", "key"),
    ("credential",),
    ("credentials",),
    ("creds",),
    ("private", "key"),
    ("session", "id"),
    ("cookie",),
    ("signature",),
    ("encryption", "key"),
    ("signing", "key"),
    ("master", "key"),
    ("session",),
    ("auth",),
    bounded=[("session",), ("auth",)],
)
_PASSWORD_NAMES = _names(
    ("password",),
    ("passwd",),
    ("passphrase",),
    ("passcode",),
    ("pwd",),
    ("pass",),
    bounded=[("pass",), ("pwd",)],
)


def _keyed(names: str, keywords: tuple[str, ...], password: bool = False) -> Rule:
    pattern = re.compile(rf"(?P<key>{names}{_SEP}){_VALUE}")
    anycase = re.compile(pattern.pattern, re.IGNORECASE)

    def find(text: str) -> Iterator[tuple[int, int]]:
        lowered = text.lower()
        # a few characters (U+0130) change length when lower-cased: then the slow way
        matches = pattern.finditer(lowered) if len(lowered) == len(text) else anycase.finditer(text)
        for match in matches:
            group = "quoted" if match.group("quoted") is not None else "bare"
            value = text[match.start(group) : match.end(group)]
            quoted = value if group == "quoted" else None
            if password:
                end = match.end()
                last = end == len(text) or text[end] in "\r\n\\,;&}"
                if not _password_like(value, quoted is not None, last):
                    continue
            elif not _secret_like(value, quoted is not None):
                continue
            yield match.span(group)

    return Rule(keywords, find, lower=True)


_NAMED: tuple[tuple[RedactKind, str], ...] = (
    ("password", _PASSWORD_NAMES),
    ("api_key", _API_KEY_NAMES),
    ("token", _TOKEN_NAMES),
)
_KEY_KINDS = tuple((kind, re.compile(rf"[\w.-]*{names}", re.IGNORECASE)) for kind, names in _NAMED)


@lru_cache(maxsize=4096)  # keys recur in every request ("role", "content"); each match costs 2-10 us
def _dict_key_kind(key: str) -> RedactKind | None:
    """The kind of secret a dict's value holds when its key names one (`{"password": "x"}`)."""
    for kind, pattern in _KEY_KINDS:
        if pattern.fullmatch(key):
            return kind
    return None


# An environment variable whose name holds a secret word anywhere: `SECRET_KEY_BASE=`,
# `GITHUB_TOKEN_CI=`, `SMTP_PASS=`, but not one that names something about it (`LLM_SECRET_NAME`,
# `TOKEN_TTL`). Upper case only: that is how environments are written.
_ENV_REST = (
    r"(?:_(?!(?:NAME|ID|URL|URI|PATH|FILE|DIR|TTL|LENGTH|LEN|SIZE|HEADER|TYPE|EXPIRY|DAYS|ENV|VAR|REF"
    rf"|PROVIDER|ENDPOINT|VERSION)\b)[A-Z0-9]+)*{_SEP}{_VALUE}"
)


def _env(words: str, password: bool) -> Rule:
    # found from the secret word: what comes before it in the name does not matter
    pattern = re.compile(rf"(?:{words}){_ENV_REST}")

    def find(text: str) -> Iterator[tuple[int, int]]:
        for match in pattern.finditer(text):
            quoted = match.group("quoted")
            value = quoted if quoted is not None else match.group("bare")
            end = match.end()
            last = end == len(text) or text[end] in "\r\n\\,;&}"
            if password and not _password_like(value, quoted is not None, last):
                continue
            if not password and not _secret_like(value, quoted is not None):
                continue
            yield match.span("quoted" if quoted is not None else "bare")

    keywords = tuple(word[:4] for word in words.split("|"))
    return Rule(keywords, find)


# Command-line flags: `--password Winter2025!`, `--token=...`, `--client-secret "..."`.
_FLAG = (
    r"--(?P<name>password|passwd|pass|token|auth-token|api-key|apikey|secret|client-secret|access-token)"
    r"""(?:=|[ \t]+)(?:(?P<quote>["'])(?P<quoted>[^"'\n]{3,256})(?P=quote)|(?P<bare>[^\s"'`]{3,256}))"""
)


def _flags(text: str, passwords: bool) -> Iterator[tuple[int, int]]:
    for match in _FLAG_RE.finditer(text):
        if match.group("name").startswith("pass") != passwords:
            continue
        quoted = match.group("quoted")
        value = quoted if quoted is not None else match.group("bare")
        ok = _password_like(value, quoted is not None, True) if passwords else _secret_like(value, quoted is not None)
        ok = ok and not _placeholder(value)
        if ok and not value.startswith("-"):
            yield match.span("quoted" if quoted is not None else "bare")


_FLAG_RE = re.compile(_FLAG)


# An AWS secret access key is 40 characters of base64 with no prefix: redacted on its shape only
# in a text that speaks of AWS, and only with upper and lower case and a digit (a git SHA has no
# capitals).
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/=])")
_AWS_ID = re.compile(r"(?:AKIA|ASIA)[0-9A-Z]{16}")


def _aws_secrets(text: str) -> Iterator[tuple[int, int]]:
    """Within 300 characters of an access key id, where a pasted secret key sits."""
    done = 0
    for key in _AWS_ID.finditer(text):
        for match in _AWS_SECRET.finditer(text, max(done, key.start() - 300), key.end() + 300):
            value = match.group(0)
            if any(c.isupper() for c in value) and any(c.islower() for c in value) and any(c.isdigit() for c in value):
                yield match.span()
        done = key.end() + 300


# -- credentials: shapes -----------------------------------------------------------------------

# Vendor keys by their documented prefixes and lengths. Shapes after gitleaks' rule set
# (github.com/gitleaks/gitleaks, config/gitleaks.toml, MIT licence, (c) 2019 Zachary Rice),
# checked against the vendors' docs; each runs only when its prefix is in the text.
# (prefix, the rest of the key)
_VENDOR_KEYS: tuple[tuple[str, str], ...] = (
    ("sk-", r"(?=[\w-]*\d)(?:ant-|proj-|svcacct-|admin-|or-v1-)?[A-Za-z0-9_-]{20,}"),  # Anthropic, OpenAI, OpenRouter
    ("sk_", r"(?:(?:live|test)_[A-Za-z0-9]{16,}|(?=[a-z0-9]*\d)[a-f0-9]{40,64}\b)"),  # Stripe, ElevenLabs
    ("rk_", r"(?:live|test)_[A-Za-z0-9]{16,}"),  # Stripe restricted
    ("whsec_", r"[A-Za-z0-9+/=]{24,}"),  # Stripe webhook signing secret
    ("AKIA", r"[0-9A-Z]{16}"),  # AWS access key ids
    ("ASIA", r"[0-9A-Z]{16}"),
    ("ABIA", r"[0-9A-Z]{16}"),
    ("ACCA", r"[0-9A-Z]{16}"),
    ("A3T", r"[A-Z0-9][0-9A-Z]{16}"),
    ("ghp_", r"[A-Za-z0-9]{36,}"),  # GitHub
    ("gho_", r"[A-Za-z0-9]{36,}"),
    ("ghu_", r"[A-Za-z0-9]{36,}"),
    ("ghs_", r"[A-Za-z0-9]{36,}"),
    ("ghr_", r"[A-Za-z0-9]{36,}"),
    ("github_pat_", r"[A-Za-z0-9_]{22,}"),
    ("glpat-", r"[A-Za-z0-9_.-]{20,}"),  # GitLab
    ("gldt-", r"[A-Za-z0-9_-]{20,}"),
    ("glrt-", r"[A-Za-z0-9_-]{20,}"),
    ("glptt-", r"[A-Za-z0-9_-]{20,}"),
    ("glcbt-", r"[A-Za-z0-9_-]{20,}"),
    ("glsoat-", r"[A-Za-z0-9_-]{20,}"),
    ("xoxb-", r"[A-Za-z0-9-]{10,}"),  # Slack
    ("xoxp-", r"[A-Za-z0-9-]{10,}"),
    ("xoxa-", r"[A-Za-z0-9-]{10,}"),
    ("xoxe", r"(?:\.xox[bp])?-[A-Za-z0-9-]{10,}"),
    ("xoxs-", r"[A-Za-z0-9-]{10,}"),
    ("xoxo-", r"[A-Za-z0-9-]{10,}"),
    ("xoxr-", r"[A-Za-z0-9-]{10,}"),
    ("xapp-", r"\d-[A-Za-z0-9-]{20,}"),
    ("hooks.slack.com/", r"(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,}"),
    ("tgp_v", r"\d+_[A-Za-z0-9_-]{16,}"),  # Together
    ("AIza", r"[0-9A-Za-z_-]{35}"),  # Google API keys
    ("GOCSPX-", r"[A-Za-z0-9_-]{20,}"),  # Google OAuth client secret
    ("ya29.", r"[A-Za-z0-9_-]{20,}"),  # Google OAuth access token
    ("1//0", r"[A-Za-z0-9_-]{30,}"),  # Google OAuth refresh token
    ("hf_", r"[A-Za-z0-9]{30,}"),  # Hugging Face
    ("api_org_", r"[A-Za-z0-9]{30,}"),
    ("npm_", r"[A-Za-z0-9]{36}"),  # npm
    ("pypi-AgE", r"[A-Za-z0-9_-]{50,}"),  # PyPI
    ("SG.", r"[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"),  # SendGrid
    ("SK", r"[0-9a-f]{32}\b"),  # Twilio API key
    ("key-", r"[0-9a-f]{32}\b"),  # Mailgun
    ("shpat_", r"[a-fA-F0-9]{32}"),  # Shopify
    ("shpss_", r"[a-fA-F0-9]{32}"),
    ("shpca_", r"[a-fA-F0-9]{32}"),
    ("shppa_", r"[a-fA-F0-9]{32}"),
    ("dop_v1_", r"[a-f0-9]{64}"),  # DigitalOcean
    ("doo_v1_", r"[a-f0-9]{64}"),
    ("dor_v1_", r"[a-f0-9]{64}"),
    ("dp.pt.", r"[A-Za-z0-9]{40,}"),  # Doppler
    ("dapi", r"[a-f0-9]{32}(?:-\d)?"),  # Databricks
    ("lin_api_", r"[A-Za-z0-9]{40}"),  # Linear
    ("secret_", r"[A-Za-z0-9]{43}\b"),  # Notion (legacy)
    ("ntn_", r"[0-9]{11}[A-Za-z0-9]{35}"),  # Notion
    ("PMAK-", r"[a-f0-9]{24}-[a-f0-9]{34}"),  # Postman
    ("gsk_", r"[A-Za-z0-9]{48,}"),  # Groq
    ("r8_", r"[A-Za-z0-9]{37}"),  # Replicate
    ("xai-", r"[A-Za-z0-9]{60,}"),  # xAI
    ("pplx-", r"[A-Za-z0-9]{40,}"),  # Perplexity
    ("fw_", r"[A-Za-z0-9]{24,}"),  # Fireworks
    ("lsv2_", r"(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}"),  # LangSmith
    ("pcsk_", r"[A-Za-z0-9_]{50,}"),  # Pinecone
    ("sbp_", r"[a-f0-9]{40}"),  # Supabase
    ("sntrys_", r"[A-Za-z0-9_=+/-]{40,}"),  # Sentry
    ("sntryu_", r"[a-f0-9]{64}"),
    ("hvs.", r"[A-Za-z0-9_-]{24,}"),  # HashiCorp Vault
    ("hvb.", r"[A-Za-z0-9_-]{24,}"),
    ("pul-", r"[a-f0-9]{40}"),  # Pulumi
    ("ATATT3", r"[A-Za-z0-9_=-]{150,}"),  # Atlassian
    ("glsa_", r"[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}"),  # Grafana
    ("glc_", r"[A-Za-z0-9+/]{32,}={0,2}"),
    ("NRAK-", r"[A-Z0-9]{27}"),  # New Relic
    ("fo1_", r"[A-Za-z0-9_-]{40,}"),  # Fly.io
    ("HRKU-", r"[A-Za-z0-9_-]{40,}"),  # Heroku
    ("sq0atp-", r"[0-9A-Za-z_-]{22,}"),  # Square
    ("sq0csp-", r"[0-9A-Za-z_-]{40,}"),
    ("EAAA", r"[A-Za-z0-9_-]{60}"),
    ("shippo_", r"(?:live|test)_[a-f0-9]{40}"),  # Shippo
    ("sl.", r"[A-Za-z0-9_-]{130,}"),  # Dropbox
    ("figd_", r"[A-Za-z0-9_-]{40,}"),  # Figma
    ("nfp_", r"[A-Za-z0-9]{36}"),  # Netlify
    ("sk.eyJ", r"[A-Za-z0-9_-]{50,}\.[A-Za-z0-9_-]{20,}"),  # Mapbox secret token
    ("discord.com/api/webhooks/", r"\d+/[A-Za-z0-9_-]{60,}"),  # Discord webhook
    ("discordapp.com/api/webhooks/", r"\d+/[A-Za-z0-9_-]{60,}"),
)


def _vendor_pattern(prefix: str, rest: str) -> re.Pattern[str]:
    before = r"[\w-]" if prefix[0].isalnum() else r"[^\s\"'=:/(]"
    return re.compile(_lead(prefix, before) + rest + r"(?![\w-])")


def _vendor_groups() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Prefixes grouped by their first two characters, one pattern per group: one `in` test and
    one scan for `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`."""
    groups: dict[str, list[str]] = {}
    for prefix, rest in _VENDOR_KEYS:
        groups.setdefault(prefix[:2], []).append(_vendor_pattern(prefix, rest).pattern)
    return tuple((key, re.compile("|".join(patterns))) for key, patterns in groups.items())


_VENDOR_PATTERNS = _vendor_groups()
# Whether any prefix is there at all: one scan, cheaper than each `in` for a short text.
_VENDOR_GATE = re.compile(_trie(prefix for prefix, _ in _VENDOR_KEYS))


def _vendor_keys(text: str) -> Iterator[tuple[int, int]]:
    if len(text) < 1024 and _VENDOR_GATE.search(text) is None:
        return
    for key, pattern in _VENDOR_PATTERNS:
        if key in text:
            for match in pattern.finditer(text):
                yield match.span()


def _extended(pattern: str, keyword: str, back: str, least: int, most: int) -> Finder:
    """A key found from a literal in its middle (`-us12`, `:AA`, `Q~`, `.atlasv1.`), whose start
    is the run of `back` characters before it: a pattern that began there would try every letter."""
    compiled = re.compile(pattern)
    allowed = frozenset(back)

    def find(text: str) -> Iterator[tuple[int, int]]:
        if keyword not in text:
            return
        for match in compiled.finditer(text):
            start = match.start()
            floor = max(0, start - most)
            while start > floor and text[start - 1] in allowed:
                start -= 1
            if match.start() - start < least or (start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_")):
                continue
            yield start, match.end()

    return find


_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_EXTENDED_KEYS: tuple[Finder, ...] = (
    _extended(r"-us\d{1,2}(?![\w-])", "-us", "0123456789abcdef", 32, 32),  # Mailchimp
    _extended(r":AA[A-Za-z0-9_-]{32,33}(?![\w-])", ":AA", "0123456789", 8, 10),  # Telegram bot
    _extended(r"Q~[A-Za-z0-9_~.-]{31,34}(?![\w~.-])", "Q~", _ALNUM + "_~.", 4, 4),  # Azure AD secret
    _extended(r"\.atlasv1\.[A-Za-z0-9_=-]{60,70}", ".atlasv1.", _ALNUM, 14, 14),  # Terraform Cloud
)

_AUTHORIZATION = (
    r"(?P<key>(?:Authorization|authorization|AUTHORIZATION|Proxy-Authorization)"
    r"""["']?[ \t]*[:=][ \t]*["']?(?:(?:Bearer|bearer|BEARER|Basic|basic|Token|token|ApiKey|Key|Digest)[ \t]+)?)"""
    r"(?P<value>[A-Za-z0-9._~+/=-]{8,})"
)


def _bearer_ok(match: re.Match[str]) -> bool:
    value = match.group("value")
    return len(value) >= 16 or (any(c.isdigit() for c in value) and any(c.isalpha() for c in value))


def _basic_ok(match: re.Match[str]) -> bool:
    """`Basic <base64 of user:password>`: decoding it tells a credential from the word."""
    value = match.group("value")
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return False
    return ":" in decoded and decoded.isprintable()


# `scheme://user:password@host`: the password goes, the user and host stay.
_URL_PASSWORD = r"://(?P<user>[^\s:@/?#\[\]\"'<>]{1,128}):(?P<value>[^\s@/?\"'<>]{1,256})@(?=[\w\[])"


def _url_password_ok(match: re.Match[str]) -> bool:
    return not _placeholder(match.group("value"))


# Passwords in prose: "my password is hunter2", "the password for prod is `x`", "use password P4ss"
# (a verb before the word: checked by looking back, so the pattern starts at the rare word).
_PROSE_PASSWORD = (
    r"(?:[Pp]ass(?:word|phrase|code)|PASSWORD|[Pp]asswd|pw(?<![A-Za-z]pw))(?:'s)?"
    r"(?:(?P<named>(?:[ \t]+for[ \t]+[^\n.!?:]{1,60}?)?[ \t]*(?:[ \t]is|[ \t]was|[ \t]are|[ \t]will be|:)[ \t]*"
    r"(?:(?:now|still|set to|changed to|just)[ \t]+)?)|(?P<verbed>[ \t:]+))"
    r"""(?:(?P<quote>["'`“‘])(?P<quoted>[^"'`”’\n]{3,128})["'`”’]|(?P<bare>[^\s"'`“”()\[\]{}<>]{4,64})(?=$|[\s)]))"""
)
_VERB_BEFORE = re.compile(
    r"(?:with|using|use|enter|type|try|set|reset|change[sd]?)[ \t]+(?:it[ \t]+to[ \t]+)?"
    r"(?:the[ \t]+|my[ \t]+|a[ \t]+|this[ \t]+|new[ \t]+)?\Z"
)
# "the API key is X", "the token for staging is X": found from the verb, then the word before it
# checked; a token in prose needs the shape of one (_secret_like).
_PROSE_SECRET = (
    r" (?:is|was) (?:now )?"
    r"""(?:["'`](?P<quoted>[^"'`\n]{8,256})["'`]|(?P<bare>[A-Za-z0-9+/=_-]{8,256})(?![\w+/=-]))"""
)
_SECRET_BEFORE = re.compile(
    r"(?<![A-Za-z])(?:[Ss]ecret|[Tt]oken|[Kk]ey|KEY|TOKEN|SECRET)(?:[ \t]+for[ \t]+[^\n.!?:]{1,60})?\Z"
)
_TRAILING = ".,;:!?)"


def _prose_password(text: str) -> Iterator[tuple[int, int]]:
    for match in _PROSE_PASSWORD_RE.finditer(text):
        if match.group("verbed") is not None and not _VERB_BEFORE.search(
            text, max(0, match.start() - 40), match.start()
        ):
            continue
        quoted = match.group("quoted")
        if quoted is not None:
            if not _placeholder(quoted):
                yield match.span("quoted")
            continue
        value = match.group("bare").rstrip(_TRAILING)
        if len(value) >= 4 and _strong(value) and not _placeholder(value) and not _code(value):
            yield match.start("bare"), match.start("bare") + len(value)


def _prose_secret(text: str) -> Iterator[tuple[int, int]]:
    for match in _PROSE_SECRET_RE.finditer(text):
        group = "quoted" if match.group("quoted") is not None else "bare"
        if _secret_like(match.group(group), quoted=False) and _SECRET_BEFORE.search(
            text, max(0, match.start() - 80), match.start()
        ):
            yield match.span(group)


_PROSE_PASSWORD_RE = re.compile(_PROSE_PASSWORD)
_PROSE_SECRET_RE = re.compile(_PROSE_SECRET)

# PEM blocks: BEGIN to END; cut off (no END), the header and the base64 lines after it. The line
# breaks may be real or `\n` escapes (a service-account JSON pasted as text).
_BREAK = r"(?:\r?\n|\\r\\n|\\n|[ \t])"
_PEM = (
    r"-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----"
    r"(?:[\s\S]{0,16384}?-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----"
    rf"|(?:{_BREAK}+(?:[A-Za-z0-9+/]{{16,}}={{0,2}}|[A-Za-z-]+:[^\n\\]*|={_BREAK}*[A-Za-z0-9+/]{{4}}))*)"
)
# A key's DER body pasted without its header: PKCS#1 RSA, PKCS#8, SEC1 EC and OpenSSH bodies
# begin with fixed bytes, which no certificate, public key or image shares.
_KEY_BODY = (
    r"(?:MII[A-Za-z0-9+/]{2}[AQgw]IBAAK|MII[A-Za-z0-9+/]{2}[AQgw]IBADANBgkqhkiG9w0BAQEFAAS"
    r"|MHcCAQEEI|MIGkAgEBBDA|b3BlbnNzaC1rZXktdjEAAAAA)"
    rf"(?:[A-Za-z0-9+/=]|{_BREAK})*"
)

# -- personal data -----------------------------------------------------------------------------


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _card_brand(digits: str) -> bool:
    """A brand's prefix and length (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay,
    Maestro): most 13-19 digit numbers that pass Luhn by chance have neither."""
    n, two, four, six = len(digits), int(digits[:2]), int(digits[:4]), int(digits[:6])
    return (
        (digits[0] == "4" and n in (13, 16, 19))
        or ((51 <= two <= 55 or 2221 <= four <= 2720) and n == 16)
        or (two in (34, 37) and n == 15)
        or ((four == 6011 or two == 65 or 644 <= four // 10 <= 649 or 622126 <= six <= 622925) and 16 <= n <= 19)
        or (3528 <= four <= 3589 and 16 <= n <= 19)
        or ((300 <= four // 10 <= 305 or two in (36, 38, 39)) and 14 <= n <= 19)
        or (two == 62 and 16 <= n <= 19)
        or ((two == 50 or 56 <= two <= 69) and 12 <= n <= 19)
    )


def _card_ok(match: re.Match[str]) -> bool:
    digits = match.group(0).replace(" ", "").replace("-", "")
    return 12 <= len(digits) <= 19 and _card_brand(digits) and _luhn(digits)


# A card as one run of digits, or grouped as cards print them: 4-4-4-4(-3), 4-6-5 (Amex), 4-6-4
# (Diners). The first digit is a brand's (2-6), which keeps millisecond timestamps (1...) out.
_CARD = r"[2-6](?<![\w.,-][2-6])(?:\d{11,18}|\d{3}([ -])\d{4,6}\1\d{4,5}(?:\1\d{1,4})?)(?![\w]|[.,-]\d)"


def _ssn_valid(area: str, group: str, serial: str) -> bool:
    """US SSNs (and ITINs, which take the 9xx areas SSNs never use): never area 000 or 666,
    group 00 or serial 0000; a 9xx area only with an ITIN's group."""
    if area in ("000", "666") or group == "00" or serial == "0000":
        return False
    if area[0] == "9":
        return int(group) in (*range(50, 66), *range(70, 89), 90, 91, 92, *range(94, 100))
    return True


def _ssn_ok(match: re.Match[str]) -> bool:
    return _ssn_valid(match.group("area"), match.group("group"), match.group("serial"))


# Dashed, anywhere; spaced or bare only after a word that names it.
_SSN = r"(?P<area>\d(?<![\w.-]\d)\d\d)-(?P<group>\d\d)-(?P<serial>\d{4})(?![\w-]|\.\d)"
_SSN_NAMED = (
    r"(?:SSN|ssn|Social Security|social security|SOCIAL SECURITY|SS#|ITIN|itin)[^\d\n]{0,24}"
    r"(?P<value>(?P<area>\d{3})(?P<sep>[ -]?)(?P<group>\d\d)(?P=sep)(?P<serial>\d{4}))(?![\w-]|\.\d)"
)

# UK National Insurance numbers: two letters (not D, F, I, Q, U, V; not O second; not the
# prefixes BG, GB, KN, NK, NT, TN, ZZ), six digits, A-D; spaced in pairs or not at all.
_NINO = (
    r"[A-CEGHJ-PR-TW-Z](?<![\w][A-Z])[A-CEGHJ-NPR-TW-Z](?<!BG|GB|KN|NK|NT|TN|ZZ)"
    r"(?:\d{6}|[ ]\d\d[ ]\d\d[ ]\d\d[ ])[A-D](?!\w)"
)
# Canadian SINs: nine digits that pass Luhn, after a word that names them.
_SIN = (
    r"(?:SIN|Social Insurance|social insurance)(?![A-Za-z])[^\d\n]{0,24}"
    r"(?P<value>[1-79]\d\d(?P<sep>[ -]?)\d{3}(?P=sep)\d{3})(?![\w-]|\.\d)"
)


def _sin_ok(match: re.Match[str]) -> bool:
    return _luhn(re.sub(r"\D", "", match.group("value")))


_EMAIL_DOMAIN = re.compile(r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+-]*\Z")
_SCP_PATH = re.compile(r":[\w~./-]")


def _emails(text: str) -> Iterator[tuple[int, int]]:
    """Found from the `@` outwards: a pattern that starts at the local part would try every
    letter of the text. The top-level domain is letters only, so `lodash@4.17.21` is a pin, and
    `git@github.com:org/repo` (an ssh remote: a path follows) is not a mailbox."""
    done = 0
    for domain in _EMAIL_DOMAIN.finditer(text):
        at = domain.start()
        local = _EMAIL_LOCAL.search(text, max(done, at - 256), at)
        if local is None or _SCP_PATH.match(text, domain.end()) or text.endswith("://", 0, local.start()):
            continue  # `git@host:path` is an ssh remote, `https://user@host` a user name
        yield local.start(), domain.end()
        done = domain.end()


def _public(text: str) -> bool:
    if ":" in text and not any(c.isdigit() for c in text):
        return False  # `ab::cd` is more likely a path in Rust or C++ than an address
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return not (address.is_loopback or address.is_unspecified)


_VERSION_WORD = re.compile(r"(?:version|Version|VERSION|ver|Ver|v|V)[ .:=]?\Z")


_PREFIX_LENGTH = re.compile(r"/(\d{1,2})(?!\d)")


def _network(text: str, match: re.Match[str]) -> bool:
    """`10.0.0.0/8`: a network's address (host bits zero) names a range, not a machine."""
    length = _PREFIX_LENGTH.match(text, match.end())
    if length is None:
        return False
    try:
        ipaddress.ip_network(f"{match.group(0)}/{length.group(1)}", strict=True)
    except ValueError:
        return False
    return True


def _ipv4(text: str) -> Iterator[tuple[int, int]]:
    for match in _IPV4_RE.finditer(text):
        if (
            _public(match.group(0))
            and not _VERSION_WORD.search(text, max(0, match.start() - 9), match.start())
            and not _network(text, match)
        ):
            yield match.span()


_IPV4_RE = re.compile(r"\d(?<![\w.]\d)\d{0,2}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\w]|\.\d)")
_HEX = frozenset("0123456789abcdefABCDEF")
_V6_TAIL = re.compile(r":[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){1,7}(?![\w:])")


def _ipv6(text: str) -> Iterator[tuple[int, int]]:
    """Found from the first `:` outwards, for the same reason as emails."""
    done = 0
    for tail in _V6_TAIL.finditer(text):
        start = tail.start()
        while start > max(done, tail.start() - 4) and text[start - 1] in _HEX:
            start -= 1
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_:."):
            continue
        if not _public(text[start : tail.end()]):
            continue
        yield start, tail.end()
        done = tail.end()


def _phone_ok(match: re.Match[str]) -> bool:
    return 8 <= sum(c.isdigit() for c in match.group(0)) <= 15


_END = r"(?![\w]|[.-]\d)"  # not followed by more of a number or a version

RULES: dict[RedactKind, tuple[Rule, ...]] = {
    "private_key": (
        _finder(_PEM, keywords=("-----BEGIN",)),
        _finder(_KEY_BODY, keywords=("MII", "MHcCAQEEI", "MIGkAgEBBDA", "b3BlbnNzaC1rZXktdjE")),
        _finder(r"AGE-SECRET-KEY-1[0-9A-Z]{58}", keywords=("AGE-SECRET-KEY-1",)),
        _finder(r"PuTTY-User-Key-File-\d: [\s\S]{0,8192}?Private-MAC: [0-9a-f]+", keywords=("PuTTY-User-Key-File",)),
    ),
    "api_key": (
        Rule((), _vendor_keys),
        *(Rule((), find) for find in _EXTENDED_KEYS),
        _finder(_AUTHORIZATION, group="value", keywords=("uthorization", "UTHORIZATION")),
        _keyed(_API_KEY_NAMES, keywords=("key", "api", "secret", "token")),
        Rule(("AKIA", "ASIA"), _aws_secrets),
        # Azure shared access signatures: `...?sv=2022-11-02&sig=<signature>`
        _finder(r"[?&;]sig=(?P<value>[A-Za-z0-9%+/=_-]{16,})", group="value", keywords=("sig=",)),
    ),
    "token": (
        # JWT: header and payload are base64url JSON, so both start with `eyJ` ({")
        _finder(_lead("eyJ") + r"[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*", keywords=("eyJ",)),
        _finder(
            _lead("Bearer", r"\w") + r"[ \t]+(?P<value>[A-Za-z0-9._~+/=-]{8,})",
            group="value",
            ok=_bearer_ok,
            keywords=("Bearer",),
        ),
        _keyed(_TOKEN_NAMES, keywords=("token", "secret", "cred", "key", "cookie", "signature", "session", "auth")),
        _env("SECRET|TOKEN|KEY|CREDENTIALS|CREDS|AUTH", password=False),
        Rule(("--",), lambda text: _flags(text, passwords=False)),
        Rule((" is ", " was "), _prose_secret),
    ),
    "password": (
        _keyed(_PASSWORD_NAMES, password=True, keywords=("pass", "pwd")),
        _env("PASSWORD|PASSWD|PASS|PWD", password=True),
        Rule(("--",), lambda text: _flags(text, passwords=True)),
        _finder(_URL_PASSWORD, group="value", ok=_url_password_ok, keywords=("://",)),
        _finder(
            _lead("Basic", r"\w") + r"[ \t]+(?P<value>[A-Za-z0-9+/]{6,}={0,2})(?![\w+/=])",
            group="value",
            ok=_basic_ok,
            keywords=("Basic",),
        ),
        # curl -u user:password, --user=user:password
        _finder(
            r"-(?:u(?<=[ \t]-u)|-user)[ \t=]+[\"']?[^\s:\"']{1,64}:(?P<value>[^\s\"']{3,128})",
            group="value",
            keywords=(" -u", "--user"),
        ),
        # mysql -pSECRET (no space: mysql's own syntax), --password=SECRET
        _finder(
            r"mysql(?:dump|admin)?\b[^\n]{0,200}?[ \t]-p(?P<value>[^\s\"']{3,128})",
            group="value",
            keywords=("mysql",),
        ),
        _finder(
            r"<(?P<tag>[Pp]assword|[Pp]asswd|[Ss]ecret|[Tt]oken|[Aa]pi[Kk]ey)>(?P<value>[^<\n]{3,256})</(?P=tag)>",
            group="value",
            ok=lambda match: not _placeholder(match.group("value")),
            keywords=("</",),
        ),
        Rule(("pass", "pw"), _prose_password, lower=True),
    ),
    "national_id": (
        _finder(_SSN, ok=_ssn_ok, keywords=("-",), digits=True),
        _finder(
            _SSN_NAMED, group="value", ok=_ssn_ok, keywords=("SSN", "ssn", "ocial", "OCIAL", "SS#", "ITIN", "itin")
        ),
        _finder(_NINO, digits=True),
        _finder(_SIN, group="value", ok=_sin_ok, keywords=("SIN", "ocial")),
    ),
    "credit_card": (_finder(_CARD, ok=_card_ok, digits=True),),
    "email": (Rule(("@",), _emails),),
    "ip_address": (Rule((".",), _ipv4, digits=True), Rule((":",), _ipv6)),
    "phone": (
        # International: `+`, then 8 to 15 digits grouped by spaces, dots, dashes or brackets.
        _finder(
            _lead("+", r"[\w+]") + r"\d(?:[ .()-]{0,2}\d){6,14}" + _END, ok=_phone_ok, keywords=("+",), digits=True
        ),
        # US: (555) 123-4567, 1-800-555-1234, 1 (800) 555-1234, 555-123-4567, 555.123.4567.
        _finder(
            "(?:"
            + _lead("(", r"[\w+.-]")
            + r"\d{3}\)[ ]?\d{3}[ .-]\d{4}"
            + "|"
            + r"1(?<![\w+.-]1)[ .-]?(?:\(\d{3}\)[ ]?|\d{3}[ .-])\d{3}[ .-]\d{4}"
            + "|"
            + r"\d(?<![\w+.-]\d)\d{2}[ .-]\d{3}[ .-]\d{4}"
            + ")"
            + _END,
            ok=_phone_ok,
            digits=True,
        ),
    ),
}

# Characters no store can keep: lone surrogates (not encodable as UTF-8) and NUL (PostgreSQL
# text refuses it). They become U+FFFD and the sample is kept, marked.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_DIGITS = re.compile(r"\d\d")
# Role names, block types, model names: nothing redacted has this shape, and most strings in a
# request have it.
_PLAIN = re.compile(r"[a-z][a-z_.-]{0,31}")


class Redactor:
    """`Redactor(["email"]).text("mail a@b.io")` -> `mail [REDACTED:email]`; see the module doc.

    `kinds` names the personal data to scrub; credentials (`CREDENTIALS`) always are."""

    def __init__(self, kinds: Sequence[RedactKind]) -> None:
        unknown = sorted(set(kinds) - set(RULES))
        if unknown:
            raise ValueError(f"unknown redaction kind(s): {', '.join(unknown)}; known: {', '.join(ORDER)}")
        wanted = set(kinds) | CREDENTIALS
        self.kinds: tuple[RedactKind, ...] = tuple(kind for kind in ORDER if kind in wanted)
        self._rules = [(rank, *rule) for rank, kind in enumerate(self.kinds) for rule in RULES[kind]]
        self._cache: dict[str, tuple[str, frozenset[str]]] = {}
        self._short: dict[str, tuple[str, frozenset[str]]] = {}
        self._evicting = threading.Lock()

    # -- text ------------------------------------------------------------------------------

    def spans(self, text: str) -> list[tuple[int, int, RedactKind]]:
        """What `text()` replaces: disjoint (start, end, kind), in order."""
        found: list[tuple[int, int, int]] = []
        for offset, window in _windows(text):
            lowered = window.lower()
            digits = _DIGITS.search(window) is not None
            for rank, keywords, find, lower, needs_digits in self._rules:
                if needs_digits and not digits:
                    continue
                if keywords:
                    haystack = lowered if lower else window
                    for keyword in keywords:
                        if keyword in haystack:
                            break
                    else:
                        continue
                found += ((offset + start, offset + end, rank) for start, end in find(window))
        found.sort()
        merged: list[list[int]] = []
        for start, end, rank in found:
            if merged and start < merged[-1][1]:
                last = merged[-1]
                last[1] = max(last[1], end)
                last[2] = min(last[2], rank)
            else:
                merged.append([start, end, rank])
        return [(start, end, self.kinds[rank]) for start, end, rank in merged]

    def text(self, text: str) -> str:
        """`text` with every match replaced by its marker; never raises, never returns it verbatim
        when scrubbing fails (it is then replaced whole)."""
        return self._text(text, set())

    def _text(self, text: str, notes: set[str]) -> str:
        if type(text) is str:
            if len(text) >= CACHE_FROM:
                return self._remembered(self._cache, CACHED, text, notes)
            if len(text) <= SHORT:
                return self._remembered(self._short, SHORT_CACHED, text, notes)
        return self._scrubbed(text, notes)

    def _remembered(self, table: dict[str, tuple[str, frozenset[str]]], most: int, text: str, notes: set[str]) -> str:
        """`_scrubbed(text)` with its notes, kept in `table` (at most `most`, the oldest dropped first)."""
        cached = table.get(text)
        if cached is None:
            found: set[str] = set()
            cached = (self._scrubbed(text, found), frozenset(found))
            with self._evicting:  # the spooler's and the decision writer's threads share a redactor
                if len(table) >= most:
                    del table[next(iter(table))]  # dicts keep insertion order
                table[text] = cached
        notes |= cached[1]
        return cached[0]

    def _scrubbed(self, text: str, notes: set[str]) -> str:
        try:
            if not text.isascii() or "\x00" in text:
                text, count = _UNSTORABLE.subn("\ufffd", text)
                if count:
                    notes.add("unstorable_characters")
            if len(text) < 6 or _PLAIN.fullmatch(text):  # the shortest thing redacted is an email: a@b.io
                return text
            pieces: list[str] = []
            done = 0
            for start, end, kind in self.spans(text):
                pieces += [text[done:start], _marker(kind)]
                done = end
            return "".join(pieces) + text[done:] if pieces else text
        except Exception:  # a bug or an input no rule survives: losing the text beats storing it
            notes.add("unredactable")
            return UNREDACTABLE

    # -- values ----------------------------------------------------------------------------

    def value(self, value: Any) -> Any:
        """A copy of a JSON-like value (a request, an answer) with every string in it scrubbed."""
        return self.scrub(value)[0]

    def scrub(self, value: Any) -> tuple[Any, frozenset[str]]:
        """`value()`, and what had to be replaced beyond redaction: `unstorable_characters`,
        `too_deep` (containers past `MAX_DEPTH`), `unredactable`, `not_json` (other objects,
        kept as their redacted `str()`). Iterative: no depth raises RecursionError."""
        notes: set[str] = set()
        root: list[Any] = [None]
        # (value, depth, where its copy goes, under which key or index)
        stack: list[tuple[Any, int, Any, Any]] = [(value, 0, root, 0)]
        while stack:
            item, depth, parent, slot = stack.pop()
            parent[slot] = self._scrub_one(item, depth, stack, notes)
        return root[0], frozenset(notes)

    def _scrub_one(self, item: Any, depth: int, stack: list[tuple[Any, int, Any, Any]], notes: set[str]) -> Any:
        if isinstance(item, str):
            return self._text(item, notes)
        if item is None or isinstance(item, bool | int | float):
            return item
        if isinstance(item, dict | list | tuple | set | frozenset):
            if depth >= MAX_DEPTH:
                notes.add("too_deep")
                return TOO_DEEP
            if isinstance(item, dict):
                copy: dict[str, Any] = {}
                for key, child in item.items():
                    name = self._text(key if isinstance(key, str) else str(key), notes)
                    while name in copy:  # two keys that redact alike must not overwrite each other
                        name += "'"
                    kind = _dict_key_kind(name) if isinstance(child, str) else None
                    if kind is not None and kind in self.kinds and _keyed_value(kind, child):
                        copy[name] = _marker(kind)
                    else:
                        copy[name] = None
                        stack.append((child, depth + 1, copy, name))
                return copy
            items = list(item)
            out: list[Any] = [None] * len(items)
            stack.extend((child, depth + 1, out, index) for index, child in enumerate(items))
            return out
        notes.add("not_json")
        try:
            shown = str(item)
        except Exception:
            notes.add("unredactable")
            return UNREDACTABLE
        return self._text(shown, notes)

    def sample(self, sample: Sample) -> Sample:
        """`sample` scrubbed: prompt, answer and meta; what had to be replaced beyond redaction is
        listed in `meta["redaction"]`, so a training pipeline can tell the sample was altered."""
        notes: set[str] = set()
        prompt, prompt_notes = self.scrub(sample.prompt)
        meta, meta_notes = self.scrub(sample.meta)
        answer = self._text(sample.answer, notes)
        notes |= prompt_notes | meta_notes
        if not isinstance(prompt, dict):  # only a non-dict prompt: keep the type the store expects
            prompt = {"prompt": prompt}
        if not isinstance(meta, dict):
            meta = {"meta": meta}
        if notes:
            meta = {**meta, "redaction": sorted(notes)}
        return sample.model_copy(update={"prompt": prompt, "answer": answer, "meta": meta})

    def __repr__(self) -> str:
        return f"Redactor({list(self.kinds)!r})"


def _keyed_value(kind: RedactKind, value: str) -> bool:
    if kind == "password":
        return _password_like(value, quoted=True, last_on_line=True)
    return _secret_like(value, quoted=True)


def _windows(text: str) -> Iterator[tuple[int, str]]:
    """`text` in windows of `WINDOW` characters that overlap by `OVERLAP`, each starting after
    whitespace where there is some near, so a window rarely begins inside a word."""
    if len(text) <= WINDOW + OVERLAP:
        yield 0, text
        return
    start = 0
    while start < len(text):
        yield start, text[start : start + WINDOW + OVERLAP]
        if start + WINDOW + OVERLAP >= len(text):
            return
        nominal = start + WINDOW
        space = max(text.rfind(" ", nominal - 256, nominal), text.rfind("\n", nominal - 256, nominal))
        start = space + 1 if space > start else nominal
