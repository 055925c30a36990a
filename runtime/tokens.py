"""Token estimates, the one rule of thumb for every count the runtime needs before a model gives
its own: a request's size for routing's `max_input_tokens`, the input a budget reservation holds,
and the output of a stream whose model reported no usage.

About four characters a token for English and code with GPT/Claude-style tokenizers (off by 10-30 %,
more for CJK text, which it undercounts). Pure and cheap: lengths only, never the bytes themselves.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

CHARS_PER_TOKEN = 4  # the usual rule of thumb for English and code with GPT/Claude tokenizers
IMAGE_TOKENS = 1600  # Anthropic's ceiling for one image; OpenAI's high-detail tiles come to about as much
MESSAGE_TOKENS = 4  # role and separators per message


def chars_to_tokens(chars: int) -> int:
    """Tokens in `chars` characters of text, rounded up."""
    return -(-chars // CHARS_PER_TOKEN)


def estimate_input_tokens(body: Mapping[str, Any], api: str) -> int:
    """A cheap upper-ish estimate of a request's input tokens, in either API's shape.

    Characters of every string in system, messages and tools (keys of tool schemas included) over
    four, plus four per message and 1,600 per image; base64 payloads are counted as images, not as
    text. It reads lengths only, so a 10 MB body costs a walk over its structure, not over its bytes.
    Both APIs' shapes are walked alike (`api` says which one the body is in).
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
    return chars_to_tokens(chars) + MESSAGE_TOKENS * count + IMAGE_TOKENS * images


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
