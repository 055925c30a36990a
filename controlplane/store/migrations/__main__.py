"""`python -m controlplane.store.migrations revision "what changed"`: write the next revision."""

from __future__ import annotations

import argparse
import shutil
import subprocess

from controlplane.store.migrations import revision


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m controlplane.store.migrations")
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("revision", help="autogenerate the next revision from tables.py")
    made.add_argument("message", help='what changed, e.g. "usage: add the reservation column"')
    args = parser.parse_args()
    written = revision(args.message)
    ruff = shutil.which("ruff")
    if ruff is not None:  # the project's style, when ruff is installed (the dev extras)
        subprocess.run([ruff, "check", "--fix", "-q", str(written)], check=False)
        subprocess.run([ruff, "format", "-q", str(written)], check=False)
    print(f"wrote {written}; review it, then run: python -m pytest tests/store/test_migrations.py")


if __name__ == "__main__":
    main()
