"""Operable (issue 11 item 4): an access line per request, and an unknown role named as such."""

from __future__ import annotations

import asyncio
import io
import json
import logging

import httpx
import pytest

from runtime.proxy.access import BatchedHandler, SecondsFormatter
from tests.runtime.proxy.conftest import ANTHROPIC_KEY, UPSTREAM_MODEL, Serve, World
from tests.support.served import ServedProxy

ASK = {"model": UPSTREAM_MODEL, "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
HEADERS = {"x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01"}


def access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "runtime.proxy.access"]


class TestUnknownRole:
    def test_an_unknown_role_gets_a_400_naming_the_roles_in_anthropics_shape(self, proxy: ServedProxy) -> None:
        response = httpx.post(
            f"{proxy.base_url}/v1/messages", json=ASK, headers={**HEADERS, "x-reasoning-role": "codng"}
        )
        assert response.status_code == 400 and response.headers["x-reasoning-role"] == "proxy"
        error = response.json()["error"]
        assert error["type"] == "invalid_request_error"
        assert "'codng'" in error["message"] and "coding, planning, should_respond, upstream" in error["message"]

    def test_an_unknown_role_gets_a_400_in_openais_shape(self, proxy: ServedProxy, world: World) -> None:
        body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}]}
        response = httpx.post(
            f"{proxy.base_url}/v1/chat/completions", json=body, headers={"x-reasoning-role": "nobody"}
        )
        assert response.status_code == 400
        assert response.json()["error"]["param"] == "x-reasoning-role" and not world.openai.received

    @pytest.mark.parametrize("value", ["coding", "Upstream", "should-respond", "Planning"])
    def test_a_role_as_the_router_reads_it_is_taken(self, proxy: ServedProxy, value: str) -> None:
        body = {**ASK, "x": 1}
        response = httpx.post(
            f"{proxy.base_url}/v1/messages", json=body, headers={**HEADERS, "x-reasoning-role": value}
        )
        assert response.status_code == 200, response.text


class TestAccessLog:
    def test_each_request_is_one_line_without_secrets_query_or_body(
        self, proxy: ServedProxy, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger="runtime.proxy.access")
        httpx.post(f"{proxy.base_url}/v1/messages?key=sekrit", json=ASK, headers=HEADERS)
        httpx.get(f"{proxy.base_url}/nowhere")
        proxy.flush()
        first, second = access_lines(caplog)
        assert first.startswith('POST /v1/messages 200 upstream "no rule matched') and first.endswith("ms")
        assert second.startswith('GET /nowhere 404 proxy "not found"')
        assert not any(secret in first for secret in (ANTHROPIC_KEY, "sekrit", "hi"))

    def test_json_lines_when_asked(self, world: World, serve: Serve, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.INFO, logger="runtime.proxy.access")
        proxy = serve(world.write(), access_log="json")
        httpx.get(f"{proxy.base_url}/healthz")
        proxy.flush()
        [line] = access_lines(caplog)
        record = json.loads(line)
        assert {k: record[k] for k in ("method", "path", "status", "role", "reason")} == {
            "method": "GET", "path": "/healthz", "status": 200, "role": "-", "reason": ""
        }  # fmt: skip
        assert isinstance(record["ms"], float)

    def test_off_is_silent(self, world: World, serve: Serve, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.INFO, logger="runtime.proxy.access")
        proxy = serve(world.write(proxy_extra="  access_log: 'off'\n"))
        httpx.get(f"{proxy.base_url}/healthz")
        proxy.flush()
        assert access_lines(caplog) == []


class _Stream(io.StringIO):
    """Counts its writes: a batched line costs no write of its own."""

    writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def _record(message: str, created: float = 1_700_000_000.25) -> logging.LogRecord:
    record = logging.LogRecord("runtime.proxy.access", logging.INFO, __file__, 0, message, (), None)
    record.created, record.msecs = created, (created % 1) * 1000
    return record


class TestBatchedLines:
    def test_the_lines_of_one_loop_turn_go_out_in_one_write_in_order(self) -> None:
        stream = _Stream()
        handler = BatchedHandler(stream)

        async def turn() -> None:
            for n in range(3):
                handler.handle(_record(f"line {n}"))
            assert stream.getvalue() == ""  # not yet: at the end of this turn
            await asyncio.sleep(0)

        asyncio.run(turn())
        assert (stream.getvalue(), stream.writes) == ("line 0\nline 1\nline 2\n", 1)

    def test_outside_a_loop_a_line_is_written_at_once(self) -> None:
        stream = _Stream()
        BatchedHandler(stream).handle(_record("alone"))
        assert stream.getvalue() == "alone\n"

    def test_close_writes_what_is_pending(self) -> None:
        stream = _Stream()
        handler = BatchedHandler(stream)

        async def turn() -> None:
            handler.handle(_record("last"))
            handler.close()

        asyncio.run(turn())
        assert stream.getvalue() == "last\n"

    def test_timestamps_read_as_logging_writes_them(self) -> None:
        fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
        ours, theirs = SecondsFormatter(fmt), logging.Formatter(fmt)
        for created in (1_700_000_000.25, 1_700_000_000.999, 1_700_000_001.0):
            record = _record("x", created)
            assert ours.format(record) == theirs.format(record)


class TestDirectLines:
    """`reasoning proxy serve`'s wiring (one BatchedHandler, a SecondsFormatter of the time, level,
    name and message, no propagation): the line is made without a record, and reads as logging
    would write it."""

    @staticmethod
    def written(fmt: str, *, filtered: bool = False, at: float = 1_700_000_000.25) -> tuple[str, int]:
        """The line `AccessLog.line` writes through a handler formatted by `fmt`, and how many
        records the logger handled (0: the direct way)."""
        from unittest import mock

        from runtime.proxy.access import AccessLog, log

        stream = io.StringIO()
        handler = BatchedHandler(stream)
        handler.setFormatter(SecondsFormatter(fmt))
        if filtered:
            handler.addFilter(lambda record: True)
        saved = log.handlers[:], log.propagate, log.level
        log.handlers[:] = [handler]
        log.propagate = False
        log.setLevel(logging.INFO)
        taken: list[logging.LogRecord] = []
        usual = log.handle

        def handle(record: logging.LogRecord) -> None:
            taken.append(record)
            usual(record)

        log.handle = handle  # type: ignore[method-assign]
        try:
            with mock.patch("time.time", return_value=at):  # the record's time and the direct line's
                AccessLog("text").line("POST", "/v1/messages", 200, b"upstream", b"no 100% match", 1.25)
        finally:
            del log.handle
            log.handlers[:], log.propagate = saved[0], saved[1]
            log.setLevel(saved[2])
        return stream.getvalue(), len(taken)

    def test_the_cli_s_format_is_written_directly_as_logging_writes_it(self) -> None:
        from controlplane.cli.proxy import _FORMAT

        direct, records = self.written(_FORMAT)
        usual, through = self.written(_FORMAT, filtered=True)  # a filter sends it the usual way
        assert (records, through) == (0, 1)
        assert direct == usual
        assert direct.endswith(' INFO runtime.proxy.access: POST /v1/messages 200 upstream "no 100% match" 1.2ms\n')
        assert direct.startswith(logging.Formatter().formatTime(_record("x", 1_700_000_000.25)))  # ...,250

    def test_a_format_of_other_fields_goes_the_usual_way(self) -> None:
        line, records = self.written("%(levelname)s %(name)s %(module)s %(threadName)s: %(message)s")
        assert records == 1
        assert (
            line
            == 'INFO runtime.proxy.access access MainThread: POST /v1/messages 200 upstream "no 100% match" 1.2ms\n'
        )
