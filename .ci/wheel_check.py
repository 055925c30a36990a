"""Build the wheel, install it in a fresh virtualenv, and run the quickstart from it, outside the checkout.

    python .ci/wheel_check.py [--keep]      (from anywhere; .ci/run runs it before the tests)

The tests import the editable checkout, so they cannot see what a built wheel lacks (templates/
once). This installs the wheel alone, with its dependencies as a fresh resolve gives them, and
runs from a temporary directory with no source tree on the path: `reasoning plan`, `apply
--auto-approve`, `plan --markdown`, and one should-respond decision through `Hooks`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: what is never part of a build: a stale build/ would leak deleted files into the wheel
NOT_SOURCE = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".reasoning", ".*_cache")
#: a guard against a hang (pip on a slow index, a stuck command), not a measure of anything
STEP_TIMEOUT_SECONDS = 900

HOOKS_DECISION = """
from runtime.hooks import Hooks

hooks = Hooks.from_file("reasoning.yaml", agent_name="Eliza")
try:
    gate = hooks.should_respond_sync("Eliza, are you there?", [("Bob", "morning all")])
finally:
    hooks.close()
assert (gate.decision, gate.source) == ("RESPOND", "custom"), gate
print(gate.decision, gate.source, gate.reason)
"""

#: the wheel's migrations (versions/, env.py, script.py.mako) adopt and upgrade a database from
#: before migrations: only a database behind the head loads alembic, so plan/apply never showed it
OLD_STORE = """
from alembic import command
from sqlalchemy import create_engine, text
from controlplane.store import Store, migrations

engine = create_engine("sqlite:///old.db")
with engine.begin() as connection:
    command.upgrade(migrations.config(connection), migrations.BASELINE)
    connection.execute(text("DROP TABLE alembic_version"))
Store("sqlite:///old.db").close()
with engine.connect() as connection:
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
assert revision == migrations.HEAD, (revision, migrations.HEAD)
print("upgraded to", revision)
"""

WHERE_FROM = """
import sys
from importlib.metadata import version
import controlplane, runtime

for package in (controlplane, runtime):
    assert package.__file__.startswith(sys.prefix), f"{package.__name__} from {package.__file__}, not the venv"
print("controlplane from", controlplane.__file__)
print(" ".join(f"{name} {version(name)}" for name in ("reasoning-gitops", "typer", "rich", "click", "jinja2")))
"""


def step(title: str, command: list[str], cwd: Path, expect: str = "", env: dict[str, str] | None = None) -> str:
    started = time.monotonic()
    shown = ["<script>" if "\n" in word else word for word in command]
    print(f"--- {title}: {' '.join(shown)}", flush=True)
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT_SECONDS, check=False
    )
    output = done.stdout + done.stderr
    if done.returncode != 0 or expect not in output:
        print(output)
        raise SystemExit(f"wheel check failed at {title!r}: exit {done.returncode}, expected {expect!r} in the output")
    said = [line for line in output.splitlines() if line.strip() and not line.startswith("WARNING")]
    print(f"    ok in {time.monotonic() - started:.1f} s" + (f": {said[-1].strip()}" if said else ""), flush=True)
    return output


def main() -> None:
    keep = "--keep" in sys.argv[1:]
    work = Path(tempfile.mkdtemp(prefix="reasoning-wheel-check-"))
    try:
        source, venv, wheels, quickstart = work / "source", work / "venv", work / "wheels", work / "quickstart"
        shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(*NOT_SOURCE))
        quickstart.mkdir()
        shutil.copy(ROOT / "reasoning.yaml", quickstart / "reasoning.yaml")

        step("a fresh virtualenv", [sys.executable, "-m", "venv", str(venv)], work)
        python, reasoning = str(venv / "bin" / "python"), str(venv / "bin" / "reasoning")
        pip = [python, "-m", "pip", "--disable-pip-version-check", "--quiet"]
        step("build the wheel", [*pip, "wheel", "--no-deps", "--wheel-dir", str(wheels), str(source)], work)
        (wheel,) = wheels.glob("reasoning_gitops-*.whl")
        step("install it", [*pip, "install", str(wheel)], work)
        shutil.rmtree(source)  # nothing of the checkout is left to import from

        # the environment a person has: no PYTHONPATH, no store or provider settings of CI's own
        env = {
            k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith(("REASONING_", "TOGETHER_"))
        }
        step("imports come from the wheel", [python, "-c", WHERE_FROM], quickstart, "controlplane from", env)
        step("reasoning --version", [reasoning, "--version"], quickstart, "reasoning ", env)
        step("reasoning plan", [reasoning, "plan"], quickstart, "to create", env)
        step(
            "reasoning apply --auto-approve", [reasoning, "apply", "--auto-approve"], quickstart, "Apply complete", env
        )
        step("reasoning plan --markdown", [reasoning, "plan", "--markdown"], quickstart, "### `reasoning plan`", env)
        step("a should-respond decision", [python, "-c", HOOKS_DECISION], quickstart, "RESPOND custom", env)
        step("an old store is upgraded", [python, "-c", OLD_STORE], quickstart, "upgraded to", env)
        print(f"wheel check passed: {wheel.name}")
    finally:
        if keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
