"""What the proxy records of one exchange: its latency and first byte on the one clock."""

from __future__ import annotations

from datetime import timedelta

from controlplane import clock
from runtime.proxy.exchange import Exchange
from tests.support.clock import FakeClock


def exchange() -> Exchange:
    async def send(message: object) -> None:
        raise AssertionError("nothing is sent in these tests")

    return Exchange(
        api="anthropic",
        project="proxytest",
        scope={"type": "http", "path": "/v1/messages", "query_string": b""},
        send=send,
        headers=[],
        raw=b"{}",
        body={"model": "m", "messages": []},
        at=clock.now(),
        started=clock.monotonic(),
        role="coding",
    )


class TestTiming:
    def test_latency_is_the_time_from_arrival_to_recording(self, frozen: FakeClock) -> None:
        call = exchange()
        frozen.tick(timedelta(milliseconds=250))
        usage = call.usage("ok", None, 10, 16, 0.0)
        assert usage.latency_ms == 250.0 and usage.at == call.at

    def test_the_first_byte_is_marked_once(self, frozen: FakeClock) -> None:
        call = exchange()
        frozen.tick(timedelta(milliseconds=40))
        call.mark_first_byte()
        frozen.tick(timedelta(milliseconds=500))
        call.mark_first_byte()
        assert call.first_byte is not None and round((call.first_byte - call.started) * 1000) == 40


class TestHeaderView:
    def test_the_router_reads_a_header_by_name_as_text_the_last_of_a_repeated_one(self) -> None:
        from runtime.proxy.context import HeaderView

        view = HeaderView([(b"x-reasoning-role", b"coding"), (b"accept", b"*/*"), (b"x-reasoning-role", b"upstream")])
        assert view.get("x-reasoning-role") == "upstream" and view["accept"] == "*/*"
        assert view.get("x-claude-code-session-id") is None and view.get("nope", "d") == "d"
        assert view.has(b"accept") and not view.has(b"x-reasoning-dry-run")
        assert dict(view) == {"x-reasoning-role": "upstream", "accept": "*/*"} and len(view) == 2
