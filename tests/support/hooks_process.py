"""A hooks process for tests: the Python hooks API (`runtime.hooks.Hooks`) in a process of its
own, driven through its stdin, as an agent calling the hooks would be.

    python -m tests.support.hooks_process reasoning.yaml '{"should_respond": {"max_tokens": 50}}'

The second argument, JSON, gives `RoleSettings` by role. The process builds `Hooks` from the
manifest (its own store connections, budget guard, recorder and spool) and prints `ready`; then
each line `ID MESSAGE` it reads is one should-respond decision, asked at once (every line is in
flight together, as the caller sends them), answered by a line `ID REASON` (the decision's
reason, JSON-quoted). A fallback that says RESPOND stands in for the agent's own model. At the
end of its input it waits for the decisions in flight, drains its recorder into the store and
exits 0.
"""

from __future__ import annotations

import asyncio
import json
import sys

from controlplane.manifest import load
from runtime.hooks import Hooks
from runtime.hooks.types import RoleSettings


async def _serve(hooks: Hooks) -> None:
    loop = asyncio.get_running_loop()
    pending: set[asyncio.Task[None]] = set()

    async def one(ident: str, message: str) -> None:
        decision = await hooks.should_respond(message, fallback=lambda message, context: "[RESPOND]")
        sys.stdout.write(f"{ident} {json.dumps(decision.reason)}\n")
        sys.stdout.flush()

    while line := await loop.run_in_executor(None, sys.stdin.readline):
        ident, _, message = line.rstrip("\n").partition(" ")
        task = asyncio.create_task(one(ident, message))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.gather(*pending)


def main() -> None:
    path, settings = sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    manifest = load(path)
    roles = {role: RoleSettings(**values) for role, values in settings.items()}
    with Hooks(manifest, agent_name="Eliza", settings=roles) as hooks:
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        asyncio.run(_serve(hooks))
        if not hooks.recorder.flush(timeout=60):
            sys.exit("the hooks' recorder did not drain")


if __name__ == "__main__":
    main()
