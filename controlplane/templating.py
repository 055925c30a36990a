"""Where the jinja2 templates are read from: the decision prompts (hooks) and the plan as markdown (CLI).

They live in `templates/` at the top of the repository; `controlplane/templates` is a symlink to it,
so a checkout and an editable install read them there, and a built wheel carries them as package
data (the build follows the link). Either way they are read through `importlib.resources`, never
through a path relative to a source file.
"""

from __future__ import annotations

from importlib.resources import files

import jinja2

PACKAGE = "controlplane"
FOLDER = "templates"


def source(name: str) -> str:
    """One template's text, as shipped; `jinja2.TemplateNotFound` when there is no such template."""
    entry = files(PACKAGE) / FOLDER / name
    if not entry.is_file():
        raise jinja2.TemplateNotFound(name)
    return entry.read_text(encoding="utf-8")


def loader() -> jinja2.BaseLoader:
    """A jinja2 loader over the shipped templates, for an `Environment` with the caller's own settings."""
    return jinja2.FunctionLoader(source)
