"""The decision prompts: ElizaOS's own SHOULD_RESPOND and MESSAGE_HANDLER templates, filled.

`should_respond_prompt` and `plan_prompt` build the providers ElizaOS would (what came before, the
actions, the state, and the message last: models, and the simulator, read the last line of
`<providers>` as what was just said); `render_*` fill the templates with providers already built.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache

import jinja2

from controlplane import templating
from runtime.hooks.types import Actions, AgentState, Context


@cache
def _templates() -> jinja2.Environment:
    """The prompt templates: the one place that knows where they are kept."""
    return jinja2.Environment(
        loader=templating.loader(),  # the shipped templates/, wherever reasoning is installed
        autoescape=False,  # prompts, not HTML: the model must see exactly what ElizaOS sends
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )


def render_should_respond(agent_name: str, providers: str) -> str:
    """ElizaOS's SHOULD_RESPOND_TEMPLATE, filled."""
    return _templates().get_template("should_respond.j2").render(agent_name=agent_name, providers=providers)


def render_message_handler(agent_name: str, providers: str) -> str:
    """ElizaOS's MESSAGE_HANDLER_TEMPLATE, filled."""
    return _templates().get_template("message_handler.j2").render(agent_name=agent_name, providers=providers)


def current_message(message: str, sender: str = "User") -> str:
    """The message being decided on, last in the providers: models (and the simulator) read the
    last line of `<providers>` as what was just said."""
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


def should_respond_prompt(message: str, context: Context = "", *, agent_name: str, sender: str = "User") -> str:
    """The should-respond prompt for `message`: what came before it, then the message."""
    return render_should_respond(agent_name, _join(conversation(context), current_message(message, sender)))


def plan_prompt(
    message: str,
    state: AgentState = "",
    actions: Actions = ("REPLY", "IGNORE"),
    *,
    agent_name: str,
    sender: str = "User",
) -> str:
    """The planning prompt for `message`: the actions (as ElizaOS's ACTIONS provider lists them
    first), the state, then the message."""
    providers = _join(actions_block(actions), state_block(state), current_message(message, sender))
    return render_message_handler(agent_name, providers)
