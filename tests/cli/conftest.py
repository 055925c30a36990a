"""Running `reasoning` as a user does: `main()` with argv, through the CLI's one error boundary."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from controlplane.cli import main

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


Run = Callable[..., Result]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    def invoke(*args: str) -> Result:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["reasoning", *args])
        monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def quickstart(tmp_path: Path) -> Iterator[Path]:
    """The README's manifest in a directory of its own (its simulator world and store beside it)."""
    manifest = tmp_path / "reasoning.yaml"
    shutil.copy(ROOT / "reasoning.yaml", manifest)
    yield manifest


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))
