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


class TestRecords:
    def test_a_line_is_a_record_as_logging_makes_it(self) -> None:
        """Access records skip `LogRecord.__init__`; every attribute a handler or formatter reads
        is still there, with this thread's and this process's values."""
        from runtime.proxy.access import _record, log

        ours = _record("GET /x 200")
        theirs = log.makeRecord(log.name, logging.INFO, ours.pathname, 0, "GET /x 200", (), None)
        timing = {"created", "msecs", "relativeCreated"}
        assert {k: v for k, v in vars(ours).items() if k not in timing} == {
            k: v for k, v in vars(theirs).items() if k not in timing
        }
        assert abs(ours.created - theirs.created) < 60 and ours.msecs == int((ours.created % 1) * 1000)
        assert ours.getMessage() == "GET /x 200" and type(ours) is logging.LogRecord

    def test_each_thread_s_records_name_that_thread(self) -> None:
        import threading

        from runtime.proxy.access import _record

        names: list[str | None] = []
        for name in ("first", "second"):  # the second may reuse the first's ident once it ended
            thread = threading.Thread(target=lambda: names.append(_record("x").threadName), name=name)
            thread.start()
            thread.join()
        assert names == ["first", "second"] and _record("x").threadName == threading.current_thread().name

    def test_served_as_the_cli_wires_it_a_line_reads_as_logging_would_write_it(self) -> None:
        """One BatchedHandler and no propagation (`reasoning proxy serve`): the line skips the
        logger's own checks and reads the same as when it takes them (a filter forces that way)."""
        from runtime.proxy.access import AccessLog, log

        def written(*, filtered: bool) -> str:
            stream = io.StringIO()
            handler = BatchedHandler(stream)
            handler.setFormatter(SecondsFormatter("%(levelname)s %(name)s %(module)s %(threadName)s: %(message)s"))
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
                AccessLog("text").line("POST", "/v1/messages", 200, b"upstream", b"no rule matched", 1.25)
            finally:
                del log.handle
                log.handlers[:], log.propagate = saved[0], saved[1]
                log.setLevel(saved[2])
            assert len(taken) == (1 if filtered else 0)  # the short way skips Logger.handle
            return stream.getvalue()

        line = written(filtered=False)
        assert line == written(filtered=True)
        assert (
            line
            == 'INFO runtime.proxy.access access MainThread: POST /v1/messages 200 upstream "no rule matched" 1.2ms\n'
        )
