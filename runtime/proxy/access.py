"""The access log: one line per request, after its answer, on the `runtime.proxy.access` logger.

    GET /v1/models 200 upstream "not a messages call" 3.1ms              (text)
    {"method": "GET", "path": "/v1/models", "status": 200, "role": "upstream", ...}   (json)

What a line holds is what an operator needs to see a decision: the method, the path (never the
query, which can carry a key), the status, `x-reasoning-role` and `x-reasoning-reason` as the
client got them, and the milliseconds the request took, to its last byte. Never a body or a header value:
the log has no secrets to leak. A client that hung up before any answer is logged with status 499.

A line per request is a write per request: `reasoning proxy serve` gives this logger a
`BatchedHandler`, which writes the lines of one event-loop turn with one write at its end (the
records, their order and their text unchanged), and formats each second's timestamp once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from typing import Any, Literal, TextIO

from runtime.proxy.asgi import header_value

log = logging.getLogger("runtime.proxy.access")

Format = Literal["text", "json", "off"]

#: nginx's word for "the client closed the connection before the answer"
CLIENT_GONE = 499


class AccessLog:
    def __init__(self, form: str) -> None:
        if form not in ("text", "json", "off"):
            raise ValueError(f"access log format {form!r}: text, json or off")
        self.form = form

    @property
    def on(self) -> bool:
        return self.form != "off"

    def line(self, method: str, path: str, status: int | None, role: bytes, reason: bytes, ms: float) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        code = CLIENT_GONE if status is None else status
        path = header_value(path).decode("latin-1")  # printable ASCII: a path cannot forge a line
        role_text, reason_text = role.decode("latin-1") or "-", reason.decode("latin-1")
        if self.form == "json":
            record = {"method": method, "path": path, "status": code, "role": role_text, "reason": reason_text,
                      "ms": round(ms, 2)}  # fmt: skip
            message = json.dumps(record)
        else:
            message = f'{method} {path} {code} {role_text} "{reason_text}" {ms:.1f}ms'
        _handle(_record(message))


def _handle(record: logging.LogRecord) -> None:
    """`log.handle(record)`. Wired as `reasoning proxy serve` wires it (one `BatchedHandler`, no
    filters, not propagated), the record goes straight to what `Logger.handle` would reach after
    its checks, under the handler's lock as `Handler.handle` takes it: ~40 lines of logging's
    Python a request the fewer. Any other wiring (a test's capture, a user's config) goes the
    usual way."""
    handlers = log.handlers
    if len(handlers) == 1 and not log.propagate and not log.filters and not log.disabled:
        handler = handlers[0]
        if type(handler) is BatchedHandler and not handler.filters and record.levelno >= handler.level:
            with handler.lock:  # type: ignore[union-attr]  # made by Handler.__init__
                handler.emit(record)
            return
    log.handle(record)


#: per thread (the object: an ident is reused once its thread ends): the attributes every access
#: record shares, from one record made the usual way; a forked child makes its own
_SHARED: dict[threading.Thread, dict[str, Any]] = {}
os.register_at_fork(after_in_child=_SHARED.clear)


def _record(message: str) -> logging.LogRecord:
    """An INFO record of `message` on this logger, as `log.makeRecord` makes it (the same
    attributes), at a fraction of the cost: `LogRecord.__init__` looks up the thread, the process
    and the source file's name on each call (10k of the app's 274k instructions per pass-through
    request, by callgrind); here they come from the first record this thread made, and only the
    time and text are new."""
    thread = threading.current_thread()
    shared = _SHARED.get(thread)
    if shared is None:
        shared = _SHARED[thread] = vars(log.makeRecord(log.name, logging.INFO, __file__, 0, "", (), None)).copy()
    record = logging.LogRecord.__new__(logging.LogRecord)
    created = time.time()
    # msecs as LogRecord computes it
    record.__dict__.update(shared, created=created, msecs=int((created - int(created)) * 1000) + 0.0,
                           relativeCreated=(created - _START) * 1000, msg=message)  # fmt: skip
    return record


_START: float = logging._startTime  # type: ignore[attr-defined]  # what relativeCreated counts from


class SecondsFormatter(logging.Formatter):
    """`logging.Formatter` with `%(asctime)s` formatted once per second, not once per record."""

    _second: int = -1
    _text: str = ""

    def format(self, record: logging.LogRecord) -> str:
        """As `logging.Formatter.format`; a record without exception or stack (every access line)
        takes the short way."""
        if record.exc_info or record.exc_text or record.stack_info:
            return super().format(record)
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        return self.formatMessage(record)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        if second != self._second:
            self._second, self._text = second, time.strftime(datefmt or "%Y-%m-%d %H:%M:%S", self.converter(second))
        return f"{self._text},{int(record.msecs):03d}" if datefmt is None else self._text


class BatchedHandler(logging.StreamHandler[TextIO]):
    """A stream handler that, inside a running event loop, writes at the end of the loop's turn: the
    lines of every request answered in that turn go out in one write. Elsewhere (another thread,
    no loop) a record is written at once, as `logging.StreamHandler` does."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._pending: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + self.terminator
        except Exception:
            self.handleError(record)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._pending.append(line)
            self._write()
            return
        if not self._pending:
            loop.call_soon(self._write)
        self._pending.append(line)

    def _write(self) -> None:
        self.acquire()
        try:
            lines, self._pending = self._pending, []
            if lines:
                self.stream.write("".join(lines))
                self.stream.flush()
        finally:
            self.release()

    def flush(self) -> None:
        self._write()

    def close(self) -> None:
        self._write()
        super().close()
