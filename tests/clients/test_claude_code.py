"""Claude Code 2.1.197, headless, through `reasoning proxy serve` with the coding role on (issue 11).

`claude -p "<prompt>" --output-format stream-json --verbose` in a temporary HOME and working
directory, `ANTHROPIC_BASE_URL` at the proxy, a dummy key, and only the environment below: the
machine's own (a developer's ANTHROPIC_*, proxies) never reaches it. Its tools and system prompt
route a coding ask to `coding`, so the simulator plays the coding model: asked to write code or a
file, it calls Claude Code's `Write` in the working directory Claude Code states, and ends the turn
once the tool has answered (controlplane/provider/simulator/coding.py). The proxy translates
Claude Code's Anthropic tools to OpenAI tools, the simulator's `tool_calls` back to `tool_use`,
and the mid-conversation system message Claude Code sends (beta mid-conversation-system-2026-04-07).
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.clients.conftest import Proxy, Upstreams, node_project

# What keeps Claude Code offline and quiet: no telemetry, error reports, update checks, feedback
# or title/topic calls (CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC covers the other three; they are
# set too in case a version splits them again). Verified with strace: the write-a-function test.
OFFLINE = {
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    "DISABLE_TELEMETRY": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "DISABLE_AUTOUPDATER": "1",
    "DISABLE_BUG_COMMAND": "1",
}
KEY = "sk-ant-claude-code-0123456789"


@dataclass
class Run:
    returncode: int
    events: list[dict[str, Any]]
    stderr: str
    cwd: Path

    @property
    def result(self) -> dict[str, Any]:
        results = [e for e in self.events if e.get("type") == "result"]
        assert results, f"no result event (exit {self.returncode}): {self.stderr[-2000:]}"
        return results[-1]

    def blocks(self, kind: str) -> list[dict[str, Any]]:
        """Content blocks of `kind` (tool_use, tool_result, text) in the session's messages."""
        found = []
        for event in self.events:
            content = (event.get("message") or {}).get("content")
            found += (
                [b for b in content if isinstance(b, dict) and b.get("type") == kind]
                if isinstance(content, list)
                else []
            )
        return found


def claude(proxy: Proxy, tmp: Path, prompt: str, *flags: str, strace: Path | None = None) -> Run:
    binary = node_project("claude-code") / "node_modules" / ".bin" / "claude"
    # the package ships a placeholder its postinstall replaces with the native binary (allowScripts)
    assert binary.stat().st_size > 1_000_000, f"{binary} is the placeholder: its postinstall did not run"
    home, cwd = tmp / "home", tmp / "work"
    home.mkdir()
    cwd.mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "ANTHROPIC_BASE_URL": proxy.base_url,
        "ANTHROPIC_API_KEY": KEY,
        **OFFLINE,
    }
    command = [
        str(binary),
        "-p",
        prompt,
        "--output-format",
        "stream-json",
        "--verbose",
        "--permission-mode",
        "acceptEdits",
        *flags,
    ]
    if strace is not None:
        command = ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(strace), *command]
    process = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )
    events = [json.loads(line) for line in process.stdout.splitlines() if line.startswith("{")]
    return Run(process.returncode, events, process.stderr, cwd)


def assert_succeeded(run: Run) -> None:
    result = run.result
    assert (run.returncode, result.get("subtype"), result.get("is_error")) == (0, "success", False), result.get(
        "result"
    )


@pytest.fixture
def upstream(upstreams: Upstreams) -> Upstreams:
    upstreams.clear()
    return upstreams


class TestClaudeCodeWithItsDefaultTools:
    """Issue 11's acceptance: three headless prompts exit 0 with the simulator as the coding model."""

    def test_write_a_function_completes_a_tool_use_tool_result_loop_and_exits_0(
        self, proxy: Proxy, upstream: Upstreams, tmp_path: Path
    ) -> None:
        since = len(proxy.log)
        trace = tmp_path / "strace.txt" if _strace_works() else None
        run = claude(proxy, tmp_path, "Write a Python function that reverses a linked list", strace=trace)
        assert_succeeded(run)
        [use] = run.blocks("tool_use")
        [result] = run.blocks("tool_result")
        assert result["tool_use_id"] == use["id"] and not result.get("is_error"), result
        written = Path(use["input"]["file_path"])
        assert use["name"] == "Write" and written.parent == run.cwd
        assert written.read_text() == use["input"]["content"]
        [function] = ast.parse(written.read_text()).body  # the file holds the function asked for
        assert isinstance(function, ast.FunctionDef) and "reverse" in function.name
        assert run.result["num_turns"] == 2 and run.result["result"] == f"I wrote {written}."
        # both turns, the second carrying the tool's result, answered by the coding role
        turns = proxy.access(since, "POST /v1/messages", 2)
        assert len(turns) == 2 and all(" 200 coding " in line for line in turns), turns
        assert not upstream.anthropic.paths("POST")
        if trace is not None:  # Claude Code talked to 127.0.0.1 only
            addresses = re.findall(
                r"(?:connect|sendto|sendmsg)\(\d+, .*?sa_family=AF_INET6?, [^}]*\}", trace.read_text()
            )
            assert addresses and all('"127.0.0.1"' in a or '"::1"' in a for a in addresses), addresses

    def test_a_chatty_question_exits_0(self, proxy: Proxy, upstream: Upstreams, tmp_path: Path) -> None:
        since = len(proxy.log)
        run = claude(proxy, tmp_path, "what's a good name for a cat?")
        assert_succeeded(run)
        assert run.result["result"].strip() and run.blocks("text")
        # not a coding ask: the learned router scores it low and hands it to Anthropic, saying so
        assert upstream.anthropic.paths("POST")
        [line] = proxy.access(since, "POST /v1/messages", 1)
        assert " 200 upstream " in line and "coding score" in line, line

    def test_create_a_file_writes_it_and_exits_0(self, proxy: Proxy, upstream: Upstreams, tmp_path: Path) -> None:
        since = len(proxy.log)
        run = claude(proxy, tmp_path, "create a file hello.py that prints hi")
        assert_succeeded(run)
        hello = run.cwd / "hello.py"
        [use] = run.blocks("tool_use")
        assert (use["name"], use["input"]["file_path"]) == ("Write", str(hello))
        ran = subprocess.run([sys.executable, str(hello)], capture_output=True, text=True, timeout=30)
        assert (ran.returncode, ran.stdout) == (0, "hi\n"), ran.stderr
        turns = proxy.access(since, "POST /v1/messages", 2)
        assert len(turns) == 2 and all(" 200 coding " in line for line in turns), turns
        assert not upstream.anthropic.paths("POST")


def _strace_works() -> bool:
    """strace is there and may trace (a container can forbid ptrace): then the run is traced."""
    if shutil.which("strace") is None:
        return False
    probe = subprocess.run(["strace", "-qq", "-o", "/dev/null", "true"], capture_output=True, timeout=30)
    return probe.returncode == 0
