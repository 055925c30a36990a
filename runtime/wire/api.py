"""The two APIs the runtime speaks to clients: Anthropic Messages and OpenAI chat completions.

Every module that answers in one API's shape (translation, answers, errors, metrics, routing)
names it with this one type."""

from __future__ import annotations

from typing import Any, Literal

Api = Literal["anthropic", "openai"]
#: A parsed JSON object as the wire modules pass it around.
JSON = dict[str, Any]
