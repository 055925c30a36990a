"""How long `reasoning plan` takes for 10, 100 and 1000 roles against the served simulator,
and how long `reasoning --help` takes to start.

    python bench/plan_scale.py [--sizes 10,100,1000] [--repeat 5]

The simulator runs as its own process (`reasoning simulator serve`), as Together would, so the
planner does not share a CPU core's GIL with it. Each size gets a project of its own, seeded by
`reasoning apply --no-wait`. Two figures per size: the library call (refresh + plan, what CI
pays after start-up) and the whole `reasoning plan` command, both medians of --repeat runs, each
as wall time and as CPU time (the planner's, and the served simulator's beside it, from /proc:
on a machine shared with other work CPU time is the figure to compare), with the load average.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
REASONING = str(BIN / "reasoning") if (BIN / "reasoning").exists() else shutil.which("reasoning") or "reasoning"
MODELS = ["moonmakesmagic/DeepSeek-R1-Distill-Qwen-1.5B-shouldrespond", "moonmakesmagic/DeepSeek-Qwen-14B-planning"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"the simulator did not start on port {port}")


def manifest(directory: Path, size: int, base_url: str) -> Path:
    lines = [
        "version: 1",
        f"project: bench{size}",
        f"provider: {{type: together, base_url: '{base_url}'}}",
        "store: {url: 'sqlite:///state.db'}",
        "models:",
    ]
    for index in range(size):
        lines += [
            f"  r{index}:",
            f"    model: {MODELS[index % 2]}",
            "    hardware: 1x_nvidia_h100_80gb_sxm",
            "    replicas: {min: 1, max: 2}",
        ]
    path = directory / f"bench{size}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(command: list[str], env: dict[str, str]) -> float:
    return timed_cpu(command, env)[0]


def timed_cpu(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of `command` (its CPU from wait4's rusage)."""
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise subprocess.CalledProcessError(child.returncode, command)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def library_plan(path: Path) -> tuple[float, float, int]:
    from controlplane import api

    start, cpu = time.perf_counter(), time.process_time()
    plan = api.plan(api.load(path))
    return time.perf_counter() - start, time.process_time() - cpu, len(plan.actions)


def ms(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1000:.0f}ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    port = free_port()
    env = {**os.environ, "TOGETHER_API_KEY": "bench", "TOGETHER_PROJECT_ID": "proj_sim"}
    os.environ.update(TOGETHER_API_KEY="bench", TOGETHER_PROJECT_ID="proj_sim")
    server = subprocess.Popen(
        [REASONING, "simulator", "serve", "--port", str(port), "--provision-seconds", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port)
        base_url = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory() as scratch:
            directory = Path(scratch)
            print(
                f"{'roles':>6} {'seed (apply)':>13} | {'plan, library: wall':>20} {'CPU':>7} {'simulator CPU':>14} "
                f"| {'reasoning plan: wall':>21} {'CPU':>7} {'simulator CPU':>14} | load average"
            )
            for size in sizes:
                path = manifest(directory, size, base_url)
                seed = timed([REASONING, "apply", "-f", str(path), "--auto-approve", "--no-wait"], env)
                library_plan(path)  # once unmeasured: the imports are start-up, counted in the command
                library: list[float] = []
                library_cpu: list[float] = []
                library_sim: list[float] = []
                for _ in range(args.repeat):
                    before = cpu_of(server.pid)
                    seconds, cpu, actions = library_plan(path)
                    library_sim.append(cpu_of(server.pid) - before)
                    assert actions == size, f"planned {actions} roles, expected {size}"
                    library.append(seconds)
                    library_cpu.append(cpu)
                command: list[float] = []
                command_cpu: list[float] = []
                command_sim: list[float] = []
                for _ in range(args.repeat):
                    before = cpu_of(server.pid)
                    seconds, cpu = timed_cpu([REASONING, "plan", "-f", str(path)], env)
                    command_sim.append(cpu_of(server.pid) - before)
                    command.append(seconds)
                    command_cpu.append(cpu)
                load = " ".join(f"{x:.2f}" for x in os.getloadavg())
                print(
                    f"{size:>6} {seed:>12.2f}s | {ms(library):>20} {ms(library_cpu):>7} {ms(library_sim):>14} "
                    f"| {ms(command):>21} {ms(command_cpu):>7} {ms(command_sim):>14} | {load}"
                )
        startup = [timed([REASONING, "--help"], env) for _ in range(max(10, args.repeat))]
        bare = [timed([sys.executable, "-c", "pass"], env) for _ in range(max(10, args.repeat))]
        print(
            f"\nreasoning --help: {statistics.median(startup) * 1000:.0f} ms median of {len(startup)} "
            f"(bare python: {statistics.median(bare) * 1000:.0f} ms)"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
