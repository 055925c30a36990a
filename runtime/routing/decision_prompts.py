"""Which ElizaOS decision prompt (if any) a request carries: asked by the router for `model_map`.

A fine-tuned should-respond model answers should-respond prompts, a planning model message-handler
prompts; an agent also sends reflection, summaries and object generation on the same model names,
which those models cannot answer. So a request `proxy.model_map` sends to a role goes there only
when it carries a prompt of a kind the role takes (`proxy.model_map_prompts`; by default
should_respond takes `should_respond`, planning `message_handler`, any other role anything),
else to the fallback upstream, "fallback: not a <role> prompt".

The prompts are recognised by their template's structure, outside `<providers>` (whatever the
providers carry: a conversation may quote a template): the task line the prompt opens with, the
instructions and the output format of ElizaOS's SHOULD_RESPOND and MESSAGE_HANDLER templates, as both runtimes send
them (TS `@elizaos/core` 1.7.x; Python `elizaos` 2.0.0a5, whose message handler is wrapped in
validation codes and leaves `{{agentName}}` unfilled). A request in JSON mode (`response_format`)
asks for JSON, never a decision's XML. Pure and cheap: a few substring searches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from runtime.wire.api import Api

Kind = Literal["should_respond", "message_handler"]
#: What a role takes through model_map when the manifest does not say (roles not listed: anything).
DEFAULT_PROMPTS: Mapping[str, frozenset[str]] = {
    "should_respond": frozenset({"should_respond"}),
    "planning": frozenset({"message_handler"}),
}
ANY = "any"

_SIGNATURES: dict[Kind, tuple[re.Pattern[str], ...]] = {
    "should_respond": (
        re.compile(
            r"\A\s*(?:initial code: [0-9a-f-]+\n)?<task>Decide on behalf of [^\n]+ whether they should respond "
            r"to the message, ignore it or stop the conversation\.</task>"
        ),
        re.compile(r"<instructions>Decide if [^\n]+ should respond to or interact with the conversation\."),
        re.compile(r"<action>RESPOND \| IGNORE \| STOP</action>"),
    ),
    "message_handler": (
        re.compile(
            r"\A\s*(?:initial code: [0-9a-f-]+\n)?<task>Generate dialog and actions for the character [^\n]+\.</task>"
        ),
        re.compile(r"Write a thought and plan for [^\n]+ and decide what actions to take\."),
        re.compile(r"<actions>ACTION1,ACTION2</actions>"),
    ),
}
_PROVIDERS = re.compile(r"<providers>\n.*\n</providers>\n", re.DOTALL)


def kind_of(api: Api, body: Mapping[str, Any]) -> Kind | None:
    """The decision prompt `body` carries, or None (JSON mode, another prompt, no text at all)."""
    if body.get("response_format") is not None or _json_mode(body.get("text")):
        return None
    return prompt_kind(prompt_text(api, body))


def prompt_kind(prompt: str) -> Kind | None:
    """The decision template `prompt` was rendered from, by its structure outside `<providers>`."""
    # Greedy: from the template's <providers> to the last </providers>, so a quoted template in a
    # conversation is never taken for the prompt's own.
    skeleton = _PROVIDERS.sub("", prompt, count=1)
    for kind, signature in _SIGNATURES.items():
        if all(pattern.search(skeleton) for pattern in signature):
            return kind
    return None


def accepts(role: str, kind: Kind | None, configured: Mapping[str, frozenset[str]]) -> bool:
    """Whether `role` takes a request carrying `kind` (None: not a decision prompt) through model_map."""
    taken = configured.get(role, DEFAULT_PROMPTS.get(role))
    if taken is None or ANY in taken:
        return True
    return kind is not None and kind in taken


def prompt_text(api: Api, body: Mapping[str, Any]) -> str:
    """The text of the last user turn, in whichever API's shape: chat completions' `messages`,
    Anthropic's `messages` (string or text blocks), the Responses API's `input`."""
    turns = body.get("messages")
    if not isinstance(turns, list):
        turns = body.get("input")
        if isinstance(turns, str):
            return turns
    if not isinstance(turns, list):
        return ""
    users = [t for t in turns if isinstance(t, Mapping) and t.get("role", "user") == "user"]
    return _text(users[-1].get("content")) if users else ""


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, Mapping) and part.get("type") in ("text", "input_text")
        )
    return ""


def _json_mode(text: Any) -> bool:
    """The Responses API's JSON mode: `text: {format: {type: json_object | json_schema}}`."""
    if not isinstance(text, Mapping):
        return False
    form = text.get("format")
    return isinstance(form, Mapping) and form.get("type") in ("json_object", "json_schema")
