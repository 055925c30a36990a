"""Scrubbing secrets and personal data out of what the runtime records.

The recorder runs every training sample (prompt, answer, meta) and every usage reason through a
`Redactor` built from `training_data.redact` before anything reaches the store; a match becomes
`[REDACTED:<kind>]`. Kinds run in a fixed order, most specific first, so a key is gone before its
digits could look like a phone number.

What is deliberately left alone, because agents' traffic is full of it and it identifies nobody:
- UUIDs, git hashes and other bare hex ids in running text: they are how code and logs name
  things. A long hex or base64 value is redacted only as the value of a secret-named key
  (`token=`, `"client_secret": ...`, `PASSWORD:`), never on its shape alone.
- Version strings (`1.2.3`, `v10.0.19041.1`, `lodash@4.17.21`), dates and times (`2026-11-24`,
  `09:00:00`), prices (`$1,234.56`) and plain integers, epoch timestamps included: a phone number
  needs a leading `+` or the US shape `(555) 123-4567` / `555-123-4567`; a bare run of digits is
  never one, so "call 5551234567" is missed on purpose.
- Loopback and unspecified addresses (`127.0.0.1`, `0.0.0.0`, `::1`): they are in every config.
  Four dotted numbers of at most 255 are an address, so a four-part version such as `2.0.0.1` is
  redacted as one unless written `v2.0.0.1`.
- Code: `api_key=os.environ["KEY"]`, `password = get_password()`, `max_tokens=1024`, decorators
  and `a @ b`. A secret-named key's value is redacted when quoted, or when it is a run of 8+
  letters and digits with both kinds (or 32+ characters) and no dot, so `token = self.token` stays.
- Dictionary keys: they are field names (`content`, `role`); only values are scrubbed.

Speed: samples are redacted on the recorder's thread, but that thread shares the GIL with the
proxy's event loop, so every pattern starts with a literal or a narrow class (with any boundary
check as a lookbehind after it): `re` then skips ahead with a fast scan instead of trying every
position, about 0.1 ms per 20 KB of code for each pattern.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

from controlplane.manifest.schema import RedactKind

#: One rule: text in, text out.
Rule = Callable[[str], str]

ORDER: tuple[RedactKind, ...] = ("api_key", "token", "email", "credit_card", "ip_address", "phone")


def _marker(kind: str) -> str:
    return f"[REDACTED:{kind}]"


def _spellings(*words: str) -> list[str]:
    """How a key name made of `words` is written: snake, kebab, joined, camel, Pascal, upper."""
    lower = [w.lower() for w in words]
    title = [w.capitalize() for w in lower]
    forms = {
        "_".join(lower),
        "-".join(lower),
        "".join(lower),
        lower[0] + "".join(title[1:]),
        "".join(title),
        "-".join(title),
        "_".join(lower).upper(),
        "".join(lower).upper(),
    }
    return sorted(forms, key=len, reverse=True)


def _one_of(names: Iterable[str]) -> str:
    # Plain alternatives that each start with a literal: `re` turns their first letters into a
    # fast prefix scan, which a character class or IGNORECASE would prevent.
    return "(?:" + "|".join(re.escape(name) for name in sorted(set(names), key=len, reverse=True)) + ")"


# A secret-named key, its separator (JSON, YAML, env, query string or header) and its value:
# anything in quotes, or a bare word that ends at whitespace, a quote or closing punctuation:
# `get_password()` and `environ["KEY"]` go on with `(` or `[`, so code does not match.
_SEP = r"""["']?\s*[:=]\s*"""
_VALUE = (
    r"""(?:(?P<quote>["'])(?P<quoted>[^"'\\\n]{1,256})(?P=quote)"""
    r"""|(?P<bare>[A-Za-z0-9._~+/=:!@#$%^*-]+)(?=$|[\s"',;&)}\]>]))"""
)

_API_KEY_NAMES = _one_of(
    name
    for words in (("api", "key"), ("api", "secret"), ("api", "token"), ("access", "key"), ("access", "key", "id"))
    for name in _spellings(*words)
)
# A name must end at the secret word: `max_tokens` and `token_count` are not keys.
_SECRET_NAMES = _one_of(
    name
    for words in (
        ("token",),
        ("secret",),
        ("secret", "key"),
        ("password",),
        ("passwd",),
        ("passphrase",),
        ("pwd",),
        ("credential",),
        ("credentials",),
        ("private", "key"),
        ("session", "id"),
        ("cookie",),
        ("signature",),
    )
    for name in _spellings(*words)
)


def _secret_like(value: str, quoted: bool) -> bool:
    """Whether the value of a secret-named key is a secret rather than code or a placeholder."""
    if len(value) >= 32 or (quoted and len(value) >= 4):
        return True
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    return len(value) >= 8 and has_digit and has_alpha and "." not in value


def _keyed(kind: str, names: str) -> Rule:
    pattern = re.compile(rf"(?P<key>{names}(?![\w]){_SEP}){_VALUE}")
    marker = _marker(kind)

    def replace(match: re.Match[str]) -> str:
        quote = match.group("quote") or ""
        if not _secret_like(match.group("quoted") or match.group("bare"), bool(quote)):
            return match.group(0)
        return f"{match.group('key')}{quote}{marker}{quote}"

    return partial(pattern.sub, replace)


def _whole(kind: str, pattern: str) -> Rule:
    return partial(re.compile(pattern).sub, _marker(kind))


def _credential(kind: str, pattern: str) -> Rule:
    """Keep `(?P<key>...)`, the header and scheme, and redact the credential after it."""
    marker = _marker(kind)
    return partial(re.compile(pattern).sub, lambda match: f"{match.group('key')}{marker}")


def _checked(pattern: str, keep: Callable[[str], bool], kind: str) -> Rule:
    """Redact the matches that `keep` does not vouch for: Luhn, digit counts, real addresses."""
    marker = _marker(kind)
    return partial(re.compile(pattern).sub, lambda match: match.group(0) if keep(match.group(0)) else marker)


def _lead(literal: str, before: str = r"[\w-]") -> str:
    """`literal`, not preceded by `before`: the lookbehind comes after the literal, so the
    pattern still starts with it and `re` can scan for it fast."""
    escaped = re.escape(literal)
    return f"{escaped}(?<!{before}{escaped})"


def _not_card(text: str) -> bool:
    digits = text.replace(" ", "").replace("-", "")
    if not 13 <= len(digits) <= 19:
        return True
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 != 0


def _not_address(text: str) -> bool:
    if ":" in text and not any(c.isdigit() for c in text):
        return True  # `ab::cd` is more likely a path in Rust or C++ than an address
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return True
    return address.is_loopback or address.is_unspecified


def _not_phone(text: str) -> bool:
    return not 8 <= sum(c.isdigit() for c in text) <= 15


_EMAIL_DOMAIN = re.compile(r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+-]*\Z")


def _emails(text: str) -> str:
    """Found from the `@` outwards: a pattern that starts at the local part would try every
    letter of the text. The top-level domain is letters only, so `lodash@4.17.21` is a pin."""
    if "@" not in text:
        return text
    pieces: list[str] = []
    done = 0
    for domain in _EMAIL_DOMAIN.finditer(text):
        at = domain.start()
        local = _EMAIL_LOCAL.search(text, max(done, at - 256), at)
        if local is None:
            continue
        pieces += [text[done : local.start()], "[REDACTED:email]"]
        done = domain.end()
    return "".join(pieces) + text[done:] if pieces else text


_HEX = frozenset("0123456789abcdefABCDEF")
_V6_TAIL = re.compile(r":[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){1,7}(?![\w:])")


def _ipv6(text: str) -> str:
    """Found from the first `:` outwards, for the same reason as emails."""
    if ":" not in text:
        return text
    pieces: list[str] = []
    done = 0
    for tail in _V6_TAIL.finditer(text):
        start = tail.start()
        while start > max(done, tail.start() - 4) and text[start - 1] in _HEX:
            start -= 1
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_:."):
            continue
        if _not_address(text[start : tail.end()]):
            continue
        pieces += [text[done:start], "[REDACTED:ip_address]"]
        done = tail.end()
    return "".join(pieces) + text[done:] if pieces else text


_VENDOR_KEYS = "|".join(
    (
        _lead("sk-") + r"(?=[\w-]*\d)(?:ant-|proj-)?[A-Za-z0-9_-]{20,}",  # OpenAI, Anthropic; a digit: not CSS
        _lead("sk_") + r"(?:live|test)_[A-Za-z0-9]{16,}",  # Stripe
        _lead("rk_") + r"(?:live|test)_[A-Za-z0-9]{16,}",
        _lead("AKIA") + r"[0-9A-Z]{16}",  # AWS access key ids
        _lead("ASIA") + r"[0-9A-Z]{16}",
        _lead("gh") + r"[pousr]_[A-Za-z0-9]{36,}",  # GitHub
        _lead("github_pat_") + r"[A-Za-z0-9_]{22,}",
        _lead("xox") + r"[abposr]-[A-Za-z0-9-]{10,}",  # Slack
        _lead("tgp_v") + r"\d+_[A-Za-z0-9_-]{16,}",  # Together
        _lead("AIza") + r"[0-9A-Za-z_-]{35}",  # Google
        _lead("hf_") + r"[A-Za-z0-9]{30,}",  # Hugging Face
        _lead("glpat-") + r"[A-Za-z0-9_-]{20,}",  # GitLab
    )
)
_AUTHORIZATION = (
    r"(?P<key>" + _one_of(("Authorization", "authorization", "AUTHORIZATION")) + r"""["']?\s*[:=]\s*["']?"""
    r"(?:(?:Bearer|bearer|Basic|basic|Token|token|ApiKey|Key)\s+)?)(?P<value>[A-Za-z0-9._~+/=-]{8,})"
)
# A card as one run of digits, or grouped as cards print them: 4-4-4-4, 4-6-5 (Amex), 4-6-4
# (Diners). The first digit is the issuer's (2-6: Mastercard, Amex, Visa, Discover, JCB...),
# which keeps millisecond timestamps (1...) out.
_CARD = r"[2-6](?<![\w.,-][2-6])(?:\d{12,18}|\d{3}([ -])\d{4,6}\1\d{4,5}(?:\1\d{1,4})?)(?![\w]|[.,-]\d)"
_END = r"(?![\w]|[.-]\d)"  # not followed by more of a number or a version

RULES: dict[RedactKind, tuple[Rule, ...]] = {
    "api_key": (
        _whole("api_key", f"(?:{_VENDOR_KEYS})(?![\\w-])"),
        _credential("api_key", _AUTHORIZATION),
        _keyed("api_key", _API_KEY_NAMES),
    ),
    "token": (
        # JWT: header and payload are base64url JSON, so both start with `eyJ` ({")
        _whole("token", _lead("eyJ") + r"[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
        _credential("token", r"(?P<key>" + _lead("Bearer", r"\w") + r"\s+)(?P<value>[A-Za-z0-9._~+/=-]{16,})"),
        _keyed("token", _SECRET_NAMES),
    ),
    "email": (_emails,),
    "credit_card": (_checked(_CARD, _not_card, "credit_card"),),
    "ip_address": (
        # Validated octets, then `ipaddress` for what it identifies; a fifth part means a version.
        _checked(r"\d(?<![\w.]\d)\d{0,2}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\w]|\.\d)", _not_address, "ip_address"),
        _ipv6,
    ),
    "phone": (
        # International: `+`, then 8 to 15 digits grouped by spaces, dots, dashes or brackets.
        _checked(_lead("+", r"[\w+]") + r"\d(?:[ .()-]{0,2}\d){6,14}" + _END, _not_phone, "phone"),
        # US: (555) 123-4567, 1-800-555-1234, 1 (800) 555-1234, 555-123-4567, 555.123.4567.
        _checked(
            "(?:"
            + _lead("(", r"[\w+.-]")
            + r"\d{3}\)[ ]?\d{3}[ .-]\d{4}"
            + "|"
            + r"1(?<![\w+.-]1)[ .-]?(?:\(\d{3}\)[ ]?|\d{3}[ .-])\d{3}[ .-]\d{4}"
            + "|"
            + r"\d(?<![\w+.-]\d)\d{2}[ .-]\d{3}[ .-]\d{4}"
            + ")"
            + _END,
            _not_phone,
            "phone",
        ),
    ),
}


class Redactor:
    """`Redactor(["email"]).text("mail a@b.io")` -> `mail [REDACTED:email]`; see the module doc."""

    def __init__(self, kinds: Sequence[RedactKind]) -> None:
        unknown = sorted(set(kinds) - set(RULES))
        if unknown:
            raise ValueError(f"unknown redaction kind(s): {', '.join(unknown)}; known: {', '.join(ORDER)}")
        self.kinds: tuple[RedactKind, ...] = tuple(kind for kind in ORDER if kind in kinds)
        self._rules = [rule for kind in self.kinds for rule in RULES[kind]]

    def text(self, text: str) -> str:
        if len(text) < 6:  # the shortest thing redacted is an email such as a@b.io
            return text
        for rule in self._rules:
            text = rule(text)
        return text

    def value(self, value: Any) -> Any:
        """A copy of a JSON-like value (a request, an answer) with every string in it scrubbed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(item) for item in value]
        return value

    def __repr__(self) -> str:
        return f"Redactor({list(self.kinds)!r})"
