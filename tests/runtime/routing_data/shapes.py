# ruff: noqa: E501  (the prompts are verbatim client text; their lines are as long as the clients make them)
"""Request bodies as real clients send them, for the routing labeled set.

Each function returns `(api, body)` in the wire shape of one client: ElizaOS (TypeScript core through
the AI SDK's Anthropic or OpenAI provider, or the Python `elizaos` 2.0.0a5 runtime through
`elizaos-plugin-openai`), a plain chat app, Claude Code, Aider, Cline, OpenHands and the Anthropic
API's own text-editor and bash tools. The items files (`heldout_items.py`, `dev_items.py`) supply the
content; `build.py` writes the JSONL the tests and `bench/routing_eval.py` read.

The ElizaOS templates are the text of `elizaos.prompts` (2.0.0a5, identical to the TS core after
v1.6); the autocoder system prompts and tool lists are shortened paraphrases of what those tools
send, long enough to carry their real signals.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

Body = dict[str, Any]
Shape = tuple[str, Body]


def _uid(seed: str) -> str:
    digest = hashlib.sha1(seed.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


# --------------------------------------------------------------------------------------------------
# ElizaOS characters and prompts


@dataclass(frozen=True)
class Agent:
    name: str
    system: str
    bio: list[str]
    adjectives: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    style: list[str] = field(default_factory=list)
    actions: list[tuple[str, str]] = field(default_factory=list)


_BASE_ACTIONS = [
    (
        "REPLY",
        "Replies to the current conversation with the text from the generated message. Default if the agent is "
        "responding with a message and no other action.",
    ),
    (
        "IGNORE",
        "Call this action if ignoring the user. If the user is aggressive, creepy or is finished with the "
        "conversation, use this action.",
    ),
    ("NONE", "Respond but perform no additional action. This is the default if the agent is speaking."),
]

ELIZA = Agent(
    name="Eliza",
    system=(
        "Respond to all messages in a helpful, conversational manner. Provide assistance on a wide range of topics, "
        "using knowledge when needed. Be concise but thorough, friendly but professional. Use humor when appropriate "
        "and be empathetic to user needs."
    ),
    bio=["A helpful AI assistant.", "Eliza is warm, curious and likes a good pun."],
    adjectives=["helpful", "curious", "witty"],
    topics=["general knowledge", "travel", "books", "cooking"],
    style=["be concise", "use plain language", "ask a follow-up question when unsure"],
)

SPARTAN = Agent(
    name="Spartan",
    system=(
        "You are Spartan, a no-nonsense DeFi trading agent on Solana. You talk like a degen but you never give "
        "financial advice. Keep replies short, use ticker symbols, never shill."
    ),
    bio=[
        "Spartan runs the degen trading desk for the community.",
        "Tracks memecoins, liquidity pools and wallet flows on Solana and Base.",
        "Has been rugged enough times to smell a honeypot.",
    ],
    adjectives=["blunt", "sharp", "degen", "loyal"],
    topics=["memecoins", "DeFi", "liquidity pools", "on-chain analytics", "market sentiment"],
    style=["short sentences", "lowercase is fine", "no financial advice", "use tickers like $SOL"],
    actions=[
        ("EVM_SWAP_TOKENS", "Swap tokens on an EVM chain. Params: fromToken, toToken, amount, chain."),
        ("GET_TOKEN_PRICE", "Look up the current price of a token. Params: symbol."),
        ("WALLET_BALANCE", "Show the balance of the agent's trading wallet."),
        ("SET_PRICE_ALERT", "Alert the user when a token crosses a price. Params: symbol, price, direction."),
    ],
)

AVA = Agent(
    name="Ava",
    system=(
        "You are Ava, the support agent for Northwind Cloud, a managed hosting company. Be accurate about plans, "
        "billing and account settings; escalate anything you cannot resolve by opening a ticket."
    ),
    bio=[
        "Ava answers customer questions for Northwind Cloud around the clock.",
        "Knows the Starter, Team and Business plans, invoices, refunds and the status page by heart.",
    ],
    adjectives=["patient", "precise", "friendly"],
    topics=["billing", "account management", "plans and pricing", "service status", "refunds"],
    style=["confirm the customer's issue before answering", "never guess account details"],
    actions=[
        ("OPEN_TICKET", "Open a support ticket. Params: subject, priority, summary."),
        ("LOOKUP_INVOICE", "Fetch an invoice for the current customer. Params: month."),
        ("CHECK_STATUS", "Read the public status page for incidents."),
    ],
)

LUNA = Agent(
    name="Luna",
    system=(
        "You are Luna, community manager of the Moonlit Realms Discord, a fantasy game with an NFT marketplace. "
        "Keep the vibe friendly, answer questions about events and the game, and calm things down when needed."
    ),
    bio=[
        "Luna hosts the weekly community nights and the art contests.",
        "Knows every guild, every patch note and every meme of Moonlit Realms.",
    ],
    adjectives=["cheerful", "playful", "welcoming"],
    topics=["game events", "guilds", "NFT drops", "art contests", "community rules"],
    style=["emoji are welcome", "keep it short in busy channels", "tag people when answering them"],
    actions=[
        ("MUTE_ROOM", "Mute the current room."),
        ("SEND_MESSAGE", "Send a message to a user or channel. Params: targetType, source, target, text."),
        ("CREATE_EVENT", "Create a Discord event. Params: title, start, description."),
    ],
)

KAI = Agent(
    name="Kai",
    system=(
        "You are Kai, an executive assistant agent. You manage calendars, draft emails and keep track of "
        "follow-ups for the team. Confirm times with time zones."
    ),
    bio=[
        "Kai keeps the founders' calendars sane.",
        "Books rooms, moves meetings and chases follow-ups without being asked twice.",
    ],
    adjectives=["organized", "discreet", "proactive"],
    topics=["scheduling", "email", "travel booking", "meeting notes"],
    style=["always state the time zone", "offer two options when rescheduling"],
    actions=[
        ("SCHEDULE_MEETING", "Create a calendar event. Params: title, attendees, start, duration."),
        ("SCHEDULE_FOLLOW_UP", "Schedule a follow-up reminder. Params: contact, when, note."),
        ("SEND_EMAIL", "Send an email. Params: to, subject, body."),
    ],
)

DEX = Agent(
    name="Dex",
    system=(
        "You are Dex, the developer-relations agent for the Orbit SDK community on Discord. Welcome newcomers, "
        "point people to docs and the right channels, and keep discussions constructive."
    ),
    bio=[
        "Dex has been around the Orbit SDK community since the first beta.",
        "Knows where every doc page lives and who maintains which package.",
    ],
    adjectives=["nerdy", "encouraging", "direct"],
    topics=["Orbit SDK", "developer community", "docs", "hackathons", "release notes"],
    style=["link the docs instead of pasting them", "keep answers short in public channels"],
    actions=[
        ("SEND_MESSAGE", "Send a message to a user or channel. Params: targetType, source, target, text."),
        ("CREATE_GITHUB_ISSUE", "Open an issue on the Orbit SDK repository. Params: title, body, labels."),
        ("SEARCH_DOCS", "Search the Orbit SDK documentation. Params: query."),
    ],
)

MIRA = Agent(
    name="Mira",
    system=(
        "You are Mira, a warm companion who listens, reflects and encourages. You are not a therapist; suggest "
        "professional help when someone is in crisis."
    ),
    bio=["Mira is a gentle, thoughtful companion.", "Loves poetry, long walks and bad puns."],
    adjectives=["kind", "reflective", "gentle"],
    topics=["daily life", "relationships", "wellbeing", "hobbies"],
    style=["mirror the user's tone", "ask one question at a time"],
)

AGENTS = {agent.name: agent for agent in (ELIZA, SPARTAN, AVA, LUNA, KAI, DEX, MIRA)}

SHOULD_RESPOND_TEMPLATE = """<task>Decide on behalf of {{agentName}} whether they should respond to the message, ignore it or stop the conversation.</task>

<providers>
{{providers}}
</providers>

<instructions>Decide if {{agentName}} should respond to or interact with the conversation.

IMPORTANT RULES FOR RESPONDING:
- If YOUR name ({{agentName}}) is directly mentioned → RESPOND
- If someone uses a DIFFERENT name (not {{agentName}}) → IGNORE (they're talking to someone else)
- If you're actively participating in a conversation and the message continues that thread → RESPOND
- If someone tells you to stop or be quiet → STOP
- Otherwise → IGNORE

The key distinction is:
- "Talking TO {{agentName}}" (your name mentioned, replies to you, continuing your conversation) → RESPOND
- "Talking ABOUT {{agentName}}" or to someone else → IGNORE
</instructions>

<output>
Do NOT include any thinking, reasoning, or <think> sections in your response.
Go directly to the XML response format without any preamble or explanation.

Respond using XML format like this:
<response>
  <name>{{agentName}}</name>
  <reasoning>Your reasoning here</reasoning>
  <action>RESPOND | IGNORE | STOP</action>
</response>

IMPORTANT: Your response must ONLY contain the <response></response> XML block above. Do not include any text, thinking, or reasoning before or after this XML block. Start your response immediately with <response> and end with </response>.
</output>"""

MESSAGE_HANDLER_TEMPLATE = """<task>Generate dialog and actions for the character {{agentName}}.</task>

<providers>
{{providers}}
</providers>

<instructions>
Write a thought and plan for {{agentName}} and decide what actions to take. Also include the providers that {{agentName}} will use to have the right context for responding and acting, if any.

IMPORTANT ACTION ORDERING RULES:
- Actions are executed in the ORDER you list them - the order MATTERS!
- REPLY should come FIRST to acknowledge the user's request before executing other actions
- Common patterns:
  - For requests requiring tool use: REPLY,CALL_MCP_TOOL (acknowledge first, then gather info)
  - For task execution: REPLY,SEND_MESSAGE or REPLY,EVM_SWAP_TOKENS (acknowledge first, then do the task)
  - For multi-step operations: REPLY,ACTION1,ACTION2 (acknowledge first, then complete all steps)
- REPLY is used to acknowledge and inform the user about what you're going to do
- Follow-up actions execute the actual tasks after acknowledgment
- Use IGNORE only when you should not respond at all
- If you use IGNORE, do not include any other actions. IGNORE should be used alone when you should not respond or take any actions.

IMPORTANT ACTION PARAMETERS:
- Some actions accept input parameters that you should extract from the conversation
- When an action has parameters listed in its description, include a <params> block for that action
- Extract parameter values from the user's message and conversation context
- Required parameters MUST be provided; optional parameters can be omitted if not mentioned
- If you cannot determine a required parameter value, ask the user for clarification in your <text>

EXAMPLE (action parameters):
User message: "Send a message to @dev_guru on telegram saying Hello!"
Actions: REPLY,SEND_MESSAGE
Params:
<params>
    <SEND_MESSAGE>
        <targetType>user</targetType>
        <source>telegram</source>
        <target>dev_guru</target>
        <text>Hello!</text>
    </SEND_MESSAGE>
</params>

IMPORTANT PROVIDER SELECTION RULES:
- Only include providers if they are needed to respond accurately.
- If the message mentions images, photos, pictures, attachments, or visual content, OR if you see "(Attachments:" in the conversation, you MUST include "ATTACHMENTS" in your providers list
- If the message asks about or references specific people, include "ENTITIES" in your providers list
- If the message asks about relationships or connections between people, include "RELATIONSHIPS" in your providers list
- If the message asks about facts or specific information, include "FACTS" in your providers list
- If the message asks about the environment or world context, include "WORLD" in your providers list
- If no additional context is needed, you may leave the providers list empty.

IMPORTANT CODE BLOCK FORMATTING RULES:
- If {{agentName}} includes code examples, snippets, or multi-line code in the response, ALWAYS wrap the code with ``` fenced code blocks (specify the language if known, e.g., ```python).
- ONLY use fenced code blocks for actual code. Do NOT wrap non-code text, instructions, or single words in fenced code blocks.
- If including inline code (short single words or function names), use single backticks (`) as appropriate.
- This ensures the user sees clearly formatted and copyable code when relevant.

First, think about what you want to do next and plan your actions. Then, write the next message and include the actions you plan to take.
</instructions>

<keys>
"thought" should be a short description of what the agent is thinking about and planning.
"actions" should be a comma-separated list of the actions {{agentName}} plans to take based on the thought, IN THE ORDER THEY SHOULD BE EXECUTED (if none, use IGNORE, if simply responding with text, use REPLY)
"providers" should be a comma-separated list of the providers that {{agentName}} will use to have the right context for responding and acting (NEVER use "IGNORE" as a provider - use specific provider names like ATTACHMENTS, ENTITIES, FACTS, KNOWLEDGE, etc.)
"text" should be the text of the next message for {{agentName}} which they will send to the conversation.
"params" (optional) should contain action parameters when actions require input. Format as nested XML with action name as wrapper.
</keys>

<output>
Do NOT include any thinking, reasoning, or <think> sections in your response.
Go directly to the XML response format without any preamble or explanation.

Respond using XML format like this:
<response>
    <thought>Your thought here</thought>
    <actions>ACTION1,ACTION2</actions>
    <providers>PROVIDER1,PROVIDER2</providers>
    <text>Your response text here</text>
    <params>
        <ACTION1>
            <paramName1>value1</paramName1>
            <paramName2>value2</paramName2>
        </ACTION1>
        <ACTION2>
            <paramName1>value1</paramName1>
        </ACTION2>
    </params>
</response>

Note: The <params> block is optional and should only be included when actions require input parameters.
If an action has no parameters or you're only using REPLY/IGNORE, omit the <params> block entirely.

IMPORTANT: Your response must ONLY contain the <response></response> XML block above. Do not include any text, thinking, or reasoning before or after this XML block. Start your response immediately with <response> and end with </response>.
</output>"""

REPLY_TEMPLATE = """# Task: Generate dialog for the character {{agentName}}.

{{providers}}

# Instructions: Write the next message for {{agentName}}.
"thought" should be a short description of what the agent is thinking about and planning.
"text" should be the next message for {{agentName}} which they will send to the conversation.

IMPORTANT CODE BLOCK FORMATTING RULES:
- If {{agentName}} includes code examples, snippets, or multi-line code in the response, ALWAYS wrap the code with ``` fenced code blocks (specify the language if known, e.g., ```python).
- ONLY use fenced code blocks for actual code. Do NOT wrap non-code text, instructions, or single words in fenced code blocks.
- If including inline code (short single words or function names), use single backticks (`) as appropriate.
- This ensures the user sees clearly formatted and copyable code when relevant.

Do NOT include any thinking, reasoning, or <think> sections in your response.
Go directly to the XML response format without any preamble or explanation.

Respond using XML format like this:
<response>
    <thought>Your thought here</thought>
    <text>Your message here</text>
</response>

IMPORTANT: Your response must ONLY contain the <response></response> XML block above. Do not include any text, thinking, or reasoning before or after this XML block. Start your response immediately with <response> and end with </response>."""

POST_CREATION_TEMPLATE = """# Task: Create a post in the voice and style and perspective of {{agentName}} @{{xUserName}}.

{{providers}}

Write a post that is {{adjective}} about {{topic}} (without mentioning {{topic}} directly), from the perspective of {{agentName}}. Do not add commentary or acknowledge this request, just write the post.
Your response should be 1, 2, or 3 sentences (choose the length at random).
Your response should not contain any questions. Brief, concise statements only. The total character count MUST be less than 280. No emojis. Use \\n\\n (double spaces) between statements if there are multiple statements in your response.

Your output should be formatted in XML like this:
<response>
  <thought>Your thought here</thought>
  <post>Your post text here</post>
  <imagePrompt>Optional image prompt here</imagePrompt>
</response>

IMPORTANT: Your response must ONLY contain the <response></response> XML block above."""

PY_OUTPUT = """<output>
Do NOT include any thinking, reasoning, or <think> sections in your response.
Go directly to the XML response format without any preamble or explanation.

Respond using XML format like this:
<response>
  <thought>Your internal reasoning about the message and what to do</thought>
  <providers>List of providers to use for additional context (comma-separated)</providers>
  <actions>List of actions to take (comma-separated)</actions>
  <params>JSON object with action parameters, e.g. {"ACTION_NAME": {"param": "value"}}</params>
  <text>The text response to send to the user</text>
  <simple>Whether this is a simple response (true/false)</simple>
</response>

IMPORTANT: Your response must ONLY contain the <response></response> XML block above. Do not include any text, thinking, or reasoning before or after this XML block. Start your response immediately with <response> and end with </response>.
</output>"""

# A conversation is a list of (speaker, text); the last entry is the message being handled.
Convo = list[tuple[str, str]]


def _character_ts(agent: Agent) -> str:
    lines = [f"# About {agent.name}", *agent.bio]
    if agent.adjectives:
        lines.append(f"{agent.name} is {', '.join(agent.adjectives)}.")
    if agent.topics:
        lines.append(f"{agent.name} is interested in {', '.join(agent.topics)}.")
    if agent.style:
        lines += ["", f"# {agent.name}'s Directions for Style", *[f"- {rule}" for rule in agent.style]]
    return "\n".join(lines)


def _character_py(agent: Agent) -> str:
    parts = [f"# Agent: {agent.name}", "", "## Bio", " ".join(agent.bio)]
    if agent.adjectives:
        parts += ["", "## Personality Traits", ", ".join(agent.adjectives)]
    if agent.topics:
        parts += ["", "## Knowledge Areas", ", ".join(agent.topics)]
    if agent.style:
        parts += ["", "## Communication Style", "General: " + ", ".join(agent.style)]
    return "\n".join(parts)


def _actions_block(agent: Agent) -> str:
    actions = _BASE_ACTIONS + agent.actions
    names = ", ".join(name for name, _ in actions)
    described = "\n".join(f"- **{name}**: {what}" for name, what in actions)
    return f"Possible response actions: {names}\n\n# Available Actions\n{described}"


def _messages_ts(agent: Agent, convo: Convo) -> str:
    lines = ["# Conversation Messages"]
    minute = 14
    for index, (speaker, text) in enumerate(convo):
        ago = len(convo) - 1 - index
        when = "just now" if ago == 0 else f"{ago * 2} minutes ago"
        lines.append(f"21:{minute + index * 2:02d} ({when}) [{_uid(speaker)[:8]}] {speaker}: {text}")
    speaker, text = convo[-1]
    lines += ["", "# Received Message", f"{speaker}: {text}", "", f"# Focus your response on {speaker}'s message."]
    return "\n".join(lines)


def _messages_py(convo: Convo) -> str:
    return "# Recent Messages\n" + "\n".join(f"**{speaker}**: {text}" for speaker, text in convo)


_TIME = (
    "# Current Time\n- Date: 2026-11-24\n- Time: 21:22:05 UTC\n- Day: Tuesday\n"
    "The current date and time is Tuesday, November 24, 2026 at 21:22:05 UTC."
)


def _fill(template: str, agent: Agent, providers: str) -> str:
    return template.replace("{{agentName}}", agent.name).replace("{{providers}}", providers)


def _ts_body(api: str, agent: Agent, prompt: str, *, small: bool) -> Shape:
    if api == "anthropic":
        model = "claude-3-5-haiku-20241022" if small else "claude-sonnet-4-20250514"
        return api, {
            "model": model,
            "max_tokens": 8192,
            "temperature": 0.7,
            "system": agent.system,
            "messages": [{"role": "user", "content": [{"type": "text", "text": prompt}]}],
        }
    return api, {
        "model": "gpt-4o-mini" if small else "gpt-4o",
        "messages": [{"role": "system", "content": agent.system}, {"role": "user", "content": prompt}],
        "temperature": 0.7,
        "frequency_penalty": 0,
        "presence_penalty": 0,
        "max_tokens": 8192,
    }


def eliza_should_respond(agent: Agent, convo: Convo, api: str = "anthropic", runtime: str = "ts") -> Shape:
    """The TEXT_SMALL call before planning: should-respond template over the character and the room."""
    if runtime == "py":
        providers = "\n\n".join([_character_py(agent), _messages_py(convo), _TIME])
        return "openai", {
            "model": "gpt-5-mini",
            "messages": [{"role": "user", "content": _fill(SHOULD_RESPOND_TEMPLATE, agent, providers)}],
            "max_completion_tokens": 1024,
        }
    providers = "\n\n".join([_character_ts(agent), _messages_ts(agent, convo)])
    return _ts_body(api, agent, _fill(SHOULD_RESPOND_TEMPLATE, agent, providers), small=True)


def eliza_plan(agent: Agent, convo: Convo, api: str = "anthropic", runtime: str = "ts", extra: str = "") -> Shape:
    """The TEXT_LARGE planning call: message-handler template with actions, character, room, time."""
    if runtime == "py":
        # elizaos 2.0.0a5 leaves {{agentName}} unsubstituted and wraps the prompt in validation codes
        providers = "\n".join(
            filter(None, [_actions_block(agent), _character_py(agent), _messages_py(convo), extra, _TIME])
        )
        body = MESSAGE_HANDLER_TEMPLATE.replace("{{providers}}", providers)
        prompt = (
            f"initial code: {_uid('i' + convo[-1][1])}\n{body}\nmiddle code: {_uid('m' + convo[-1][1])}\n"
            f"{PY_OUTPUT}\nend code: {_uid('e' + convo[-1][1])}\n"
        )
        return "openai", {
            "model": "gpt-5",
            "messages": [{"role": "user", "content": prompt}],
            "max_completion_tokens": 4096,
        }
    providers = "\n\n".join(
        filter(None, [_actions_block(agent), _character_ts(agent), extra, _messages_ts(agent, convo)])
    )
    return _ts_body(api, agent, _fill(MESSAGE_HANDLER_TEMPLATE, agent, providers), small=False)


def eliza_reply(agent: Agent, convo: Convo, api: str = "anthropic") -> Shape:
    providers = "\n\n".join([_character_ts(agent), _messages_ts(agent, convo)])
    return _ts_body(api, agent, _fill(REPLY_TEMPLATE, agent, providers), small=False)


def eliza_post(agent: Agent, topic: str, adjective: str, recent_posts: list[str], api: str = "anthropic") -> Shape:
    providers = "\n\n".join(
        [_character_ts(agent), "# Recent posts by " + agent.name, *[f"- {post}" for post in recent_posts]]
    )
    prompt = (
        _fill(POST_CREATION_TEMPLATE, agent, providers)
        .replace("{{xUserName}}", agent.name.lower() + "_ai")
        .replace("{{adjective}}", adjective)
        .replace("{{topic}}", topic)
    )
    return _ts_body(api, agent, prompt, small=False)


def eliza_python_anthropic_bug() -> Shape:
    """elizaos-plugin-anthropic 2.0.0a5 drops the prompt text: content is a block with a type only."""
    return "anthropic", {
        "model": "claude-sonnet-4-20250514",
        "max_tokens": 8192,
        "messages": [{"role": "user", "content": [{"type": "text"}]}],
    }


# --------------------------------------------------------------------------------------------------
# Plain chat apps and LLM tasks


def chat(
    turns: list[tuple[str, str]],
    system: str | None = None,
    api: str = "openai",
    model: str | None = None,
    stream: bool = False,
) -> Shape:
    """A chat app: `turns` alternate user/assistant and end on the user."""
    if api == "anthropic":
        body: Body = {"model": model or "claude-3-5-sonnet-20241022", "max_tokens": 2048}
        if system:
            body["system"] = system
        body["messages"] = [{"role": role, "content": text} for role, text in turns]
    else:
        messages = [{"role": "system", "content": system}] if system else []
        messages += [{"role": role, "content": text} for role, text in turns]
        body = {"model": model or "gpt-4o", "messages": messages}
    if stream:
        body["stream"] = True
    return api, body


def ask(text: str, system: str | None = None, api: str = "openai", model: str | None = None) -> Shape:
    return chat([("user", text)], system=system, api=api, model=model)


# --------------------------------------------------------------------------------------------------
# Autocoders

CLAUDE_CODE_IDENTITY = "You are Claude Code, Anthropic's official CLI for Claude."

CLAUDE_CODE_SYSTEM = """You are an interactive CLI tool that helps users with software engineering tasks. Use the instructions below and the tools available to you to assist the user.

IMPORTANT: Assist with defensive security tasks only. Refuse to create, modify, or improve code that may be used maliciously.
IMPORTANT: You must NEVER generate or guess URLs for the user unless you are confident that the URLs are for helping the user with programming.

# Tone and style
You should be concise, direct, and to the point. When you run a non-trivial bash command, you should explain what the command does and why you are running it. Your output will be displayed on a command line interface. Your responses can use Github-flavored markdown for formatting.

# Following conventions
When making changes to files, first understand the file's code conventions. Mimic code style, use existing libraries and utilities, and follow existing patterns.
- NEVER assume that a given library is available, even if it is well known. Check that this codebase already uses the library (look at package.json, cargo.toml, requirements.txt or neighboring files).
- When you create a new component, first look at existing components to see how they're written; then consider framework choice, naming conventions, typing, and other conventions.
- Always follow security best practices. Never introduce code that exposes or logs secrets and keys. Never commit secrets or keys to the repository.

# Code style
- IMPORTANT: DO NOT ADD ***ANY*** COMMENTS unless asked

# Task Management
You have access to the TodoWrite tool to help you manage and plan tasks. Use it VERY frequently to track your tasks and give the user visibility into your progress.

# Doing tasks
The user will primarily request you perform software engineering tasks. This includes solving bugs, adding new functionality, refactoring code, explaining code, and more. For these tasks the following steps are recommended:
- Use the TodoWrite tool to plan the task if required
- Use the available search tools to understand the codebase and the user's query.
- Implement the solution using all tools available to you
- Verify the solution if possible with tests. NEVER assume specific test framework or test script. Check the README or search codebase to determine the testing approach.
- VERY IMPORTANT: When you have completed a task, you MUST run the lint and typecheck commands (eg. npm run lint, npm run typecheck, ruff, etc.) with Bash if they were provided to you to ensure your code is correct.
NEVER commit changes unless the user explicitly asks you to.

# Tool usage policy
- When doing file search, prefer to use the Task tool in order to reduce context usage.
- You have the capability to call multiple tools in a single response. When multiple independent pieces of information are requested, batch your tool calls together for optimal performance.

Here is useful information about the environment you are running in:
<env>
Working directory: {cwd}
Is directory a git repo: Yes
Platform: linux
OS Version: Linux 6.8.0-49-generic
Today's date: 2025-08-14
</env>
You are powered by the model named Sonnet 4. The exact model ID is claude-sonnet-4-20250514.

IMPORTANT: Assist with defensive security tasks only.

# Code References
When referencing specific functions or pieces of code include the pattern `file_path:line_number` to allow the user to easily navigate to the source code location.

gitStatus: This is the git status at the start of the conversation.
Current branch: {branch}

Main branch (you will usually use this for PRs): main

Status:
{status}

Recent commits:
{commits}"""


def _schema(props: dict[str, str], required: list[str]) -> Body:
    return {
        "type": "object",
        "properties": {name: {"type": "string", "description": what} for name, what in props.items()},
        "required": required,
        "additionalProperties": False,
        "$schema": "http://json-schema.org/draft-07/schema#",
    }


CLAUDE_CODE_TOOLS: list[Body] = [
    {
        "name": "Task",
        "description": "Launch a new agent to handle complex, multi-step tasks autonomously.",
        "input_schema": _schema(
            {"description": "A short description", "prompt": "The task"}, ["description", "prompt"]
        ),
    },
    {
        "name": "Bash",
        "description": "Executes a given bash command in a persistent shell session with optional timeout.",
        "input_schema": _schema(
            {"command": "The command to execute", "description": "What the command does in 5-10 words"}, ["command"]
        ),
    },
    {
        "name": "Glob",
        "description": 'Fast file pattern matching tool. Supports glob patterns like "**/*.js" or "src/**/*.ts".',
        "input_schema": _schema({"pattern": "The glob pattern", "path": "The directory to search in"}, ["pattern"]),
    },
    {
        "name": "Grep",
        "description": "A powerful search tool built on ripgrep. Supports full regex syntax.",
        "input_schema": _schema({"pattern": "The regular expression", "path": "File or directory"}, ["pattern"]),
    },
    {
        "name": "Read",
        "description": "Reads a file from the local filesystem. Results are returned using cat -n format.",
        "input_schema": _schema({"file_path": "The absolute path to the file to read"}, ["file_path"]),
    },
    {
        "name": "Edit",
        "description": "Performs exact string replacements in files.",
        "input_schema": _schema(
            {"file_path": "The absolute path", "old_string": "The text to replace", "new_string": "The replacement"},
            ["file_path", "old_string", "new_string"],
        ),
    },
    {
        "name": "MultiEdit",
        "description": "Makes multiple edits to a single file in one operation.",
        "input_schema": _schema({"file_path": "The absolute path", "edits": "Array of edits"}, ["file_path", "edits"]),
    },
    {
        "name": "Write",
        "description": "Writes a file to the local filesystem. Overwrites the existing file if there is one.",
        "input_schema": _schema({"file_path": "The absolute path", "content": "The content"}, ["file_path", "content"]),
    },
    {
        "name": "WebFetch",
        "description": "Fetches content from a specified URL and processes it using an AI model.",
        "input_schema": _schema({"url": "The URL", "prompt": "What to extract"}, ["url", "prompt"]),
    },
    {
        "name": "TodoWrite",
        "description": "Use this tool to create and manage a structured task list for your current coding session.",
        "input_schema": _schema({"todos": "The updated todo list"}, ["todos"]),
    },
]

SYSTEM_REMINDER = (
    "<system-reminder>\nAs you answer the user's questions, you can use the following context:\n"
    "# important-instruction-reminders\nDo what has been asked; nothing more, nothing less.\n"
    "NEVER create files unless they're absolutely necessary for achieving your goal.\n\n"
    "IMPORTANT: this context may or may not be relevant to your tasks.\n</system-reminder>"
)


@dataclass(frozen=True)
class ToolCall:
    """One assistant tool_use and the tool_result that answers it."""

    name: str
    input: Body
    result: str
    is_error: bool = False


def claude_code(
    task: str,
    calls: list[ToolCall] | None = None,
    follow_up: str | None = None,
    cwd: str = "/home/dev/project",
    branch: str = "main",
    status: str = "M src/index.ts",
    commits: str = "a1b2c3d fix: handle empty config\n9f8e7d6 feat: add retry to fetcher",
    model: str = "claude-sonnet-4-20250514",
) -> Shape:
    """A Claude Code main-loop request: identity + long system prompt, its tools, and the session so far.

    With `calls`, the session continues: the last user turn carries the final tool_result (and
    `follow_up`, text the user typed after it, if any).
    """
    system = [
        {"type": "text", "text": CLAUDE_CODE_IDENTITY, "cache_control": {"type": "ephemeral"}},
        {
            "type": "text",
            "text": CLAUDE_CODE_SYSTEM.format(cwd=cwd, branch=branch, status=status, commits=commits),
            "cache_control": {"type": "ephemeral"},
        },
    ]
    messages: list[Body] = [
        {
            "role": "user",
            "content": [{"type": "text", "text": SYSTEM_REMINDER}, {"type": "text", "text": task}],
        }
    ]
    for index, call in enumerate(calls or []):
        tool_id = f"toolu_01{_uid(task + str(index)).replace('-', '')[:22]}"
        messages.append(
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": tool_id, "name": call.name, "input": call.input}],
            }
        )
        result: Body = {"type": "tool_result", "tool_use_id": tool_id, "content": call.result}
        if call.is_error:
            result["is_error"] = True
        messages.append({"role": "user", "content": [result]})
    if follow_up:
        if calls:
            messages[-1]["content"].append({"type": "text", "text": follow_up})
        else:
            messages.append({"role": "assistant", "content": [{"type": "text", "text": "Done."}]})
            messages.append({"role": "user", "content": [{"type": "text", "text": follow_up}]})
    return "anthropic", {
        "model": model,
        "max_tokens": 32000,
        "system": system,
        "messages": messages,
        "tools": CLAUDE_CODE_TOOLS,
        "metadata": {"user_id": "user_4f2a_account__session_" + _uid(task)},
        "stream": True,
    }


def claude_code_title(user_text: str) -> Shape:
    """Claude Code's side call to a small model: is this a new topic, and a title for it."""
    return "anthropic", {
        "model": "claude-3-5-haiku-20241022",
        "max_tokens": 512,
        "system": [
            {
                "type": "text",
                "text": "Analyze if this message indicates a new conversation topic. If it does, extract a 2-3 word "
                "title that captures the new topic. Format your response as a JSON object with two fields: "
                "'isNewTopic' (boolean) and 'title' (string, or null if isNewTopic is false). Only include these "
                "fields, no other text.",
            }
        ],
        "messages": [{"role": "user", "content": user_text}],
        "temperature": 0,
        "stream": True,
    }


def claude_code_summary(conversation: str) -> Shape:
    """Claude Code's side call: a one-line summary for the session list."""
    return "anthropic", {
        "model": "claude-3-5-haiku-20241022",
        "max_tokens": 512,
        "system": [{"type": "text", "text": "Summarize this coding conversation in under 50 characters."}],
        "messages": [
            {
                "role": "user",
                "content": "Please write a 5-10 word title for the following conversation:\n\n"
                + conversation
                + "\n\nRespond with the title for the conversation and nothing else.",
            }
        ],
    }


AIDER_SYSTEM = """Act as an expert software developer.
Always use best practices when coding.
Respect and use existing conventions, libraries, etc that are already present in the code base.
Take requests for changes to the supplied code.
If the request is ambiguous, ask questions.

Always reply to the user in the same language they are using.

Once you understand the request you MUST:
1. Decide if you need to propose *SEARCH/REPLACE* edits to any files that haven't been added to the chat.
2. Think step-by-step and explain the needed changes in a few short sentences.
3. Describe each change with a *SEARCH/REPLACE block* per the examples below.

All changes to files must use this *SEARCH/REPLACE block* format.
ONLY EVER RETURN CODE IN A *SEARCH/REPLACE BLOCK*!"""


def aider(files: dict[str, str], request: str, model: str = "gpt-4o") -> Shape:
    """Aider: files added to the chat as user/assistant pairs, then the request."""
    messages: list[Body] = [{"role": "system", "content": AIDER_SYSTEM}]
    listing = "\n\n".join(f"{path}\n```\n{text}\n```" for path, text in files.items())
    messages.append(
        {
            "role": "user",
            "content": "I have *added these files to the chat* so you can go ahead and edit them.\n\n"
            "*Trust this message as the true contents of these files!*\n\n" + listing,
        }
    )
    messages.append({"role": "assistant", "content": "Ok, any changes I propose will be to those files."})
    messages.append({"role": "user", "content": request})
    return "openai", {"model": model, "messages": messages, "temperature": 0, "stream": True}


CLINE_SYSTEM = """You are Cline, a highly skilled software engineer with extensive knowledge in many programming languages, frameworks, design patterns, and best practices.

====

TOOL USE

You have access to a set of tools that are executed upon the user's approval. You can use one tool per message, and will receive the result of that tool use in the user's response.

# Tool Use Formatting

Tool use is formatted using XML-style tags. The tool name is enclosed in opening and closing tags, and each parameter is similarly enclosed within its own set of tags.

# Tools

## execute_command
Description: Request to execute a CLI command on the system.
Parameters:
- command: (required) The CLI command to execute.
- requires_approval: (required) A boolean indicating whether this command requires explicit user approval.

## read_file
Description: Request to read the contents of a file at the specified path.
Parameters:
- path: (required) The path of the file to read (relative to the current working directory {cwd})

## write_to_file
Description: Request to write content to a file at the specified path.

## replace_in_file
Description: Request to replace sections of content in an existing file using SEARCH/REPLACE blocks.

## attempt_completion
Description: After each tool use, the user will respond with the result of that tool use. Once you've received the results of tool uses and can confirm that the task is complete, use this tool to present the result of your work to the user.

====

RULES

- Your current working directory is: {cwd}
- When making changes to code, always consider the context in which the code is being used."""


def cline(task: str, environment: str, cwd: str = "/Users/sam/code/webapp") -> Shape:
    return "anthropic", {
        "model": "claude-sonnet-4-20250514",
        "max_tokens": 8192,
        "system": CLINE_SYSTEM.format(cwd=cwd),
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": f"<task>\n{task}\n</task>"},
                    {"type": "text", "text": f"<environment_details>\n{environment}\n</environment_details>"},
                ],
            }
        ],
        "stream": True,
    }


OPENHANDS_SYSTEM = """You are OpenHands agent, a helpful AI assistant that can interact with a computer to solve tasks.

<ROLE>
Your primary role is to assist users by executing commands, modifying code, and solving technical problems effectively. You should be thorough, methodical, and prioritize quality over speed.
</ROLE>

<EFFICIENCY>
* Each action you take is somewhat expensive. Wherever possible, combine multiple actions into a single action.
</EFFICIENCY>

<FILE_SYSTEM_GUIDELINES>
* When a user provides a file path, do NOT assume it's relative to the current working directory. First explore the file system to locate the file before working on it.
</FILE_SYSTEM_GUIDELINES>"""

OPENHANDS_TOOLS: list[Body] = [
    {
        "type": "function",
        "function": {
            "name": "execute_bash",
            "description": "Execute a bash command in the terminal within a persistent shell session.",
            "parameters": {
                "type": "object",
                "properties": {"command": {"type": "string", "description": "The bash command to execute."}},
                "required": ["command"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "str_replace_editor",
            "description": "Custom editing tool for viewing, creating and editing files in plain-text format.",
            "parameters": {
                "type": "object",
                "properties": {
                    "command": {"type": "string", "enum": ["view", "create", "str_replace", "insert", "undo_edit"]},
                    "path": {"type": "string"},
                    "old_str": {"type": "string"},
                    "new_str": {"type": "string"},
                },
                "required": ["command", "path"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "finish",
            "description": "Signals the completion of the current task or conversation.",
            "parameters": {"type": "object", "properties": {}},
        },
    },
]


def openhands(task: str, steps: list[tuple[str, Body, str]] | None = None, model: str = "gpt-4o") -> Shape:
    """OpenHands over the OpenAI API: tool calls and `tool` messages; `steps` are (tool, args, output)."""
    messages: list[Body] = [{"role": "system", "content": OPENHANDS_SYSTEM}, {"role": "user", "content": task}]
    for index, (name, args, output) in enumerate(steps or []):
        call_id = f"call_{_uid(task + str(index)).replace('-', '')[:24]}"
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
                ],
            }
        )
        messages.append({"role": "tool", "tool_call_id": call_id, "content": output})
    return "openai", {"model": model, "messages": messages, "tools": OPENHANDS_TOOLS, "tool_choice": "auto"}


ANTHROPIC_CODING_TOOLS: list[Body] = [
    {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"},
    {"type": "bash_20250124", "name": "bash"},
]


def anthropic_tools(task: str, calls: list[ToolCall] | None = None, system: str | None = None) -> Shape:
    """A home-made agent on the Messages API with Anthropic's own text-editor and bash tools."""
    messages: list[Body] = [{"role": "user", "content": task}]
    for index, call in enumerate(calls or []):
        tool_id = f"toolu_01{_uid(task + 'a' + str(index)).replace('-', '')[:22]}"
        messages.append(
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": tool_id, "name": call.name, "input": call.input}],
            }
        )
        messages.append(
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": tool_id,
                        "content": [{"type": "text", "text": call.result}],
                        "is_error": call.is_error,
                    }
                ],
            }
        )
    body: Body = {"model": "claude-sonnet-4-20250514", "max_tokens": 4096, "messages": messages}
    if system:
        body["system"] = system
    body["tools"] = ANTHROPIC_CODING_TOOLS
    return "anthropic", body


AUTOCODER_SYSTEM = (
    "You are an expert ElizaOS developer. You write ElizaOS plugins in TypeScript that follow the v1 plugin "
    "interface: actions, providers, evaluators and services, each exported from src/index.ts. Use @elizaos/core "
    "types, zod for config validation, and bun test for tests. Answer with complete files."
)


def autocoder(spec: str, api: str = "anthropic") -> Shape:
    """ElizaOS's plugin autocoder: a generation request with the plugin spec."""
    if api == "anthropic":
        return api, {
            "model": "claude-sonnet-4-20250514",
            "max_tokens": 16000,
            "system": AUTOCODER_SYSTEM,
            "messages": [{"role": "user", "content": spec}],
            "temperature": 0.2,
        }
    return api, {
        "model": "gpt-4o",
        "messages": [{"role": "system", "content": AUTOCODER_SYSTEM}, {"role": "user", "content": spec}],
        "temperature": 0.2,
    }
