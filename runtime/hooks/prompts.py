"""The decision prompts: ElizaOS's own SHOULD_RESPOND and MESSAGE_HANDLER templates, filled.

Each ElizaOS runtime has its own text, and a fine-tuned model should see the prompt its agent
sends: `runtime` picks the templates (`templates/<name>.<runtime>.j2`, each word for word):

    "python-2.0"  the `elizaos` Python package 2.0.0a5 (the default: the hooks are for Python agents)
    "ts-1.7"      TypeScript `@elizaos/core` 1.7.x (its message handler has no `<params>` section)

`should_respond_prompt` and `plan_prompt` build the providers that runtime would (what came before,
the actions, the state, and the message last, under the runtime's own heading: `# Current Message`
for Python, bootstrap's `# Received Message` and `# Focus your response` for TS); `render_*` fill
the templates with providers already built.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Literal, get_args

import jinja2

from controlplane import templating
from runtime.hooks.types import Actions, AgentState, Context

ElizaRuntime = Literal["python-2.0", "ts-1.7"]
RUNTIMES: tuple[ElizaRuntime, ...] = get_args(ElizaRuntime)
DEFAULT_RUNTIME: ElizaRuntime = "python-2.0"


@cache
def _templates() -> jinja2.Environment:
    """The prompt templates: the one place that knows where they are kept."""
    return jinja2.Environment(
        loader=templating.loader(),  # the shipped templates/, wherever reasoning is installed
        autoescape=False,  # prompts, not HTML: the model must see exactly what ElizaOS sends
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )


def checked_runtime(runtime: str) -> ElizaRuntime:
    """`runtime` if it names one whose templates ship, else a ValueError that lists them."""
    for known in RUNTIMES:
        if runtime == known:
            return known
    raise ValueError(f"unknown ElizaOS runtime {runtime!r}: expected one of {', '.join(RUNTIMES)}")


def _render(name: str, runtime: ElizaRuntime, agent_name: str, providers: str) -> str:
    template = _templates().get_template(f"{name}.{checked_runtime(runtime)}.j2")
    return template.render(agent_name=agent_name, providers=providers)


def render_should_respond(agent_name: str, providers: str, runtime: ElizaRuntime = DEFAULT_RUNTIME) -> str:
    """`runtime`'s SHOULD_RESPOND_TEMPLATE (TS: shouldRespondTemplate), filled."""
    return _render("should_respond", runtime, agent_name, providers)


def render_message_handler(agent_name: str, providers: str, runtime: ElizaRuntime = DEFAULT_RUNTIME) -> str:
    """`runtime`'s MESSAGE_HANDLER_TEMPLATE (TS: messageHandlerTemplate), filled."""
    return _render("message_handler", runtime, agent_name, providers)


def current_message(message: str, sender: str = "User", runtime: ElizaRuntime = DEFAULT_RUNTIME) -> str:
    """The message being decided on, last in the providers, as `runtime` shows it: Python's
    `# Current Message`, or TS bootstrap's `# Received Message` and `# Focus your response`
    (RECENT_MESSAGES provider, @elizaos/plugin-bootstrap 1.7.2)."""
    if checked_runtime(runtime) == "ts-1.7":
        return (
            f"# Received Message\n{sender}: {message}\n\n# Focus your response\n"
            f"You are replying to the above message from **{sender}**. Keep your answer relevant to that "
            "message. Do not repeat earlier replies unless the sender asks again."
        )
    return f"# Current Message\n{sender}: {message}"


def conversation(context: Context) -> str:
    if isinstance(context, str):
        return context.strip()
    lines = [f"{turn[0]}: {turn[1]}" if isinstance(turn, tuple) else turn for turn in context]
    return "# Conversation Messages\n" + "\n".join(lines) if lines else ""


def actions_block(actions: Actions) -> str:
    """The available actions as ElizaOS's ACTIONS provider lists them (the current message
    handler template has no `{{actionNames}}`: actions reach the model through the providers)."""
    names = list(actions)
    if not names:
        return ""
    text = "Possible response actions: " + ", ".join(names)
    if isinstance(actions, Mapping):
        text += "\n\n# Available Actions\n" + "\n".join(f"- **{name}**: {actions[name]}" for name in names)
    return text


def state_block(state: AgentState) -> str:
    if isinstance(state, str):
        return state.strip()
    return "\n".join(
        f"{name}: {value if isinstance(value, str) else json.dumps(value)}" for name, value in state.items()
    )


def _join(*blocks: str) -> str:
    return "\n\n".join(block for block in blocks if block)


def should_respond_prompt(
    message: str,
    context: Context = "",
    *,
    agent_name: str,
    sender: str = "User",
    runtime: ElizaRuntime = DEFAULT_RUNTIME,
) -> str:
    """The should-respond prompt for `message`: what came before it, then the message."""
    providers = _join(conversation(context), current_message(message, sender, runtime))
    return render_should_respond(agent_name, providers, runtime)


def plan_prompt(
    message: str,
    state: AgentState = "",
    actions: Actions = ("REPLY", "IGNORE"),
    *,
    agent_name: str,
    sender: str = "User",
    runtime: ElizaRuntime = DEFAULT_RUNTIME,
) -> str:
    """The planning prompt for `message`: the actions (as ElizaOS's ACTIONS provider lists them
    first), the state, then the message."""
    providers = _join(actions_block(actions), state_block(state), current_message(message, sender, runtime))
    return render_message_handler(agent_name, providers, runtime)
