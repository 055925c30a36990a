"""One budget for every process of a project: two `reasoning proxy serve` processes and one
hooks process (`tests/support/hooks_process.py`) on one PostgreSQL store, a $9.00 total budget,
400 routed requests in four patterns, every one of them starting cold.

The processes share nothing but the store, which is what a reservation has to go through. Each
pattern starts them afresh on an emptied schema: no process has seen an answer of the role, so
the first requests reserve all of their `max_tokens` (50 tokens, $0.50, three times what they
cost); what keeps a burst from falling back with most of the budget unspent is that a request
only reservations in flight keep out waits for them to settle (`runtime/budget.py`).

The custom model is `MeteredModel`: it answers after its own latency (1 s for the burst, so that
all 400 requests reach the proxies before the first answer settles: on this machine, 400
connections take a few hundred milliseconds to open, and a burst with faster answers is a stream;
0.1 s and 0.3 s for the others), `size N` tokens when the request asks for N, 17 otherwise. Only output is priced (at
$10,000 per million tokens: 17 tokens cost exactly $0.17), so every request's cost is exactly
known; the input the proxy estimates from a request's text cannot differ from what it is billed.
The 400 requests go in the pattern (all at once, or at most 16 or 32 in flight), alternating
between the replicas, every tenth through the hooks.

What holds, in every pattern: what the store says was spent ends at most $9.00 plus three times
the dearest request (one request per process), and when requests fell back for the budget, no
more than 10 % of it ($0.90) is left. Assertions are on money only, never on time.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import aiohttp
import pytest

from controlplane.manifest import load
from controlplane.store import Store
from controlplane.values import AppliedRole, Spec
from runtime.hooks.prompts import plan_prompt
from tests.support.metered import MeteredModel
from tests.support.standins import StandInAnthropic, StandInOpenAI
from tests.support.stores import PostgresSchema

pytestmark = pytest.mark.heavy

LIMIT = 9.0
REQUESTS = 400
REPO = Path(__file__).resolve().parents[3]
START_LINES = 200  # a process says it is ready within its first few lines of output
START_TIMEOUT = 120.0  # seconds for the three processes to start on a loaded machine (~1-2 s idle)

MANIFEST = """\
version: 1
project: shared
provider: {{type: simulator, base_url: {model}}}
store: {{url: "{store}"}}
budget: {{limit_usd: {limit}, period: total}}
models:
  planning:
    model: moonmakesmagic/DeepSeek-Qwen-14B-planning
    hardware: 1x_nvidia_h100_80gb_sxm
    price_per_million_tokens: {{input: 0, output: 10000}}
  should_respond:
    model: moonmakesmagic/DeepSeek-R1-Distill-Qwen-1.5B-shouldrespond
    hardware: 1x_nvidia_h100_80gb_sxm
    price_per_million_tokens: {{input: 0, output: 10000}}
training_data: {{collect: false}}
proxy:
  anthropic_upstream: {anthropic}
  openai_upstream: {openai}
  model_map: {{gpt-4o: planning, gpt-4o-mini: should_respond}}
  first_byte_timeout_seconds: 600
  connect_timeout_seconds: 120
"""
HOOKS_SETTINGS = {"should_respond": {"max_tokens": 50, "temperature": 0.1, "timeout_seconds": 600}}


@dataclass(frozen=True)
class Pattern:
    name: str
    delay: float  # the model's latency, seconds
    concurrency: int | None  # None: all at once
    sizes: tuple[int, ...] = (17,)  # output tokens asked for, in turn


PATTERNS = [
    Pattern("burst", 1.0, None),
    Pattern("c16-0.1s", 0.1, 16),
    Pattern("c32-0.3s", 0.3, 32),
    Pattern("mixed-sizes", 0.1, 16, (5, 17, 40, 17)),
]


@pytest.fixture
def pg_url(_postgres: PostgresSchema) -> str:
    return _postgres.empty()


@pytest.fixture
def upstreams() -> Iterator[tuple[StandInAnthropic, StandInOpenAI]]:
    with StandInAnthropic() as anthropic_upstream, StandInOpenAI() as openai_upstream:
        yield anthropic_upstream, openai_upstream


def _manifest(tmp_path: Path, store: str, model: str, upstreams: tuple[StandInAnthropic, StandInOpenAI]) -> Path:
    anthropic_upstream, openai_upstream = upstreams
    path = tmp_path / "reasoning.yaml"
    path.write_text(
        MANIFEST.format(
            model=model,
            store=store,
            limit=LIMIT,
            anthropic=anthropic_upstream.base_url,
            openai=openai_upstream.base_url,
        )
    )
    manifest = load(path)
    with Store(store) as opened:  # applied, as `reasoning apply` leaves it
        for role, spec in manifest.models.items():
            opened.record_applied(
                "shared",
                AppliedRole(
                    role=role,
                    spec=Spec(model=spec.model, hardware=spec.hardware, min_replicas=1, max_replicas=1),
                    enabled=True,
                    endpoint_id=f"ep-{role}",
                    deployment_id=f"dep-{role}",
                    applied_at=datetime(2026, 11, 24, tzinfo=timezone.utc),
                ),
            )
    return path


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


class Proxy:
    """`reasoning proxy serve` in its own process, at `base_url` once started."""

    def __init__(self, process: asyncio.subprocess.Process, base_url: str) -> None:
        self.process = process
        self.base_url = base_url
        assert process.stderr is not None
        self._drain = asyncio.create_task(process.stderr.read())  # never block on the pipe

    @classmethod
    async def start(cls, manifest: Path) -> Proxy:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from controlplane.cli import main; main()", "proxy", "serve", "-f", str(manifest),
            "--listen", "127.0.0.1:0", stderr=asyncio.subprocess.PIPE, cwd=manifest.parent, env=_environment(),
        )  # fmt: skip
        assert process.stderr is not None
        seen = []
        for _ in range(START_LINES):
            line = (await asyncio.wait_for(process.stderr.readline(), START_TIMEOUT)).decode()
            seen.append(line)
            found = re.search(r"reasoning proxy on (http://\S+)", line)
            if found:
                return cls(process, found.group(1))
            if not line:
                break
        process.kill()
        await process.wait()
        raise AssertionError(f"the proxy did not start: {''.join(seen)}")

    async def stop(self) -> None:
        """SIGTERM: the requests in flight finish and the recorder drains into the store."""
        self.process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(self.process.wait(), START_TIMEOUT) in (0, -signal.SIGTERM)
        await self._drain

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()


class HooksProcess:
    """The hooks in their own process: `ask(size)` is one should-respond decision, its reason back."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self._answers: dict[str, asyncio.Future[str]] = {}
        self._ids = itertools.count()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, manifest: Path) -> HooksProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.support.hooks_process", str(manifest), json.dumps(HOOKS_SETTINGS),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=manifest.parent, env=_environment(),
        )  # fmt: skip
        assert process.stdout is not None
        ready = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT)
        if ready != b"ready\n":
            process.kill()
            await process.wait()
            raise AssertionError(f"the hooks process did not start: {ready!r}")
        return cls(process)

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            ident, _, reason = line.decode().rstrip("\n").partition(" ")
            self._answers.pop(ident).set_result(json.loads(reason))
        for unanswered in self._answers.values():  # it ended (or died) with questions open
            unanswered.set_exception(AssertionError("the hooks process ended without answering"))

    async def ask(self, size: int) -> str:
        assert self.process.stdin is not None
        ident = str(next(self._ids))
        answer = self._answers[ident] = asyncio.get_running_loop().create_future()
        self.process.stdin.write(f"{ident} Eliza, size {size}\n".encode())
        return await answer

    async def stop(self) -> None:
        """End its input: it answers what it was asked, drains its recorder into the store, exits."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert await asyncio.wait_for(self.process.wait(), START_TIMEOUT) == 0
        await self._reader

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()


@asynccontextmanager
async def _processes(manifest: Path) -> AsyncIterator[tuple[list[Proxy], HooksProcess]]:
    """Two proxies and the hooks, started together; stopped (everything they answered in the
    store) when the block ends, killed if it fails."""
    started = await asyncio.gather(
        Proxy.start(manifest), Proxy.start(manifest), HooksProcess.start(manifest), return_exceptions=True
    )
    alive = [p for p in started if isinstance(p, (Proxy, HooksProcess))]
    try:
        for failed in started:
            if isinstance(failed, BaseException):
                raise failed
        one, other, hooks = started
        assert isinstance(one, Proxy) and isinstance(other, Proxy) and isinstance(hooks, HooksProcess)
        yield [one, other], hooks
        await asyncio.gather(*(p.stop() for p in alive))
    finally:
        for process in alive:
            process.kill()


async def _proxy_request(session: aiohttp.ClientSession, base_url: str, size: int) -> str:
    # gpt-4o is mapped to planning, which takes ElizaOS message-handler prompts only
    prompt = plan_prompt(f"write it, size {size}", agent_name="Eliza")
    body = {"model": "gpt-4o", "max_tokens": 50, "messages": [{"role": "user", "content": prompt}]}
    async with session.post(f"{base_url}/v1/chat/completions", json=body) as response:
        answer = await response.json()
        assert response.status == 200 and answer["choices"][0]["message"]["content"], answer
        return response.headers["x-reasoning-reason"]


async def _run(pattern: Pattern, manifest: Path) -> list[str]:
    """Every request's reason (`x-reasoning-reason`, or the hooks decision's)."""
    sizes = itertools.cycle(pattern.sizes)
    async with (
        _processes(manifest) as (proxies, hooks),
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session,
    ):

        async def one(i: int, size: int) -> str:
            if i % 10 == 9:
                return await hooks.ask(size)
            return await _proxy_request(session, proxies[i % 2].base_url, size)

        gate = asyncio.Semaphore(pattern.concurrency or REQUESTS)

        async def limited(i: int, size: int) -> str:
            async with gate:
                return await one(i, size)

        return list(await asyncio.gather(*(limited(i, next(sizes)) for i in range(REQUESTS))))


class TestOneBudgetAcrossReplicas:
    @pytest.mark.parametrize("pattern", PATTERNS, ids=[p.name for p in PATTERNS])
    def test_spend_ends_within_one_request_per_process_of_the_budget_and_uses_it(
        self, pattern: Pattern, pg_url: str, tmp_path: Path, upstreams: tuple[StandInAnthropic, StandInOpenAI]
    ) -> None:
        with MeteredModel(delay=pattern.delay) as model:
            manifest = _manifest(tmp_path, pg_url, model.base_url, upstreams)
            reasons = asyncio.run(_run(pattern, manifest))
            with Store(pg_url) as store:
                usage = store.usage("shared")

        assert len(usage) == REQUESTS  # every request is recorded, served or not
        served = [u for u in usage if u.cost_usd > 0]
        spent = sum(u.cost_usd for u in usage)
        dearest = max(u.cost_usd for u in served)
        for_budget = [r for r in reasons if "over budget" in r]
        assert model.answered == len(served)
        # what answered: the role's model through a proxy ("model gpt-4o -> planning") or the hooks
        others = [r for r in reasons if "over budget" not in r and not r.startswith(("model ", "unparseable"))]
        waited = [r for r in for_budget if "for requests in flight" in r]  # the rest: what is spent left no room
        print(f"{pattern.name}: spent ${spent:.2f} by {len(served)} answers; {len(for_budget)} fell back for the "
              f"budget ({len(waited)} after the whole wait) with ${LIMIT - spent:.2f} left; "
              f"others {Counter(others)}")  # fmt: skip
        assert len(for_budget) + len(others) == REQUESTS - len(served), Counter(others)
        # never for not knowing the budget; a connection the loaded machine dropped, very rarely
        assert not [r for r in others if "budget" in r] and len(others) <= REQUESTS // 100, Counter(others)
        assert spent <= LIMIT + 3 * dearest + 1e-9, (pattern.name, spent, len(served))
        if for_budget:
            assert LIMIT - spent <= 0.1 * LIMIT, (pattern.name, spent, len(served))
