# ruff: noqa: E501  (system prompts are client text; their lines are as long as the clients make them)
"""Request bodies in the wire shapes of the clients that talk to the proxy, for the routing corpus.

Each function returns `(api, body)`: the Anthropic Messages API or OpenAI Chat Completions, as one
client sends it (a plain SDK app, Claude Code with its long system prompt and 24 tools, Aider, Cline,
OpenHands, IDE chat agents, ElizaOS's should-respond and message-handler prompts in the TS and Python
runtimes). The prompts are paraphrases written for this corpus, long enough to carry what the real
ones carry (Claude Code's is about 10 KB before its tools); `build.py` fills them with the content of
`asks.py`, `sessions.py` and `agents.py`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

Body = dict[str, Any]
Shape = tuple[str, Body]
Turn = tuple[str, Any]  # (role, content): content is a str or a list of Anthropic blocks


def uid(seed: str, n: int = 24) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def pick(seed: str, options: list[Any] | tuple[Any, ...]) -> Any:
    """A deterministic choice: the same seed always picks the same option."""
    return options[int(uid(seed, 8), 16) % len(options)]


# --------------------------------------------------------------------------------------------------
# Plain SDK apps


CHAT_SYSTEMS = [
    None,
    None,
    "You are a helpful assistant.",
    "You are a helpful, concise assistant. Answer in the user's language.",
    "You are Claude, an AI assistant made by Anthropic. Be direct and helpful.",
    "You are the assistant inside Notepadly, a note-taking app. Keep answers short and use Markdown.",
    "You are an assistant for employees of Brightline Logistics. Be professional and friendly.",
    "Current date: 2026-11-24. You are a general-purpose assistant. Do not make up facts.",
]

ANTHROPIC_MODELS = [
    "claude-sonnet-4-5-20250929",
    "claude-opus-4-1-20250805",
    "claude-3-5-haiku-20241022",
    "claude-sonnet-4-20250514",
]
OPENAI_MODELS = ["gpt-4.1", "gpt-4o", "gpt-5", "gpt-4.1-mini"]


def _anthropic_content(content: Any, seed: str) -> Any:
    """Text as a string or as one text block, as different SDK users write it."""
    if isinstance(content, str) and pick(seed + "blocks", [0, 1, 1]):
        return [{"type": "text", "text": content}]
    return content


def chat(turns: list[Turn], api: str, seed: str, system: str | bool | None = True) -> Shape:
    """A plain app on the SDK: optional system prompt, the conversation as the app keeps it."""
    sys_text = pick(seed + "sys", CHAT_SYSTEMS) if system is True else (system or None)
    if api == "anthropic":
        body: Body = {
            "model": pick(seed + "m", ANTHROPIC_MODELS),
            "max_tokens": pick(seed + "mt", [1024, 2048, 4096, 8192]),
            "messages": [
                {"role": role, "content": _anthropic_content(content, seed + str(i))}
                for i, (role, content) in enumerate(turns)
            ],
        }
        if sys_text:
            body["system"] = sys_text
        if pick(seed + "st", [0, 1]):
            body["stream"] = True
        return api, body
    messages: list[Body] = [{"role": "system", "content": sys_text}] if sys_text else []
    messages += [{"role": role, "content": _openai_text(content)} for role, content in turns]
    body = {"model": pick(seed + "m", OPENAI_MODELS), "messages": messages}
    if pick(seed + "t", [0, 1]):
        body["temperature"] = pick(seed + "tv", [0, 0.2, 0.7, 1])
    if pick(seed + "st", [0, 1]):
        body["stream"] = True
    return api, body


def _openai_text(content: Any) -> Any:
    if isinstance(content, list):
        return "\n".join(block.get("text", "") for block in content if isinstance(block, dict))
    return content


# --------------------------------------------------------------------------------------------------
# Claude Code


CC_BILLING = "x-anthropic-billing-header: cc_version=2.1.197.4f1; cc_entrypoint=cli; cch=00000;"
CC_IDENTITY = "You are Claude Code, Anthropic's official CLI for Claude."
CC_SYSTEM = """You are an interactive command-line agent that helps people with software engineering work. Use the instructions that follow and the tools you have been given to help the user.

IMPORTANT: Help with defensive security tasks only. Refuse to create, modify or improve code that could be used maliciously. Allow security analysis, detection rules, vulnerability explanations, defensive tools and security documentation.
IMPORTANT: Never generate or guess URLs for the user unless you are confident the URLs are for helping the user with programming. You may use URLs the user gives you in messages or local files.

If the user asks for help or wants to give feedback, tell them:
- /help: get help with using Claude Code
- To give feedback, users should report the issue on the issue tracker

# Tone and style
Be concise, direct, and to the point. When you run a non-trivial bash command, explain what the command does and why you are running it, so the user understands what you are doing (this matters most when the command changes the user's system).
Remember that your output is shown on a command line interface. Your responses can use GitHub-flavored Markdown for formatting, rendered in a monospace font using the CommonMark specification.
Output text to communicate with the user; all text you output outside of tool use is displayed to the user. Only use tools to complete tasks. Never use tools like Bash or code comments as means to communicate with the user during the session.
If you cannot or will not help the user with something, do not say why or what it could lead to, since this comes across as preachy and annoying. Offer helpful alternatives if possible, and otherwise keep your response to 1-2 sentences.
Only use emojis if the user explicitly asks for it. Avoid using emojis in all communication unless asked.
IMPORTANT: Minimize output tokens as much as possible while keeping helpfulness, quality, and accuracy. Only address the specific query or task at hand, and avoid tangential information unless it is critical for completing the request.
IMPORTANT: Do not answer with unnecessary preamble or postamble (such as explaining your code or summarizing your action), unless the user asks you to.
Answer concisely with fewer than 4 lines (not counting tool use or code generation), unless the user asks for detail. One word answers are best when they fit.

# Proactiveness
You are allowed to be proactive, but only when the user asks you to do something. Strike a balance between doing the right thing when asked, including taking actions and follow-up actions, and not surprising the user with actions you take without asking. If the user asks how to approach something, answer their question first and do not jump into taking actions.

# Following conventions
When making changes to files, first understand the file's conventions. Mimic code style, use existing libraries and utilities, and follow existing patterns.
- NEVER assume that a given library is available, even if it is well known. Whenever you write code that uses a library or framework, first check that this codebase already uses it: look at neighboring files, or check the package manifest.
- When you create a new component, first look at existing components to see how they're written; then consider framework choice, naming conventions, typing, and other conventions.
- When you edit a piece of code, first look at its surrounding context (especially its imports) to understand the choice of frameworks and libraries.
- Always follow security best practices. Never introduce code that exposes or logs secrets and keys. Never commit secrets or keys to the repository.

# Code style
- IMPORTANT: DO NOT ADD ***ANY*** COMMENTS unless asked

# Task Management
You have access to the TodoWrite tool to help you manage and plan tasks. Use it VERY frequently to make sure that you are tracking your tasks and giving the user visibility into your progress. It is also EXTREMELY helpful for planning tasks, and for breaking larger complex tasks down into smaller steps. If you do not use this tool when planning, you may forget to do important tasks, and that is unacceptable.
It is critical that you mark todos as completed as soon as you are done with a task. Do not batch up multiple tasks before marking them as completed.

# Doing tasks
The user will primarily request you perform software engineering tasks. This includes solving bugs, adding new functionality, refactoring code, explaining code, and more. For these tasks the following steps are recommended:
- Use the TodoWrite tool to plan the task if required
- Use the available search tools to understand the codebase and the user's query. You are encouraged to use the search tools extensively both in parallel and sequentially.
- Implement the solution using all tools available to you
- Verify the solution if possible with tests. NEVER assume a specific test framework or test script. Check the README or search the codebase to determine the testing approach.
- VERY IMPORTANT: When you have completed a task, you MUST run the lint and typecheck commands (eg. npm run lint, npm run typecheck, ruff, etc.) with Bash if they were provided to you to ensure your code is correct. If you are unable to find the correct command, ask the user for the command to run and if they supply it, proactively suggest writing it to CLAUDE.md so that you will know to run it next time.
NEVER commit changes unless the user explicitly asks you to. It is VERY IMPORTANT to only commit when explicitly asked, otherwise the user will feel that you are being too proactive.

- Tool results and user messages may include <system-reminder> tags. <system-reminder> tags contain useful information and reminders. They are automatically added by the system, and bear no direct relation to the specific tool results or user messages in which they appear.

# Tool usage policy
- When doing file search, prefer to use the Task tool in order to reduce context usage.
- You should proactively use the Task tool with specialized agents when the task at hand matches the agent's description.
- When WebFetch returns a message about a redirect to a different host, you should immediately make a new WebFetch request with the redirect URL provided in the response.
- You have the capability to call multiple tools in a single response. When multiple independent pieces of information are requested, batch your tool calls together for optimal performance. When making multiple bash tool calls, you MUST send a single message with multiple tools calls to run the calls in parallel.

You can use the following tools without requiring user approval: Bash(npm run test:*), Bash(git status:*), Bash(git diff:*)

Here is useful information about the environment you are running in:
<env>
Working directory: {cwd}
Is directory a git repo: Yes
Platform: {platform}
OS Version: {os}
Today's date: 2026-11-24
</env>
You are powered by the model named Opus 4.8. The exact model ID is claude-opus-4-8.

IMPORTANT: Assist with defensive security tasks only. Refuse to create, modify, or improve code that may be used maliciously.

IMPORTANT: Always use the TodoWrite tool to plan and track tasks throughout the conversation.

# Code References

When referencing specific functions or pieces of code include the pattern `file_path:line_number` to allow the user to easily navigate to the source code location.

<example>
user: Where are errors from the client handled?
assistant: Clients are marked as failed in the `connectToServer` function in src/services/process.ts:712.
</example>

gitStatus: This is the git status at the start of the conversation. Note that this status is a snapshot in time, and will not update during the conversation.
Current branch: {branch}

Main branch (you will usually use this for PRs): main

Status:
{status}

Recent commits:
{commits}"""

CC_REMINDER = (
    "<system-reminder>\nAs you answer the user's questions, you can use the following context:\n"
    "# claudeMd\nCodebase and user instructions are shown below. Be sure to adhere to these instructions.\n\n"
    "Contents of {cwd}/CLAUDE.md (project instructions, checked into the codebase):\n\n{claude_md}\n\n"
    "IMPORTANT: this context may or may not be relevant to your tasks. You should not respond to this context "
    "unless it is highly relevant to your task.\n</system-reminder>"
)

CLAUDE_MDS = [
    "# Project\n- Run `make check` before committing.\n- Tests live next to the code as *_test.go.",
    "# Conventions\n- pnpm, not npm. `pnpm test` runs vitest.\n- Components in src/components, one per file.",
    "## Dev\nuv run pytest -q\nuv run ruff check .\nNever edit files under migrations/ by hand.",
    "We use conventional commits. Keep PRs small. The API lives in services/api, the web app in apps/web.",
    "cargo fmt && cargo clippy -- -D warnings before pushing. No unwrap() in library code.",
]

CC_AGENTS_LIST = (
    "Available agent types for the Agent tool:\n- general-purpose: General-purpose agent for researching complex questions, "
    "searching for code, and executing multi-step tasks. (Tools: *)\n- statusline-setup: Use this agent to configure the "
    "user's status line setting. (Tools: Read, Edit)\n- Explore: Fast agent specialized for exploring codebases. (Tools: Glob, Grep, Read, Bash)"
)


def _schema(props: dict[str, str], required: list[str]) -> Body:
    return {
        "type": "object",
        "properties": {name: {"type": "string", "description": text} for name, text in props.items()},
        "required": required,
        "additionalProperties": False,
        "$schema": "http://json-schema.org/draft-07/schema#",
    }


_CC_TOOL_SPECS = [
    (
        "Agent",
        "Launch a new agent to handle complex, multi-step tasks autonomously. Each agent type has specific capabilities and tools available to it.",
        {
            "description": "A short (3-5 word) description of the task",
            "prompt": "The task for the agent to perform",
            "subagent_type": "The type of specialized agent to use",
        },
    ),
    (
        "Bash",
        "Executes a given bash command in a persistent shell session with optional timeout, ensuring proper handling and security measures. Before executing the command, verify that the parent directory exists. Always quote file paths that contain spaces. Avoid using find and grep; use Glob and Grep instead.",
        {
            "command": "The command to execute",
            "timeout": "Optional timeout in milliseconds (max 600000)",
            "description": "Clear, concise description of what this command does in 5-10 words",
        },
    ),
    (
        "BashOutput",
        "Retrieves output from a running or completed background bash shell.",
        {"bash_id": "The ID of the background shell"},
    ),
    (
        "Edit",
        "Performs exact string replacements in files. You must use your Read tool at least once in the conversation before editing. The edit will FAIL if old_string is not unique in the file.",
        {
            "file_path": "The absolute path to the file to modify",
            "old_string": "The text to replace",
            "new_string": "The text to replace it with",
            "replace_all": "Replace all occurrences (default false)",
        },
    ),
    (
        "ExitPlanMode",
        "Use this tool when you are in plan mode and have finished presenting your plan and are ready to code.",
        {"plan": "The plan you came up with"},
    ),
    (
        "Glob",
        "Fast file pattern matching tool that works with any codebase size. Supports glob patterns like **/*.js or src/**/*.ts. Returns matching file paths sorted by modification time.",
        {"pattern": "The glob pattern to match files against", "path": "The directory to search in"},
    ),
    (
        "Grep",
        "A powerful search tool built on ripgrep. Supports full regex syntax. Filter files with glob parameter or type parameter. Output modes: content, files_with_matches, count.",
        {
            "pattern": "The regular expression pattern to search for",
            "path": "File or directory to search in",
            "glob": "Glob pattern to filter files",
            "output_mode": "Output mode",
        },
    ),
    (
        "KillShell",
        "Kills a running background bash shell by its ID.",
        {"shell_id": "The ID of the background shell to kill"},
    ),
    ("ListMcpResources", "List available resources from configured MCP servers.", {"server": "Optional server name"}),
    (
        "MultiEdit",
        "This is a tool for making multiple edits to a single file in one operation. Prefer it over Edit when you need several edits to the same file.",
        {
            "file_path": "The absolute path to the file to modify",
            "edits": "Array of edit operations to perform sequentially",
        },
    ),
    (
        "NotebookEdit",
        "Completely replaces the contents of a specific cell in a Jupyter notebook (.ipynb file) with new source.",
        {
            "notebook_path": "The absolute path to the notebook",
            "cell_id": "The ID of the cell to edit",
            "new_source": "The new source for the cell",
        },
    ),
    (
        "Read",
        "Reads a file from the local filesystem. You can access any file directly by using this tool. By default, it reads up to 2000 lines starting from the beginning of the file. Results are returned using cat -n format, with line numbers starting at 1.",
        {
            "file_path": "The absolute path to the file to read",
            "offset": "The line number to start reading from",
            "limit": "The number of lines to read",
        },
    ),
    (
        "ReadMcpResource",
        "Reads a specific resource from an MCP server.",
        {"server": "The MCP server name", "uri": "The resource URI to read"},
    ),
    (
        "Skill",
        "Execute a skill within the main conversation. Skills provide specialized capabilities and domain knowledge.",
        {"command": "The skill name"},
    ),
    (
        "SlashCommand",
        "Execute a slash command within the main conversation.",
        {"command": "The slash command to execute with its arguments"},
    ),
    (
        "Task",
        "Launch a new task to handle a multi-step job autonomously.",
        {"description": "A short description", "prompt": "The task"},
    ),
    ("TaskOutput", "Read the output of a task launched earlier.", {"task_id": "The task id"}),
    (
        "TodoWrite",
        "Use this tool to create and manage a structured task list for your current coding session. This helps you track progress, organize complex tasks, and demonstrate thoroughness to the user.",
        {"todos": "The updated todo list"},
    ),
    (
        "WebFetch",
        "Fetches content from a specified URL and processes it using an AI model. Takes a URL and a prompt as input, fetches the URL content, converts HTML to markdown.",
        {"url": "The URL to fetch content from", "prompt": "The prompt to run on the fetched content"},
    ),
    (
        "WebSearch",
        "Allows Claude to search the web and use the results to inform responses. Provides up-to-date information for current events and recent data.",
        {"query": "The search query to use", "allowed_domains": "Only include results from these domains"},
    ),
    (
        "Write",
        "Writes a file to the local filesystem. This tool will overwrite the existing file if there is one at the provided path. ALWAYS prefer editing existing files in the codebase.",
        {"file_path": "The absolute path to the file to write", "content": "The content to write to the file"},
    ),
    (
        "AskUserQuestion",
        "Ask the user a question with a few options when you need a decision from them.",
        {"question": "The question", "options": "The options"},
    ),
    ("EnterPlanMode", "Enter plan mode to explore and design before writing changes.", {"reason": "Why"}),
    (
        "LSP",
        "Query the language server for definitions, references and diagnostics.",
        {"operation": "definition, references or diagnostics", "file_path": "The file", "line": "The line"},
    ),
]
CC_TOOLS: list[Body] = [
    {"name": name, "description": text, "input_schema": _schema(props, list(props)[:1])}
    for name, text, props in _CC_TOOL_SPECS
]

CC_PLACES = [
    ("/Users/maya/src/checkout-web", "darwin", "Darwin 24.6.0"),
    ("/home/dev/work/ingest-service", "linux", "Linux 6.8.0-45-generic"),
    ("/Users/tom/code/ledger-api", "darwin", "Darwin 25.1.0"),
    ("/home/kofi/projects/field-app", "linux", "Linux 6.11.2-arch1-1"),
    ("/workspaces/monorepo", "linux", "Linux 6.5.0-1025-azure"),
    ("C:\\Users\\anil\\repos\\billing", "win32", "Windows 11 Pro 10.0.26100"),
]
CC_STATUS = [
    "M src/app.ts\n?? notes.txt",
    "(clean)",
    " M internal/queue/worker.go\n M go.sum",
    "M README.md\nD old/legacy.py",
    "?? scripts/tmp.sh",
]
CC_COMMITS = [
    "3f9e2a1 fix: retry on 503 from the ledger\nb81c0de feat: export csv\n0a1b2c3 chore: bump deps",
    "77aa1b2 Merge pull request #412 from feat/sso\n9c8d7e6 wip\n1f2e3d4 tests for parser",
    "e4d5c6b refactor(auth): split session store\n2b3c4d5 docs: setup guide",
]


def claude_code(turns: list[Turn], seed: str, mid_system: bool | None = None, model: str | None = None) -> Shape:
    """A Claude Code main-loop request: 3 system blocks, 24 tools, the session's messages.

    The first user message carries the CLAUDE.md reminder block before what the user typed. Newer
    versions append a mid-conversation `role: system` message listing the agent types.
    """
    cwd, platform, os_name = pick(seed + "p", CC_PLACES)
    system = [
        {"type": "text", "text": CC_BILLING},
        {"type": "text", "text": CC_IDENTITY, "cache_control": {"type": "ephemeral"}},
        {
            "type": "text",
            "text": CC_SYSTEM.format(
                cwd=cwd,
                platform=platform,
                os=os_name,
                branch=pick(seed + "b", ["main", "feat/export", "fix/login-loop", "develop"]),
                status=pick(seed + "s", CC_STATUS),
                commits=pick(seed + "c", CC_COMMITS),
            ),
            "cache_control": {"type": "ephemeral"},
        },
    ]
    messages: list[Body] = []
    for index, (role, content) in enumerate(turns):
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else list(content)
        if index == 0 and role == "user":
            reminder = CC_REMINDER.format(cwd=cwd, claude_md=pick(seed + "md", CLAUDE_MDS))
            blocks = [{"type": "text", "text": reminder}, *blocks]
        messages.append({"role": role, "content": blocks})
    if mid_system is None:
        mid_system = bool(pick(seed + "mid", [0, 1, 1]))
    if mid_system:
        messages.append({"role": "system", "content": CC_AGENTS_LIST})
    last = messages[-1] if messages[-1]["role"] == "user" else messages[-2]
    if isinstance(last["content"], list) and last["content"]:
        last["content"][-1] = {**last["content"][-1], "cache_control": {"type": "ephemeral"}}
    return "anthropic", {
        "model": model
        or pick(seed + "model", ["claude-opus-4-8", "claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805"]),
        "max_tokens": 64000,
        "stream": True,
        "system": system,
        "messages": messages,
        "tools": CC_TOOLS,
        "thinking": {"type": "adaptive"},
        "metadata": {"user_id": json.dumps({"device_id": uid(seed + "dev"), "session_id": uid(seed + "ses")})},
    }


def claude_code_side(kind: str, text: str, seed: str) -> Shape:
    """Claude Code's small-model side calls: a topic check or a session title."""
    if kind == "topic":
        system = "Analyze if this message indicates a new conversation topic. If it does, extract a 2-3 word title that captures the new topic. Format your response as a JSON object with two fields: 'isNewTopic' (boolean) and 'title' (string, or null if isNewTopic is false). Only include these fields, no other text."
        messages = [{"role": "user", "content": text}]
    else:
        system = "Summarize this coding conversation in under 50 characters.\nCapture the main task, key files, problems addressed, and current status."
        messages = [
            {
                "role": "user",
                "content": "Please write a 5-10 word title for the following conversation:\n\n"
                + text
                + "\n\nRespond with the title for the conversation and nothing else.",
            }
        ]
    return "anthropic", {
        "model": "claude-3-5-haiku-20241022",
        "max_tokens": 512,
        "system": [{"type": "text", "text": system}],
        "messages": messages,
        "temperature": 0,
        "stream": bool(pick(seed, [0, 1])),
    }


def tool_use(name: str, args: Body, seed: str) -> Body:
    return {"type": "tool_use", "id": "toolu_01" + uid(seed, 22), "name": name, "input": args}


def tool_result(output: str, seed: str, is_error: bool = False, as_blocks: bool = False) -> Body:
    block: Body = {
        "type": "tool_result",
        "tool_use_id": "toolu_01" + uid(seed, 22),
        "content": [{"type": "text", "text": output}] if as_blocks else output,
    }
    if is_error:
        block["is_error"] = True
    return block


# --------------------------------------------------------------------------------------------------
# Other coding agents


AIDER_SYSTEM = """Act as an expert software developer.
Always use best practices when coding.
Respect and use existing conventions, libraries, etc that are already present in the code base.
Take requests for changes to the supplied code.
If the request is ambiguous, ask questions.

Always reply to the user in {language}.

Once you understand the request you MUST:

1. Decide if you need to propose *SEARCH/REPLACE* edits to any files that haven't been added to the chat. You can create new files without asking!
2. Think step-by-step and explain the needed changes in a few short sentences.
3. Describe each change with a *SEARCH/REPLACE block* per the examples below.

All changes to files must use this *SEARCH/REPLACE block* format.
ONLY EVER RETURN CODE IN A *SEARCH/REPLACE BLOCK*!

# *SEARCH/REPLACE block* Rules:
Every *SEARCH/REPLACE block* must use this format:
1. The *FULL* file path alone on a line, verbatim.
2. The opening fence and code language, eg: ```python
3. The start of search block: <<<<<<< SEARCH
4. A contiguous chunk of lines to search for in the existing source code
5. The dividing line: =======
6. The lines to replace into the source code
7. The end of the replace block: >>>>>>> REPLACE
8. The closing fence: ```"""


def aider(
    files: dict[str, str], turns: list[Turn], seed: str, language: str = "the same language they are using"
) -> Shape:
    """Aider: its system prompt, the repo map or files as a user/assistant pair, then the chat."""
    messages: list[Body] = [{"role": "system", "content": AIDER_SYSTEM.format(language=language)}]
    if files:
        listing = "\n\n".join(f"{path}\n```\n{text}\n```" for path, text in files.items())
        messages.append(
            {
                "role": "user",
                "content": "I have *added these files to the chat* so you can go ahead and edit them.\n\n*Trust this message as the true contents of these files!*\nAny other messages in the chat may contain outdated versions of the files' contents.\n\n"
                + listing,
            }
        )
        messages.append({"role": "assistant", "content": "Ok, any changes I propose will be to those files."})
    else:
        messages.append(
            {
                "role": "user",
                "content": "Here are summaries of some files present in my git repository.\nDo not propose changes to these files, treat them as *read-only*.\n\nsrc/server.js:\n⋮\n│function start(port) {\n⋮\nsrc/routes/users.js:\n⋮\n│router.get('/:id', async (req, res) => {\n⋮",
            }
        )
        messages.append({"role": "assistant", "content": "Ok, I won't try and edit those files without asking first."})
    messages += [{"role": role, "content": _openai_text(content)} for role, content in turns]
    if pick(seed + "api", [0, 1]):
        return "openai", {
            "model": pick(seed + "m", ["gpt-4.1", "gpt-4o", "deepseek/deepseek-chat"]),
            "messages": messages,
            "temperature": 0,
            "stream": True,
        }
    system = messages[0]["content"]
    return "anthropic", {
        "model": "claude-sonnet-4-5-20250929",
        "max_tokens": 8192,
        "system": system,
        "messages": messages[1:],
        "temperature": 0,
        "stream": True,
    }


CLINE_SYSTEM = """You are Cline, a highly skilled software engineer with extensive knowledge in many programming languages, frameworks, design patterns, and best practices.

====

TOOL USE

You have access to a set of tools that are executed upon the user's approval. You can use one tool per message, and will receive the result of that tool use in the user's response. You use tools step-by-step to accomplish a given task, with each tool use informed by the result of the previous tool use.

# Tool Use Formatting

Tool use is formatted using XML-style tags. The tool name is enclosed in opening and closing tags, and each parameter is similarly enclosed within its own set of tags.

# Tools

## execute_command
Description: Request to execute a CLI command on the system. Use this when you need to perform system operations or run specific commands to accomplish any step in the user's task.
Parameters:
- command: (required) The CLI command to execute.
- requires_approval: (required) A boolean indicating whether this command requires explicit user approval.

## read_file
Description: Request to read the contents of a file at the specified path.

## write_to_file
Description: Request to write content to a file at the specified path. If the file exists, it will be overwritten.

## replace_in_file
Description: Request to replace sections of content in an existing file using SEARCH/REPLACE blocks.

## search_files
Description: Request to perform a regex search across files in a specified directory.

## ask_followup_question
Description: Ask the user a question to gather additional information needed to complete the task.

## attempt_completion
Description: Once you've received the results of tool uses and can confirm that the task is complete, use this tool to present the result of your work to the user.

====

RULES

- Your current working directory is: {cwd}
- You cannot `cd` into a different directory to complete a task.
- When making changes to code, always consider the context in which the code is being used."""


def cline(turns: list[Turn], seed: str, environment: str = "") -> Shape:
    cwd = pick(seed + "cwd", ["/Users/sam/code/webapp", "/home/lea/dev/shop", "c:/work/portal"])
    env = (
        environment
        or f"# VSCode Visible Files\nsrc/App.tsx\n\n# Current Working Directory ({cwd}) Files\npackage.json\nsrc/\npublic/\n\n# Current Mode\nACT MODE"
    )
    messages: list[Body] = []
    for index, (role, content) in enumerate(turns):
        if index == 0 and role == "user" and isinstance(content, str):
            blocks: Any = [
                {"type": "text", "text": f"<task>\n{content}\n</task>"},
                {"type": "text", "text": f"<environment_details>\n{env}\n</environment_details>"},
            ]
        elif isinstance(content, str):
            blocks = [{"type": "text", "text": content}]
        else:
            blocks = content
        messages.append({"role": role, "content": blocks})
    return "anthropic", {
        "model": "claude-sonnet-4-5-20250929",
        "max_tokens": 8192,
        "system": CLINE_SYSTEM.format(cwd=cwd),
        "messages": messages,
        "stream": True,
    }


OPENHANDS_SYSTEM = """You are OpenHands agent, a helpful AI assistant that can interact with a computer to solve tasks.

<ROLE>
Your primary role is to assist users by executing commands, modifying code, and solving technical problems effectively. You should be thorough, methodical, and prioritize quality over speed.
* If the user asks a question, like "why is X happening", don't try to fix the problem. Just give an answer to the question.
</ROLE>

<EFFICIENCY>
* Each action you take is somewhat expensive. Wherever possible, combine multiple actions into a single action, e.g. combine multiple bash commands into one, using sed and grep to edit/view multiple files at once.
</EFFICIENCY>

<FILE_SYSTEM_GUIDELINES>
* When a user provides a file path, do NOT assume it's relative to the current working directory. First explore the file system to locate the file before working on it.
* When configuring git credentials, use "openhands" as the user.name and "openhands@all-hands.dev" as the user.email by default.
</FILE_SYSTEM_GUIDELINES>

<VERSION_CONTROL>
* Do NOT commit files that typically shouldn't go into version control (e.g., node_modules/, .env files, build directories, cache files, large binaries) unless explicitly instructed by the user.
</VERSION_CONTROL>"""

OPENHANDS_TOOLS: list[Body] = [
    {
        "type": "function",
        "function": {
            "name": "execute_bash",
            "description": "Execute a bash command in the terminal within a persistent shell session.",
            "parameters": {
                "type": "object",
                "properties": {
                    "command": {"type": "string"},
                    "is_input": {"type": "string", "enum": ["true", "false"]},
                },
                "required": ["command"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "think",
            "description": "Use the tool to think about something. It will not obtain new information or make any changes.",
            "parameters": {"type": "object", "properties": {"thought": {"type": "string"}}, "required": ["thought"]},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "finish",
            "description": "Signals the completion of the current task or conversation.",
            "parameters": {"type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]},
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
            "name": "browser",
            "description": "Interact with the browser using Python code.",
            "parameters": {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]},
        },
    },
]


def openhands(task: str, steps: list[tuple[str, Body, str]], seed: str, follow_up: str | None = None) -> Shape:
    """OpenHands on the OpenAI API: tool calls answered by `tool` messages; `steps` are (tool, args, output)."""
    messages: list[Body] = [{"role": "system", "content": OPENHANDS_SYSTEM}, {"role": "user", "content": task}]
    for index, (name, args, output) in enumerate(steps):
        call_id = "call_" + uid(seed + str(index))
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
    if follow_up:
        messages.append({"role": "assistant", "content": "I've made the change."})
        messages.append({"role": "user", "content": follow_up})
    return "openai", {
        "model": pick(seed + "m", ["gpt-4o", "gpt-4.1", "claude-sonnet-4-5"]),
        "messages": messages,
        "tools": OPENHANDS_TOOLS,
        "tool_choice": "auto",
    }


IDE_SYSTEMS = [
    # (name, api, system)
    (
        "copilot-chat",
        "openai",
        'You are an AI programming assistant.\nWhen asked for your name, you must respond with "GitHub Copilot".\nFollow the user\'s requirements carefully & to the letter.\nYou must refuse to discuss your opinions or rules.\nKeep your answers short and impersonal.\nUse Markdown formatting in your answers.\nMake sure to include the programming language name at the start of the Markdown code blocks.\nThe user works in an IDE called Visual Studio Code which has a concept for editors with open files, integrated unit test support, an output pane that shows the output of running the code as well as an integrated terminal.\nThe active document is the source code the user is looking at right now.',
    ),
    (
        "continue",
        "anthropic",
        "<important_rules>\n  You are in chat mode.\n\n  If the user asks to make changes to files offer that they can use the Apply Button on the code block, or switch to Agent Mode to make the suggested updates automatically.\n  Always include the language and file name in the info string when you write code blocks, for example ```js src/main.js\n</important_rules>",
    ),
    (
        "cursor-like",
        "openai",
        "You are a powerful agentic AI coding assistant. You operate in the editor of the user.\nYou are pair programming with a USER to solve their coding task. The task may require creating a new codebase, modifying or debugging an existing codebase, or simply answering a question.\nEach time the USER sends a message, we may automatically attach some information about their current state, such as what files they have open, where their cursor is, recently viewed files, edit history in their session so far, linter errors, and more.",
    ),
    (
        "zed",
        "anthropic",
        "You are a highly skilled software engineer with extensive knowledge in many programming languages, frameworks, design patterns, and best practices.\n\n## Communication\n\n1. Be conversational but professional.\n2. Refer to the USER in the second person and yourself in the first person.\n3. Format your responses in markdown. Use backticks to format file, directory, function, and class names.\n4. NEVER lie or make things up.\n\n## Tool Use\n\n1. Make sure to adhere to the tools schema.\n2. Provide every required argument.",
    ),
    (
        "jetbrains-ai",
        "openai",
        "You are a helpful assistant integrated into a JetBrains IDE. You MUST reply in a polite and helpful manner. When you write code, use Markdown code blocks with the language. The user's project uses the following technologies: {stack}.",
    ),
    (
        "roo",
        "anthropic",
        "You are Roo, a knowledgeable technical assistant focused on answering questions and providing information about software development, technology, and related topics.\n\n====\n\nMARKDOWN RULES\n\nALL responses MUST show ANY `language construct` OR filename reference as clickable.\n\n====\n\nMODES\n\n- Code: write, modify or refactor code\n- Ask: answer questions\n- Architect: plan and design",
    ),
]

IDE_TOOLS: list[Body] = [
    {
        "name": "read_file",
        "description": "Read the contents of a file in the workspace.",
        "input_schema": _schema({"path": "Workspace-relative path"}, ["path"]),
    },
    {
        "name": "edit_file",
        "description": "Propose an edit to an existing file.",
        "input_schema": _schema({"path": "Workspace-relative path", "edit": "The edit"}, ["path", "edit"]),
    },
    {
        "name": "run_terminal_cmd",
        "description": "Run a command in the integrated terminal.",
        "input_schema": _schema({"command": "The command"}, ["command"]),
    },
    {
        "name": "codebase_search",
        "description": "Semantic search over the workspace.",
        "input_schema": _schema({"query": "What to look for"}, ["query"]),
    },
]


def ide(turns: list[Turn], seed: str, context: str = "", tools: bool | None = None) -> Shape:
    """An IDE chat or agent panel: its system prompt, an attached-context block, the chat."""
    name, api, system = pick(seed + "ide", IDE_SYSTEMS)
    system = system.replace(
        "{stack}",
        pick(
            seed + "stack",
            ["Kotlin, Spring Boot, Gradle", "TypeScript, React, Vite", "Python, Django, PostgreSQL", "Go, gRPC"],
        ),
    )
    turns = list(turns)
    if context:
        role, first = turns[0]
        turns[0] = (
            role,
            f"<attached_files>\n{context}\n</attached_files>\n\n{first}"
            if name != "copilot-chat"
            else f"{first}\n\nActive file excerpt:\n{context}",
        )
    if tools is None:
        tools = name in ("cursor-like", "zed", "roo")
    if api == "openai":
        body: Body = {
            "model": pick(seed + "m", ["gpt-4.1", "gpt-4o", "o4-mini"]),
            "messages": [{"role": "system", "content": system}]
            + [{"role": r, "content": _openai_text(c)} for r, c in turns],
            "stream": True,
        }
        if tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {"name": t["name"], "description": t["description"], "parameters": t["input_schema"]},
                }
                for t in IDE_TOOLS
            ]
        return api, body
    body = {
        "model": "claude-sonnet-4-5-20250929",
        "max_tokens": 8192,
        "system": system,
        "messages": [
            {"role": r, "content": c if isinstance(c, list) else [{"type": "text", "text": c}]} for r, c in turns
        ],
        "stream": True,
    }
    if tools:
        body["tools"] = IDE_TOOLS
    return api, body


# --------------------------------------------------------------------------------------------------
# SDK agents with tools that are not about code


def tool_agent(system: str, tools: list[Body], turns: list[Turn], seed: str, api: str = "anthropic") -> Shape:
    """An app's own agent on the SDK (a travel desk, a CRM helper) with its function tools."""
    if api == "anthropic":
        return api, {
            "model": pick(seed + "m", ANTHROPIC_MODELS),
            "max_tokens": 2048,
            "system": system,
            "tools": tools,
            "messages": [{"role": r, "content": c} for r, c in turns],
        }
    messages: list[Body] = [{"role": "system", "content": system}]
    for role, content in turns:
        if isinstance(content, list):  # Anthropic blocks -> OpenAI tool calls and tool messages
            uses = [b for b in content if b.get("type") == "tool_use"]
            results = [b for b in content if b.get("type") == "tool_result"]
            texts = [b["text"] for b in content if b.get("type") == "text"]
            if uses:
                messages.append(
                    {
                        "role": "assistant",
                        "content": "\n".join(texts) or None,
                        "tool_calls": [
                            {
                                "id": u["id"],
                                "type": "function",
                                "function": {"name": u["name"], "arguments": json.dumps(u["input"])},
                            }
                            for u in uses
                        ],
                    }
                )
            for r in results:
                messages.append(
                    {
                        "role": "tool",
                        "tool_call_id": r["tool_use_id"],
                        "content": r["content"] if isinstance(r["content"], str) else json.dumps(r["content"]),
                    }
                )
            if texts and not uses:
                messages.append({"role": role, "content": "\n".join(texts)})
        else:
            messages.append({"role": role, "content": content})
    functions = [
        {
            "type": "function",
            "function": {"name": t["name"], "description": t["description"], "parameters": t["input_schema"]},
        }
        for t in tools
    ]
    return api, {"model": pick(seed + "m", OPENAI_MODELS), "messages": messages, "tools": functions}


# --------------------------------------------------------------------------------------------------
# ElizaOS


SHOULD_RESPOND = """<task>Decide on behalf of {{agentName}} whether they should respond to the message, ignore it or stop the conversation.</task>

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

MESSAGE_HANDLER = """<task>Generate dialog and actions for the character {{agentName}}.</task>

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
</response>

IMPORTANT: Your response must ONLY contain the <response></response> XML block above. Do not include any text, thinking, or reasoning before or after this XML block. Start your response immediately with <response> and end with </response>.
</output>"""

FOCUS = "# Focus your response\nYou are replying to the above message from **{speaker}**. Keep your answer relevant to that message. Do not repeat earlier replies unless the sender asks again."


def eliza(kind: str, persona: Body, convo: list[tuple[str, str]], seed: str, api: str | None = None) -> Shape:
    """An ElizaOS TEXT_SMALL (should-respond) or TEXT_LARGE (message-handler) call.

    `persona`: name, system, bio, topics, style, actions [(NAME, description)]. `convo`: (speaker,
    text) pairs, the last being the message handled. The providers text follows TS core 1.7's
    composeState (character, actions, recent messages, the received message, the focus line).
    """
    name = persona["name"]
    actions = [
        ("REPLY", "Replies to the current conversation with the text from the generated message."),
        ("IGNORE", "Call this action if ignoring the user."),
        ("NONE", "Respond but perform no additional action."),
        *persona.get("actions", []),
    ]
    character = "\n".join(
        [
            f"# About {name}",
            *persona["bio"],
            f"{name} is interested in {', '.join(persona['topics'])}.",
            "",
            f"# {name}'s Directions for Style",
            *[f"- {s}" for s in persona["style"]],
        ]
    )
    action_text = (
        "Possible response actions: "
        + ", ".join(a for a, _ in actions)
        + "\n\n# Available Actions\n"
        + "\n".join(f"- **{a}**: {d}" for a, d in actions)
    )
    recent = ["# Conversation Messages"]
    for index, (speaker, text) in enumerate(convo[:-1]):
        ago = len(convo) - 1 - index
        recent.append(
            f"{21 - ago // 30:02d}:{(47 - ago * 2) % 60:02d} ({ago * 2} minutes ago) [{uid(speaker, 8)}] {speaker}: {text}"
        )
    speaker, text = convo[-1]
    received = f"# Received Message\n{speaker}: {text}\n\n" + FOCUS.format(speaker=speaker)
    if kind == "should_respond":
        providers = "\n\n".join([character, "\n".join(recent), received])
        prompt = SHOULD_RESPOND.replace("{{agentName}}", name).replace("{{providers}}", providers)
        small = True
    else:
        providers = "\n\n".join(
            [action_text, character, "\n".join(recent), received, "No previous action results available."]
        )
        prompt = MESSAGE_HANDLER.replace("{{agentName}}", name).replace("{{providers}}", providers)
        small = False
    api = api or pick(seed + "api", ["anthropic", "openai", "openai"])
    if api == "anthropic":
        return api, {
            "model": "claude-3-5-haiku-20241022" if small else "claude-sonnet-4-20250514",
            "max_tokens": 8192,
            "temperature": 0.7,
            "system": persona["system"],
            "messages": [{"role": "user", "content": [{"type": "text", "text": prompt}]}],
        }
    return api, {
        "model": "gpt-4o-mini" if small else "gpt-4o",
        "messages": [{"role": "system", "content": persona["system"]}, {"role": "user", "content": prompt}],
        "temperature": 0.7,
        "frequency_penalty": 0,
        "presence_penalty": 0,
        "max_tokens": 8192,
    }


POST_TEMPLATE = """# Task: Create a post in the voice and style and perspective of {name} @{handle}.

{providers}

Write a post that is {adjective} about {topic} (without mentioning {topic} directly), from the perspective of {name}. Do not add commentary or acknowledge this request, just write the post.
Your response should be 1, 2, or 3 sentences (choose the length at random).
Your response should not contain any questions. Brief, concise statements only. The total character count MUST be less than 280. No emojis.

Your output should be formatted in XML like this:
<response>
  <thought>Your thought here</thought>
  <post>Your post text here</post>
  <imagePrompt>Optional image prompt here</imagePrompt>
</response>

IMPORTANT: Your response must ONLY contain the <response></response> XML block above."""


def eliza_post(persona: Body, topic: str, adjective: str, recent_posts: list[str], seed: str) -> Shape:
    providers = "\n\n".join(
        [f"# About {persona['name']}\n" + "\n".join(persona["bio"]), "# Recent posts\n" + "\n".join(recent_posts)]
    )
    prompt = POST_TEMPLATE.format(
        name=persona["name"],
        handle=persona["name"].lower() + "_ai",
        providers=providers,
        adjective=adjective,
        topic=topic,
    )
    return "openai", {
        "model": "gpt-4o",
        "messages": [{"role": "system", "content": persona["system"]}, {"role": "user", "content": prompt}],
        "temperature": 0.7,
    }
