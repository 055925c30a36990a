"""Running the TypeScript ElizaOS agent (`node/elizaos/agent.mjs`) and reading its log.

`run_agents` starts one node process that runs each agent in turn (they share its PGlite
database: starting and migrating it is most of an agent's cost) with the README's environment as
the runtime's settings (the model plugin's base URL at the proxy, embeddings at the OpenAI
stand-in, dummy keys; nothing from this machine's environment), sends MESSAGES in one GROUP room,
makes the DIRECT model calls, and returns each agent's parsed log. `AgentLog` finds, for each
message, the model calls it caused and the HTTP call that carried each prompt, with the proxy's
decision headers.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SHOULD_RESPOND = "<task>Decide on behalf of"
MESSAGE_HANDLER = "<task>Generate dialog and actions"
REFLECTION = "# Task: Generate Agent Reflection"

OPENAI_KEY = "sk-openai-agent-0123456789"
ANTHROPIC_KEY = "sk-ant-agent-0123456789"
EMBEDDINGS_KEY = "sk-openai-embeddings-0123456789"  # its own, so the agent key's travels are the proxy's

# One GROUP room: chatter, a message addressed to the agent by name, talk to someone else, and a
# streamed one addressed to it.
MESSAGES = [
    {"from": "Bob", "text": "morning all, traffic on the bridge was terrible today"},
    {"from": "Alice", "text": "Eliza, what's a good name for a pet turtle?"},
    {"from": "Carol", "text": "haha Bob, did you watch the match last night?"},
    # addressed by name again, its reply streamed (handleMessage's onStreamChunk)
    {"from": "Alice", "text": "Eliza, tell me a fun fact about octopuses?", "stream": True},
]
DIRECT = [
    {"type": "OBJECT_SMALL", "prompt": "Give a pet turtle's name and age as a JSON object."},
    {"type": "OBJECT_LARGE", "prompt": "Give a pet goldfish's name and colour as a JSON object."},
]


@dataclass
class AgentLog:
    raw: dict[str, Any]
    output: str  # the process's stdout and stderr, for a failure's message

    @property
    def model_calls(self) -> list[dict[str, Any]]:
        return list(self.raw["modelCalls"])

    @property
    def http_calls(self) -> list[dict[str, Any]]:
        return list(self.raw["httpCalls"])

    def message(self, text: str) -> dict[str, Any]:
        return next(m for m in self.raw["messages"] if m["text"] == text)

    def replies(self, text: str) -> list[dict[str, Any]]:
        index = self.message(text)["index"]
        return [r for r in self.raw["replies"] if r["index"] == index]

    def calls_for(self, text: str, kind: str) -> list[dict[str, Any]]:
        """The model calls whose prompt is of `kind` (a template's first words) about the message `text`."""
        record = self.message(text)
        calls = self.model_calls[record["firstModelCall"] : record["lastModelCall"]]
        return [c for c in calls if str(c["params"].get("prompt", "")).startswith(kind)]

    def prompts(self, kind: str) -> list[str]:
        return [
            str(c["params"]["prompt"]) for c in self.model_calls if str(c["params"].get("prompt", "")).startswith(kind)
        ]

    def http_for(self, prompt: str) -> dict[str, Any]:
        """The HTTP call that carried `prompt` (in whichever API's body the plugin put it)."""
        needle = json.dumps(prompt)[1:-1]  # JSON escaping keeps a prefix a prefix (plugins append to prompts)
        found = [h for h in self.http_calls if needle in json.dumps(h.get("request"))]
        assert found, f"no HTTP call carried the prompt {prompt[:80]!r}"
        return found[-1]

    def failures(self) -> list[str]:
        """What failed, as the agent's own log says: errors, unhandled rejections, warnings of a
        failure, model calls and messages that threw, HTTP answers of 400 and above."""
        said = [
            f"{p['source']} {p['level']}: {p['text'][:300]}"
            for p in self.raw["problems"]
            if p["level"] != "warn" or re.search(r"fail", p["text"], re.IGNORECASE)
        ]
        said += [f"{c['type']} threw {c['error']}" for c in self.model_calls if "error" in c]
        said += [f"message {m['text']!r} threw {m['error']}" for m in self.raw["messages"] if "error" in m]
        said += [
            f"{h['method']} {h['url']} -> {h.get('status', h.get('error'))}"
            for h in self.http_calls
            if h.get("status", 600) >= 400
        ]
        return said


def answer_tag(text: Any, tag: str) -> str | None:
    found = re.search(rf"<{tag}>(.*?)</{tag}>", str(text), re.DOTALL)
    if found is None:
        return None
    return found.group(1).strip().replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def settings(*, openai_base: str, anthropic_base: str, embeddings: str) -> dict[str, str]:
    """The README's environment for a TS agent whose plugins point at `*_base`."""
    return {
        "OPENAI_BASE_URL": f"{openai_base}/v1",
        "OPENAI_SMALL_MODEL": "gpt-4o-mini",
        "OPENAI_LARGE_MODEL": "gpt-4o",
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_EMBEDDING_URL": f"{embeddings}/v1",
        "OPENAI_EMBEDDING_API_KEY": EMBEDDINGS_KEY,
        "ANTHROPIC_BASE_URL": f"{anthropic_base}/v1",
        "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
    }


def run_agents(project: Path, work: Path, runs: dict[str, tuple[str, dict[str, str]]]) -> dict[str, AgentLog]:
    """One node process running each named agent (plugin, settings) in turn: MESSAGES, then DIRECT."""
    work.mkdir(parents=True, exist_ok=True)
    specs = [
        {"name": name, "plugin": plugin, "settings": env, "messages": MESSAGES, "direct": DIRECT}
        for name, (plugin, env) in runs.items()
    ]
    script = {"log": str(work / "log.json"), "pgliteDir": str(work / "pglite"), "runs": specs}
    (work / "script.json").write_text(json.dumps(script))
    # Nothing from this machine's environment but PATH: the settings are all the agents get.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "LOG_LEVEL": "warn"}
    process = subprocess.run(
        ["node", str(project / "agent.mjs"), str(work / "script.json")],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    output = process.stdout[-4000:] + process.stderr[-4000:]
    assert process.returncode == 0 and (work / "log.json").exists(), (
        f"the agents failed ({process.returncode}):\n{output}"
    )
    logs = json.loads((work / "log.json").read_text())
    missing = [name for name in runs if name not in logs]
    assert not missing, f"no log for {missing}: {logs.get('(between runs)')}\n{output}"
    return {name: AgentLog(logs[name], output) for name in runs}
