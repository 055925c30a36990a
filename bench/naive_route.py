"""The original service's routing rule, reproduced for comparison: `bench/routing_eval.py` and the
routing tests measure `runtime.routing` against it on labeled traffic. Not part of the product.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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


def naive_route(body: Mapping[str, Any], api: str) -> bool:
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
