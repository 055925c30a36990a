"""A request carrying a value nested 900 deep costs no other request its usage record.

121 concurrent routed requests, one of them with a tool whose input schema is nested 900 deep
(the JSON parser takes it; redaction once raised RecursionError on such a value and the recorder
dropped the whole batch holding it). Every request is answered and every one has its usage in the store; the nested
one's sample is kept with the too-deep part replaced, and says so.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from tests.runtime.proxy.conftest import ANTHROPIC_KEY, CLIENT_MODEL, Serve, World

DEPTH = 900
OTHERS = 120


def _nested(depth: int) -> Any:
    value: Any = {"type": "string"}
    for _ in range(depth):
        value = {"type": "array", "items": value}
    return value


async def _fire(url: str) -> list[int]:
    headers = {"x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01", "content-type": "application/json"}

    def body(i: int) -> bytes:
        ask: dict[str, Any] = {"model": CLIENT_MODEL, "max_tokens": 20,
                               "messages": [{"role": "user", "content": f"write a function number {i}"}]}  # fmt: skip
        if i == 0:
            ask["tools"] = [{"name": "deep", "description": "takes a deep list", "input_schema": _nested(DEPTH)}]
        return json.dumps(ask).encode()

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def one(i: int) -> int:
            async with session.post(url, data=body(i), headers=headers) as response:
                await response.read()
                return response.status

        return await asyncio.gather(*(one(i) for i in range(OTHERS + 1)))


class TestADeeplyNestedRequest:
    def test_all_121_usage_records_are_written(self, world: World, serve: Serve) -> None:
        proxy = serve(world.write())
        statuses = asyncio.run(_fire(f"{proxy.base_url}/v1/messages"))
        proxy.flush()
        with world.store() as store:
            usage = store.usage("proxytest")
            samples = store.samples("proxytest")
        assert statuses == [200] * (OTHERS + 1)
        assert len(usage) == OTHERS + 1 and {u.role for u in usage} == {"coding"}
        assert len(samples) == OTHERS + 1
        assert proxy.services.recorder.stats().dropped == {}
        deep = [s for s in samples if "too_deep" in s.meta.get("redaction", [])]
        assert len(deep) == 1 and "write a function number 0" in json.dumps(deep[0].prompt)
