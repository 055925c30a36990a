"""Budget at request time: many concurrent requests cannot overshoot the role's budget.

Each routed request costs exactly $0.01 (5 output tokens at $2,000 per million; `max_tokens: 5`
makes the simulator's answer exactly that long, so the estimate reserved equals the cost
settled). The role's budget is $1.00 a day, of which its hardware takes a known part: the fake
clock stands 45 s after apply (two H100 at $3.99/h each: $0.09975) while the proxy serves, so
exactly 90 requests fit. 500 arrive at once; the rest fall back, and every client is answered.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import aiohttp
import pytest

from controlplane import clock, costs
from tests.runtime.proxy.conftest import ANTHROPIC_KEY, CLIENT_MODEL, Serve, World
from tests.support.clock import FakeClock
from tests.support.project import apply

COST = 0.01
LIMIT = Decimal("1.00")
HARDWARE = Decimal("0.09975")  # 45 s of $7.98/h


async def _fire(url: str, count: int) -> list[tuple[int, str, str]]:
    body = {"model": CLIENT_MODEL, "max_tokens": 5, "messages": [{"role": "user", "content": "write a function"}]}
    headers = {"x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def one() -> tuple[int, str, str]:
            async with session.post(url, json=body, headers=headers) as response:
                answer = await response.json()
                assert answer["type"] == "message" and answer["content"][0]["text"], answer
                return response.status, response.headers["x-reasoning-role"], response.headers["x-reasoning-reason"]

        return await asyncio.gather(*(one() for _ in range(count)))


class TestConcurrentRequestsAgainstABudget:
    def test_500_at_once_spend_at_most_the_budget_and_all_are_answered(
        self, world: World, serve: Serve, frozen: FakeClock
    ) -> None:
        manifest = world.write(
            models_extra="    price_per_million_tokens: {output: 2000}\n    budget: {limit_usd: 1.0, period: day}\n",
            # 500 connections at once on a busy machine may wait seconds to be accepted or answered:
            # no request may fall back (or fail) for being slow, only for the budget
            proxy_extra="  first_byte_timeout_seconds: 600\n  connect_timeout_seconds: 120\n",
            fresh=True,
        )
        apply(manifest)
        with world.store() as store:
            (hardware,) = store.ledger("proxytest", role="coding")
        frozen.move_to(hardware.started_at + timedelta(seconds=45))
        proxy = serve(manifest)

        results = asyncio.run(_fire(f"{proxy.base_url}/v1/messages", 500))

        assert [status for status, _, _ in results] == [200] * 500
        served = [r for r in results if r[1] == "coding"]
        fell_back = [r for r in results if r[1] == "upstream"]
        assert len(served) + len(fell_back) == 500
        assert all(reason.startswith("fallback: over budget: ") for _, _, reason in fell_back)
        proxy.flush()
        with world.store() as store:
            usage = store.usage("proxytest")
            spend = costs.spend(store, manifest, clock.now()).roles["coding"]
        assert len(usage) == 500  # every request, served or not, is recorded for the role
        requests = sum(u.cost_usd for u in usage)
        assert requests == pytest.approx(len(served) * COST)
        assert spend.budget is not None
        assert spend.hardware_usd == HARDWARE
        assert spend.requests_usd == Decimal(str(round(requests, 6)))  # reconcile sees what the proxy recorded
        # requests plus the hardware's 45 s, as reconcile sees it: within one request of the limit
        assert spend.budget.usd == HARDWARE + len(served) * Decimal(str(COST))
        assert LIMIT - Decimal(str(COST)) < spend.budget.usd <= LIMIT
        assert len(served) == 90
