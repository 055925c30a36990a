"""How long `reasoning plan` takes for 10, 100 and 1000 roles against the served simulator,
and how long `reasoning --help` takes to start.

    python bench/plan_scale.py [--sizes 10,100,1000] [--repeat 5]

The simulator runs as its own process (`reasoning simulator serve`), as Together would, so the
planner does not share a CPU core's GIL with it. Each size gets a project of its own, seeded by
`reasoning apply --no-wait`. Two figures per size: the library call (refresh + plan, what CI
pays after start-up) and the whole `reasoning plan` command, both medians of --repeat runs.
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


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def library_plan(path: Path) -> tuple[float, int]:
    from controlplane import api

    start = time.perf_counter()
    plan = api.plan(api.load(path))
    return time.perf_counter() - start, len(plan.actions)


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
            print(f"{'roles':>6} {'seed (apply)':>13} {'plan, library':>14} {'reasoning plan':>15}")
            for size in sizes:
                path = manifest(directory, size, base_url)
                seed = timed([REASONING, "apply", "-f", str(path), "--auto-approve", "--no-wait"], env)
                library = []
                for _ in range(args.repeat):
                    seconds, actions = library_plan(path)
                    assert actions == size, f"planned {actions} roles, expected {size}"
                    library.append(seconds)
                command = [timed([REASONING, "plan", "-f", str(path)], env) for _ in range(args.repeat)]
                print(
                    f"{size:>6} {seed:>12.2f}s {statistics.median(library) * 1000:>12.0f}ms "
                    f"{statistics.median(command) * 1000:>13.0f}ms"
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
