"""The live half of the contract suite runs only when asked for: deselected by default, alone
with `-m live`. Checked by collecting the suite in a separate pytest, as a user would run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUITE = "tests/contract/test_together_contract.py"


def collected(*args: str) -> tuple[list[str], str]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-o",
            "addopts=",
            "-q",
            "--strict-markers",
            "-p",
            "no:cacheprovider",
            SUITE,
            *args,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if "::" in line], result.stdout


class TestLiveSelection:
    def test_live_tests_are_deselected_unless_asked_for(self) -> None:
        ids, output = collected()
        assert ids and all(i.endswith("[simulator]") for i in ids)
        assert f"{len(ids)} deselected" in output

    def test_dash_m_live_selects_the_live_tests_alone(self) -> None:
        ids, _ = collected("-m", "live")
        assert ids and all(i.endswith("[live]") for i in ids)
