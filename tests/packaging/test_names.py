"""The distribution's name: `reasoning` on the package index is an unrelated project's, so no file
of ours may ever tell anyone to `pip install` it (bare, with extras or with a version)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTION = "reasoning-gitops"
STRANGER = "reasoning"

#: `pip install` and its arguments, up to the end of the line or of the shell command
_PIP_INSTALL = re.compile(r"\bpip3?\s+install\b([^\n&|;#>]*)")


def installs_of(text: str) -> list[str]:
    """The requirement names each `pip install` line in `text` asks for, normalized as the index does."""
    names = []
    for match in _PIP_INSTALL.finditer(text):
        for token in match.group(1).split():
            token = token.strip("'\"`),;")
            if not token or token.startswith(("-", ".", "/", "~", "$", "{")) or "://" in token:
                continue  # an option, a local path, a variable or a URL: not a name on the index
            name = re.split(r"[\[<>=!~;@ ]", token, maxsplit=1)[0]
            names.append(re.sub(r"[-_.]+", "-", name).lower())
    return names


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False)
    if listed.returncode != 0:  # not a git checkout (an unpacked sdist): every file there is ours
        return [p for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts and ".git" not in p.parts]
    return [ROOT / name for name in listed.stdout.decode().split("\0") if name]


class TestTheDistributionName:
    def test_the_project_is_published_under_its_own_name(self) -> None:
        text = (ROOT / "pyproject.toml").read_text()
        assert re.search(rf'^name = "{DISTRIBUTION}"$', text, re.MULTILINE)

    @pytest.mark.parametrize(
        "line",
        [
            "pip install reasoning",
            "pip install 'reasoning[elizaos]'",
            "python -m pip install -U reasoning==0.1.0",
            "uv pip install Reasoning",
            "run: pip3 install --quiet reasoning>=0.1",
        ],
    )
    def test_an_install_of_the_strangers_package_is_recognized(self, line: str) -> None:
        assert STRANGER in installs_of(line)

    @pytest.mark.parametrize(
        "line",
        [
            "pip install -e '.[dev]'",
            "pip install ./.reasoning-src",
            "pip install 'reasoning-gitops[elizaos]'",
            "pip install 'reasoning-gitops @ git+https://example.invalid/reasoning.git'",
            "pip install elizaos-plugin-openai",
            "pip install -e . && reasoning plan",
        ],
    )
    def test_installs_of_our_own_checkout_or_other_packages_are_not(self, line: str) -> None:
        assert STRANGER not in installs_of(line)

    def test_no_tracked_file_installs_the_strangers_package(self) -> None:
        files = [path for path in tracked_files() if path != Path(__file__).resolve() and not path.is_symlink()]
        assert len(files) > 50  # the walk saw the tree: README, examples, code
        offenders = []
        for path in files:
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, IsADirectoryError):
                continue  # binary data has no install lines
            if STRANGER in installs_of(text):
                offenders.append(str(path.relative_to(ROOT)))
        assert offenders == [], f"these say `pip install {STRANGER}`, a stranger's package: {offenders}"
