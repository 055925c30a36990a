"""Writing a new `reasoning.yaml`: from answers (`reasoning setup`) or from the TypeScript service's
`.env` (`reasoning import-env`), both through the template `templates/reasoning.yaml.j2`.

Pure apart from reading the template: answers in, manifest text out, validated by the loader
before anyone writes it. Secrets are never copied: a variable holding a key becomes the *name*
the manifest reads it from (`api_key_env: TOGETHER_AI_API_KEY`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from controlplane.manifest.editor import render_scalar
from controlplane.manifest.loader import loads
from controlplane.manifest.schema import WELL_KNOWN_ROLES

#: The original service's three models and what they run on here (the quickstart's choices).
ROLE_DEFAULTS: dict[str, tuple[str, str]] = {
    "should_respond": ("moonmakesmagic/DeepSeek-R1-Distill-Qwen-1.5B-shouldrespond", "1x_nvidia_h100_80gb_sxm"),
    "planning": ("moonmakesmagic/DeepSeek-Qwen-14B-planning", "1x_nvidia_h100_80gb_sxm"),
    "coding": ("moonmakesmagic/DeepSeek-Llama-67B-coding", "2x_nvidia_h100_80gb_sxm"),
}


@dataclass
class RoleAnswer:
    name: str
    model: str
    hardware: str
    enabled: bool = True
    min_replicas: int = 1
    max_replicas: int = 1


@dataclass
class Answers:
    """Everything the template asks; the defaults are the quickstart's."""

    project: str = "agent"
    provider: str = "simulator"
    api_key_env: str = "TOGETHER_API_KEY"
    budget_usd: float | None = 500
    period: str = "month"
    max_cost_per_hour_usd: float | None = 25
    idle_minutes: int | None = 30
    roles: list[RoleAnswer] = field(
        default_factory=lambda: [
            RoleAnswer(name, model, hardware, enabled=name != "coding")
            for name, (model, hardware) in ROLE_DEFAULTS.items()
        ]
    )
    collect: bool = True
    max_samples: int = 10000
    retention_days: int = 30
    listen: str = "127.0.0.1:8001"
    written_by: str = "setup"


def render(answers: Answers, *, file: str = "reasoning.yaml") -> str:
    """The manifest text for `answers`, validated (ManifestError, naming the line, if it is not)."""
    from jinja2 import Environment, StrictUndefined

    from controlplane import templating

    env = Environment(loader=templating.loader(), undefined=StrictUndefined, keep_trailing_newline=True,
                      autoescape=False)  # fmt: skip
    text = env.get_template("reasoning.yaml.j2").render(m=answers, y=render_scalar)
    loads(text, file=file)
    return text


# -- the TypeScript service's .env ---------------------------------------------------------------

#: CUSTOM_REASONING_<X> (or REASONING_SERVICE_<X>) for the settings that are not per model
_GLOBAL = {
    "BUDGET_LIMIT": "budget_usd",
    "MAX_COST_PER_HOUR": "max_cost_per_hour_usd",
    "AUTO_SHUTDOWN_MINUTES": "idle_minutes",
    "COLLECT_TRAINING_DATA": "collect",
    "MAX_SAMPLES_PER_MODEL": "max_samples",
    "RETENTION_DAYS": "retention_days",
}
_KEYS = ("TOGETHER_AI_API_KEY", "TOGETHER_API_KEY")
_PREFIXES = ("CUSTOM_REASONING_", "REASONING_SERVICE_")


@dataclass
class Imported:
    answers: Answers
    #: (variable, where it went) for each variable used
    mapped: list[tuple[str, str]]
    #: (variable, why not) for each one of the service's variables that has no place here
    unmapped: list[tuple[str, str]]


def parse_env(text: str) -> dict[str, str]:
    """A .env file: `KEY=value`, `export KEY=value`, quotes, `# comments` (also after a value)."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key.strip()):
            continue
        value = value.strip()
        if value[:1] in ("'", '"') and value[0] in value[1:]:
            value = value[1 : value.index(value[0], 1)]
        else:
            value = re.split(r"\s+#", value, maxsplit=1)[0].strip()
        values[key.strip()] = value
    return values


def from_env(env: dict[str, str], *, project: str = "agent") -> Imported:
    """Answers from the service's variables; the ones this manifest has no place for are listed."""
    answers = Answers(project=project, written_by="import-env", budget_usd=None, max_cost_per_hour_usd=None,
                      idle_minutes=None, roles=[])  # fmt: skip
    mapped: list[tuple[str, str]] = []
    unmapped: list[tuple[str, str]] = []
    roles = {name: RoleAnswer(name, *ROLE_DEFAULTS[name], enabled=False) for name in WELL_KNOWN_ROLES}
    mentioned: set[str] = set()
    service_on = True
    for key in _KEYS:
        if key in env:
            answers.provider, answers.api_key_env = "together", key
            mapped.append((key, f"provider.api_key_env: {key} (the key itself is not copied)"))
            break
    for key in (k for k in _KEYS if k in env and k != answers.api_key_env):
        unmapped.append((key, f"a second key variable; the manifest reads {answers.api_key_env}"))
    for key, value in env.items():
        if key in _KEYS:
            continue
        prefix = next((p for p in _PREFIXES if key.startswith(p)), None)
        if prefix is not None:
            name = key[len(prefix) :]
            if name == "ENABLED":
                service_on = _bool(key, value)
                mapped.append((key, "every role's enabled (false disables them all)"))
                continue
            role = next((r for r in WELL_KNOWN_ROLES if name.startswith(r.upper() + "_")), None)
            if role is not None:
                what = name[len(role) + 1 :]
                mentioned.add(role)
                if what == "ENABLED":
                    roles[role].enabled = _bool(key, value)
                    mapped.append((key, f"models.{role}.enabled"))
                elif what == "MODEL":
                    roles[role].model = value
                    mapped.append((key, f"models.{role}.model"))
                else:
                    unmapped.append((key, f"no per-model setting {what.lower()} here"))
                continue
            if name in _GLOBAL:
                attribute = _GLOBAL[name]
                setattr(answers, attribute, _value(key, value, attribute))
                mapped.append((key, _GLOBAL_WHERE[attribute]))
                continue
            unmapped.append((key, "not a setting this manifest has"))
        elif key.startswith("ANTHROPIC_PROXY_"):
            if key == "ANTHROPIC_PROXY_PORT":
                answers.listen = f"127.0.0.1:{_int(key, value)}"
                mapped.append((key, f"proxy.listen: {answers.listen}"))
            elif key == "ANTHROPIC_PROXY_ENABLED":
                mapped.append((key, "the proxy runs with `reasoning proxy serve`; nothing to write"))
            else:
                unmapped.append((key, "not a proxy setting here; `reasoning schema` lists proxy's keys"))
        elif key == "ANTHROPIC_BASE_URL":
            unmapped.append((key, "an agent's setting: keep it in the agent's environment, pointing at the proxy"))
        elif key == "DEBUG":
            unmapped.append((key, "use --debug on the command line"))
    if answers.budget_usd is not None:
        answers.period = "total"  # the service's limit never reset
    for answer in roles.values():
        if not service_on:
            answer.enabled = False
    # the service's default: should_respond on, the others off, unless the file says
    if "should_respond" not in mentioned and service_on:
        roles["should_respond"].enabled = True
    answers.roles = list(roles.values())
    return Imported(answers=answers, mapped=mapped, unmapped=unmapped)


_GLOBAL_WHERE = {
    "budget_usd": "budget.limit_usd (period: total, as the service's limit never reset)",
    "max_cost_per_hour_usd": "budget.max_cost_per_hour_usd",
    "idle_minutes": "defaults.idle_shutdown_minutes",
    "collect": "training_data.collect",
    "max_samples": "training_data.max_samples_per_model",
    "retention_days": "training_data.retention_days",
}


def _value(key: str, value: str, attribute: str) -> Any:
    if attribute == "collect":
        return _bool(key, value)
    if attribute in ("idle_minutes", "max_samples", "retention_days"):
        return _int(key, value)
    try:
        return float(value)
    except ValueError:
        raise _bad(key, value, "a number") from None


def _bool(key: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off", ""):
        return False
    raise _bad(key, value, "true or false")


def _int(key: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise _bad(key, value, "a whole number") from None


def _bad(key: str, value: str, wanted: str) -> Exception:
    from controlplane.errors import ReasoningError

    shown = value if len(value) < 40 else value[:37] + "..."
    return ReasoningError(f"{key}={shown}: not {wanted}")
