"""Running `reasoning` as a user does: `main()` with argv, through the CLI's one error boundary.

In its own process a command may configure logging for good (`proxy serve` gives uvicorn a
handler on stderr); in the test process that handler would outlive the test's captured stream
and every later server thread's log line would fail on a closed file. So each run puts the
logging configuration back as it found it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from controlplane.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


Run = Callable[..., Result]


def runner(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """`run("plan", "-f", path)` -> the exit code and what the command printed."""

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["reasoning", *args])
        monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
        with _logging_as_it_was():
            try:
                main()
                code = 0
            except SystemExit as exit_:
                code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


def _loggers() -> list[logging.Logger]:
    return [logging.root, *(lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger))]


@contextmanager
def _logging_as_it_was() -> Iterator[None]:
    saved = {id(lg): (lg.level, lg.propagate, lg.disabled, list(lg.handlers)) for lg in _loggers()}
    try:
        yield
    finally:
        for logger in _loggers():
            level, propagate, disabled, handlers = saved.get(id(logger), (logging.NOTSET, True, False, []))
            for handler in set(logger.handlers) - set(handlers):
                handler.close()
            logger.setLevel(level)
            logger.propagate, logger.disabled, logger.handlers = propagate, disabled, handlers
