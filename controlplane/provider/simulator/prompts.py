"""How a simulated model reads an ElizaOS decision prompt: whose turn it is, what was said, by whom.

`chat` answers as a fine-tuned decision model would, so it has to find in the prompt what such a
model reads. ElizaOS's runtimes put it in different places:

- TypeScript 1.7.x (`@elizaos/core`, RECENT_MESSAGES provider): the message under
  `# Received Message` as "Sender: text", then `# Focus your response` and, in the message
  handler, "No previous action results available." (tests/clients/prompts/ts-1.7.2);
- Python 2.0.0a5 (`elizaos`, with reasoning's plugin or hooks): the message under
  `# Current Message` as "Sender: text", the last block of `<providers>`
  (tests/clients/prompts/py-2.0.0a5);
- anything else: the last non-empty line of `<providers>`, else the whole last user turn.

The agent's name comes from the template's own words ("Decide on behalf of X whether", "for the
character X."), else from the providers (`# About X`, `# Agent: X`); 2.0.0a5's message handler
leaves `{{agentName}}` unfilled, which is never taken for a name. Pure functions of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The headings under which each runtime puts the message being decided on, most specific first.
MESSAGE_HEADINGS = ("# Received Message", "# Current Message")

_NAME_PATTERNS = (
    r"Decide on behalf of (.+?) whether they should respond",
    r"Generate dialog and actions for the character (.+?)\.</task>",
    r"<name>\s*([^<\n]+?)\s*</name>",
    r"^# About (.+)$",
    r"^# Agent: (.+)$",
)
_SENDER = re.compile(r"^([^:\n]{1,60}):\s(.*)$", re.DOTALL)
_PEOPLE = re.compile(r'^"([^"\n]+)"(?: aka "[^"\n]*")?$', re.MULTILINE)
# A line of TS's `# Conversation Messages`: "22:45 (just now) [entity-id] Bob: text".
_SPEAKER = re.compile(r"^\d{1,2}:\d{2} \([^)]*\) \[[^\]]*\] ([^:(\n]{1,40}): ", re.MULTILINE)
_NOT_NAMES = frozenset({"hey", "hi", "hello", "ok", "okay", "yes", "no", "well", "so", "thanks", "please", "oh", "wow"})
_ADDRESSED = re.compile(r"^\W*(?:\w+\s+)?@?([A-Z][\w'-]+)[,:]")


@dataclass(frozen=True)
class Said:
    """The message a decision is about: its line as the prompt shows it, who sent it, its text."""

    line: str
    sender: str | None
    text: str


def agent_name(prompt: str, default: str = "agent") -> str:
    for pattern in _NAME_PATTERNS:
        for found in re.finditer(pattern, prompt, re.MULTILINE):
            name = found.group(1).strip()
            if name and "{{" not in name and "}}" not in name:
                return name
    return default


def latest_message(prompt: str) -> Said:
    """The message being decided on (see the module's docstring for where each runtime puts it)."""
    providers = re.search(r"<providers>(.*?)</providers>", prompt, re.DOTALL)
    scope = providers.group(1) if providers is not None else prompt
    for heading in MESSAGE_HEADINGS:
        at = scope.rfind(heading + "\n")
        if at >= 0:
            block = scope[at + len(heading) + 1 :]
            # The block ends at the first blank line or heading: the "Focus" and action results follow.
            lines: list[str] = []
            for line in block.splitlines():
                if not line.strip() or line.startswith("# "):
                    if lines:
                        break
                    continue
                lines.append(line.strip())
            return _said("\n".join(lines))
    if providers is not None:
        lines = [line.strip() for line in scope.splitlines() if line.strip()]
        last = lines[-1] if lines else ""
        return Said(last, None, last)
    return Said(prompt, None, prompt)


def participants(prompt: str) -> frozenset[str]:
    """Who else is in the conversation: TS's `# People in the Room`, and everyone who spoke."""
    names = {m.group(1).strip() for m in _PEOPLE.finditer(prompt)}
    names |= {m.group(1).strip() for m in _SPEAKER.finditer(prompt)}
    return frozenset(n for n in names if n)


def addressee(text: str) -> str | None:
    """The name a message opens by addressing ("Bob, lunch at noon", "haha Bob, did you ..."), if any."""
    found = _ADDRESSED.match(text)
    if found is None or found.group(1).lower() in _NOT_NAMES:
        return None
    return found.group(1)


def _said(line: str) -> Said:
    found = _SENDER.match(line)
    if found is None:
        return Said(line, None, line)
    return Said(line, found.group(1).strip(), found.group(2).strip())
