"""How long `reasoning plan` on the quickstart and `reasoning --help` take, as whole processes.

    python bench/cli_startup.py [--runs 15] [--warmup 3]

The README's quickstart as a new user runs it: the repository's `reasoning.yaml` copied into a
fresh directory (embedded simulator, SQLite under `.reasoning/`), `reasoning plan` run there.
Each command is run --warmup times unmeasured (bytecode caches written, the store created),
then --runs times. For each: the median, min and max wall time, and the median CPU time of the
child (user + system, from wait4's rusage: less inflated by other load than wall time), beside
the load average, so figures from a busy machine can be read for what they are. Targets (issue
9): plan under 0.6 s wall, --help under 150 ms.

Run it with PYTHONDONTWRITEBYTECODE unset, or every run compiles every module.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REASONING = str(BIN / "reasoning") if (BIN / "reasoning").exists() else shutil.which("reasoning") or "reasoning"


def run_once(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one run of `argv` in `cwd`, its output discarded."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: output to /dev/null, then exec
        try:
            os.chdir(cwd)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 2):
        raise SystemExit(f"{' '.join(argv)} exited {code}")
    return wall, usage.ru_utime + usage.ru_stime


def measure(name: str, argv: list[str], cwd: Path, runs: int, warmup: int) -> None:
    for _ in range(warmup):
        run_once(argv, cwd)
    load = os.getloadavg()
    walls, cpus = zip(*(run_once(argv, cwd) for _ in range(runs)), strict=True)
    print(
        f"{name:<16} wall median {statistics.median(walls) * 1000:5.0f} ms "
        f"(min {min(walls) * 1000:.0f}, max {max(walls) * 1000:.0f}), "
        f"CPU median {statistics.median(cpus) * 1000:5.0f} ms (min {min(cpus) * 1000:.0f}); "
        f"{runs} runs, load average before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
        f"after {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("warning: PYTHONDONTWRITEBYTECODE is set: every run compiles every module", file=sys.stderr)
    with tempfile.TemporaryDirectory() as scratch:
        quickstart = Path(scratch)
        shutil.copy(ROOT / "reasoning.yaml", quickstart / "reasoning.yaml")
        measure("reasoning plan", [REASONING, "plan"], quickstart, args.runs, args.warmup)
        measure("reasoning --help", [REASONING, "--help"], quickstart, args.runs, args.warmup)
        measure("python -c pass", [sys.executable, "-c", "pass"], quickstart, args.runs, args.warmup)


if __name__ == "__main__":
    main()
