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
import re
import time
from typing import Literal, TextIO

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
        _emit(message)


def _emit(message: str) -> None:
    """`log.info(message)`. Wired as `reasoning proxy serve` wires it (one `BatchedHandler` whose
    formatter is a `SecondsFormatter` that reads only the time, level, name and message, no
    filters, not propagated), the line is made straight from the message, the text logging would
    write (`tests/runtime/proxy/test_access.py` compares them): no record, no formatting machinery,
    a few microseconds a request the fewer. Any other wiring (a test's capture, a user's config)
    goes the usual way."""
    handlers = log.handlers
    if len(handlers) == 1 and not log.propagate and not log.filters and not log.disabled:
        handler = handlers[0]
        formatter = handler.formatter
        if (
            type(handler) is BatchedHandler
            and not handler.filters
            and handler.level <= logging.INFO
            and type(formatter) is SecondsFormatter
            and formatter.direct
        ):
            handler.add(formatter.line(log.name, message, time.time()))
            return
    log.info(message)


#: a %-style field `SecondsFormatter.line` can fill without a record (no width, no flags)
_DIRECT_FIELD = re.compile(r"%\((asctime|levelname|name|message)\)s")


class SecondsFormatter(logging.Formatter):
    """`logging.Formatter` with `%(asctime)s` formatted once per second, not once per record."""

    _second: int = -1
    _text: str = ""

    def __init__(self, fmt: str | None = None, datefmt: str | None = None) -> None:
        super().__init__(fmt, datefmt)
        fmt = self._style._fmt or ""
        #: whether `line` can make this formatter's text: %-style, only the four fields it knows
        self.direct = type(self._style) is logging.PercentStyle and "%(" not in _DIRECT_FIELD.sub("", fmt)
        #: per logger name: the format with the level and the name filled in
        self._templates: dict[str, str] = {}

    def line(self, name: str, message: str, created: float) -> str:
        """What `format` gives for an INFO record of `message` on logger `name` made at `created`
        (for a `direct` formatter)."""
        template = self._templates.get(name)
        if template is None:
            level = logging.getLevelName(logging.INFO)
            fields = {"levelname": level.replace("%", "%%"), "name": name.replace("%", "%%")}
            template = self._templates[name] = re.sub(
                r"%\((levelname|name)\)s", lambda match: fields[match[1]], self._style._fmt or ""
            )
        msecs = int((created - int(created)) * 1000) + 0.0  # as LogRecord computes it
        return template % {"asctime": self._stamp(created, msecs, self.datefmt), "message": message}

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
        return self._stamp(record.created, record.msecs, datefmt)

    def _stamp(self, created: float, msecs: float, datefmt: str | None = None) -> str:
        second = int(created)
        if second != self._second:
            self._second, self._text = second, time.strftime(datefmt or "%Y-%m-%d %H:%M:%S", self.converter(second))
        return f"{self._text},{int(msecs):03d}" if datefmt is None else self._text


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
        self._queue(line)  # under the lock `Handler.handle` holds

    def add(self, line: str) -> None:
        """A line already formatted (`SecondsFormatter.line`), as `emit` would add it."""
        with self.lock:  # type: ignore[union-attr]  # made by Handler.__init__
            self._queue(line + self.terminator)

    def _queue(self, line: str) -> None:
        """Written at the end of the loop's turn, or at once outside a loop."""
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
