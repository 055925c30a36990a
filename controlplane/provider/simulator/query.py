"""List queries of Together's v2 API as the simulator plays them: `limit`, `after`, `orderBy`, `filter`.

The list routes of `world` hand their resources here, with the fields a filter may name, and get
one page back. Cursors are opaque to clients but simply encode the sort key of the last item
returned, so a page stays correct when items before it are deleted between two calls. Malformed
input is refused the way Together refuses it: a 400 naming the parameter.

Filter grammar (the subset of Together's that the simulator understands):

    expression := term ("OR" term)*          term := factor ("AND" factor)*
    factor     := "NOT" factor | "(" expression ")" | FIELD OP VALUE
    OP         := "=" | "!=" | ":" | "<" | "<=" | ">" | ">="

`:` is substring match; `=` and `!=` accept `*` as a prefix/suffix wildcard; `name` values may be
qualified (`<slug>/<name>`): only the last path segment is compared. Time fields take RFC 3339.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from controlplane.provider.simulator.protocol import ApiError, bad_request

T = TypeVar("T")
Key = tuple[str | int, ...]
Predicate = Callable[[T], bool]

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
ORDER_FIELDS = ("created_at", "updated_at")


# -- pages -------------------------------------------------------------------------------------


def paginate(
    items: Sequence[T], key: Callable[[T], Key], query: Mapping[str, str], *, descending: bool = False
) -> tuple[list[T], str | None]:
    """One page of `items` in `key` order, and the cursor of the next page (None on the last)."""
    limit = _limit(query.get("limit"))
    ordered = sorted(items, key=key, reverse=descending)
    after = query.get("after")
    if after:
        last = _decode_cursor(after)
        try:
            ordered = [item for item in ordered if (key(item) < last if descending else key(item) > last)]
        except TypeError:  # a cursor minted by another list, whose key has other types
            raise bad_request("invalid cursor", param="after") from None
    page = ordered[:limit]
    return page, (_encode_cursor(key(page[-1])) if len(ordered) > limit else None)


def order(query: Mapping[str, str]) -> tuple[str, bool]:
    """`orderBy` as (field, descending); created_at ascending when absent."""
    words = query.get("orderBy", "").split()
    if not words:
        return "created_at", False
    if words[0] not in ORDER_FIELDS or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
        raise bad_request(
            f"invalid orderBy {query['orderBy']!r}: use created_at or updated_at, optionally asc or desc",
            param="orderBy",
        )
    return words[0], len(words) == 2 and words[1].lower() == "desc"


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise bad_request(f"limit must be an integer, not {raw!r}", param="limit") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_request(f"limit must be between 1 and {MAX_LIMIT}, not {limit}", param="limit")
    return limit


def _encode_cursor(key: Key) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> Key:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise bad_request("invalid cursor", param="after") from None
    if not isinstance(decoded, list) or not all(isinstance(part, str | int) for part in decoded):
        raise bad_request("invalid cursor", param="after")
    return tuple(decoded)


# -- filters -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextField(Generic[T]):
    read: Callable[[T], str]


@dataclass(frozen=True)
class TimeField(Generic[T]):
    read: Callable[[T], datetime]


Field = TextField[T] | TimeField[T]

_TOKEN = re.compile(
    r'\s*(?:(?P<paren>[()])|(?P<op><=|>=|!=|=|<|>|:)|"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<word>[^\s()<>=!:"]+))'
)
_KEYWORDS = ("AND", "OR", "NOT")


@dataclass(frozen=True)
class _Token:
    kind: str  # paren | op | value | word
    text: str


def compile_filter(expression: str, fields: Mapping[str, Field[T]]) -> Predicate[T]:
    """A predicate for `expression`, which may name only `fields`; a 400 when it cannot be read."""
    parser = _Parser(_tokens(expression), fields, expression)
    predicate = parser.expression()
    leftover = parser.peek()
    if leftover is not None:
        raise parser.error(f"unexpected {leftover.text!r}")
    return predicate


def _tokens(expression: str) -> list[_Token]:
    tokens, position = [], 0
    while position < len(expression.rstrip()):
        match = _TOKEN.match(expression, position)
        if match is None:
            raise bad_request(f"invalid filter expression {expression!r}", param="filter")
        position = match.end()
        kind = match.lastgroup or ""
        if kind == "quoted":
            tokens.append(_Token("value", re.sub(r"\\(.)", r"\1", match["quoted"])))
        else:
            tokens.append(_Token(kind, match[kind]))
    return tokens


class _Parser(Generic[T]):
    """Recursive descent over the grammar in the module docstring."""

    def __init__(self, tokens: list[_Token], fields: Mapping[str, Field[T]], source: str) -> None:
        self.tokens, self.fields, self.source, self.position = tokens, fields, source, 0

    def error(self, why: str) -> ApiError:
        return bad_request(f"invalid filter expression {self.source!r}: {why}", param="filter")

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise self.error("it ends too early")
        self.position += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "word" and token.text.upper() == word:
            self.position += 1
            return True
        return False

    def expression(self) -> Predicate[T]:
        terms = [self.term()]
        while self.keyword("OR"):
            terms.append(self.term())
        return terms[0] if len(terms) == 1 else (lambda item: any(term(item) for term in terms))

    def term(self) -> Predicate[T]:
        factors = [self.factor()]
        while self.keyword("AND"):
            factors.append(self.factor())
        return factors[0] if len(factors) == 1 else (lambda item: all(factor(item) for factor in factors))

    def factor(self) -> Predicate[T]:
        if self.keyword("NOT"):
            inner = self.factor()
            return lambda item: not inner(item)
        token = self.take()
        if token.kind == "paren" and token.text == "(":
            inner = self.expression()
            if self.take().text != ")":
                raise self.error("missing ')'")
            return inner
        if token.kind != "word" or token.text.upper() in _KEYWORDS:
            raise self.error(f"expected a field name, found {token.text!r}")
        field = self.fields.get(token.text)
        if field is None:
            raise self.error(f"unknown field {token.text!r}; known: {', '.join(self.fields)}")
        op = self.take()
        if op.kind != "op":
            raise self.error(f"expected an operator after {token.text!r}")
        value = self.take()
        if value.kind not in ("value", "word"):
            raise self.error(f"expected a value after {token.text} {op.text}")
        return self.comparison(token.text, field, op.text, value.text)

    def comparison(self, name: str, field: Field[T], op: str, value: str) -> Predicate[T]:
        if isinstance(field, TimeField):
            return self.time_comparison(field, op, value)
        read = field.read
        if name == "name":
            value = value.rsplit("/", 1)[-1]  # `<slug>/<endpoint>` and bare names mean the same
        if op == ":":
            return lambda item: value in read(item)
        if op in ("=", "!="):
            pattern = re.compile(".*".join(re.escape(part) for part in value.split("*")))
            wanted = op == "="
            return lambda item: bool(pattern.fullmatch(read(item))) == wanted
        return _ordering(read, op, value)

    def time_comparison(self, field: TimeField[T], op: str, value: str) -> Predicate[T]:
        if op == ":":
            raise self.error("':' compares text, not timestamps")
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise self.error(f"{value!r} is not an RFC 3339 timestamp") from None
        if moment.tzinfo is None:
            raise self.error(f"{value!r} has no time zone")
        read = field.read
        if op in ("=", "!="):
            wanted = op == "="
            return lambda item: (read(item) == moment) == wanted
        return _ordering(read, op, moment)


_CompareT = TypeVar("_CompareT", str, datetime)


def _ordering(read: Callable[[T], _CompareT], op: str, value: _CompareT) -> Predicate[T]:
    compare: dict[str, Callable[[_CompareT, _CompareT], bool]] = {
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }
    check = compare[op]
    return lambda item: check(read(item), value)
