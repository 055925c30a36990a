"""`reasoning config`, `setup`, `import-env` and `hardware`: what is in force, a new manifest, the
way over from the TypeScript service, and what the provider offers at what price."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from controlplane.cli.options import FILE
from controlplane.cli.output import err, out, show
from controlplane.cli.process import short_lived

AS_JSON = typer.Option(False, "--json", help="Print versioned JSON.")


def register(app: typer.Typer) -> None:
    app.command()(config)
    app.command()(setup)
    app.command("import-env")(import_env)
    app.command()(hardware)


def config(file: Path = FILE, as_json: bool = AS_JSON) -> None:
    """The effective configuration and where each value comes from (file, defaults, default, env);
    secrets are masked."""
    from rich.table import Table

    from controlplane import api

    entries = api.config(file)
    if as_json:
        rows = [e.model_dump(mode="json") for e in entries]
        out.print(json.dumps({"format_version": "1", "file": str(file), "values": rows}, indent=2), markup=False)
        return
    table = Table(title=f"{file}: the configuration in force", title_justify="left", expand=False)
    table.add_column("key", overflow="fold")
    table.add_column("value", overflow="fold")
    table.add_column("from", no_wrap=True)
    for entry in entries:
        shown = entry.value if isinstance(entry.value, str) else json.dumps(entry.value)
        table.add_row(entry.key, shown, entry.source)
    show(table)


def setup(
    file: Path = typer.Option(Path("reasoning.yaml"), "-f", "--file", help="Where to write the manifest."),
    project: str = typer.Option(None, "--project", help="Names every endpoint: <project>-<role>."),
    provider: str = typer.Option(None, "--provider", help="simulator (no account) or together."),
    api_key_env: str = typer.Option(None, "--api-key-env", help="With together: the variable holding the key."),
    budget: float = typer.Option(None, "--budget", help="USD per period for all roles together."),
    period: str = typer.Option(None, "--period", help="day, week, month or total."),
    max_cost_per_hour: float = typer.Option(None, "--max-cost-per-hour", help="USD per hour no plan may exceed."),
    idle_minutes: int = typer.Option(None, "--idle-minutes", help="Stop a role after this long without a request."),
    roles: str = typer.Option(
        None, "--enable", help="Roles to enable, comma-separated (should_respond,planning,coding)."
    ),
    listen: str = typer.Option(None, "--listen", help="host:port for the proxy."),
    yes: bool = typer.Option(False, "-y", "--yes", help="Ask nothing: the defaults for what no flag gives."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write reasoning.yaml from templates/reasoning.yaml.j2: asks on a terminal, or takes flags."""
    from controlplane import api
    from controlplane.errors import ReasoningError
    from controlplane.manifest.setup import Answers

    if file.exists() and not force:
        raise ReasoningError(f"{file} exists", hint="pass --force to overwrite it, or -f OTHER.yaml")
    answers = Answers()
    ask = not yes and _interactive()

    def pick(given: object, question: str, default: object, kind: type = str) -> object:
        if given is not None:
            return given
        if not ask:
            return default
        return typer.prompt(question, default=default, type=kind)

    answers.project = str(pick(project, "Project name (endpoints are <project>-<role>)", answers.project))
    answers.provider = str(pick(provider, "Provider (simulator or together)", answers.provider))
    if answers.provider not in ("simulator", "together"):
        raise ReasoningError(f"--provider {answers.provider}: not simulator or together")
    if answers.provider == "together":
        answers.api_key_env = str(pick(api_key_env, "Variable holding the Together key", answers.api_key_env))
    answers.budget_usd = float(pick(budget, "Budget in USD per period", answers.budget_usd, float))  # type: ignore[arg-type]
    answers.period = str(pick(period, "Budget period (day, week, month, total)", answers.period))
    if answers.period not in ("day", "week", "month", "total"):
        raise ReasoningError(f"--period {answers.period}: not one of day, week, month, total")
    answers.max_cost_per_hour_usd = float(
        pick(max_cost_per_hour, "Max USD per hour", answers.max_cost_per_hour_usd, float)  # type: ignore[arg-type]
    )
    answers.idle_minutes = int(pick(idle_minutes, "Idle shutdown, minutes (0 = never)", answers.idle_minutes, int))  # type: ignore[call-overload]
    default_roles = ",".join(r.name for r in answers.roles if r.enabled)
    enabled = {
        r.strip().replace("-", "_") for r in str(pick(roles, "Roles to enable", default_roles)).split(",") if r.strip()
    }
    unknown = enabled - {r.name for r in answers.roles}
    if unknown:
        raise ReasoningError(
            f"--enable {', '.join(sorted(unknown))}: not a role", hint="should_respond, planning, coding"
        )
    for role in answers.roles:
        role.enabled = role.name in enabled
    answers.listen = str(pick(listen, "Proxy address", answers.listen))
    text = api.setup_manifest(answers)
    file.write_text(text, encoding="utf-8")
    out.print(f"Wrote {file}. Next: `reasoning plan -f {file}`.", markup=False)


def _interactive() -> bool:
    return sys.stdin.isatty()


def import_env(
    env_file: Path = typer.Argument(Path(".env"), help="The TypeScript service's .env file."),
    output: Path = typer.Option(Path("reasoning.yaml"), "--out", help="Where to write the manifest ('-': stdout)."),
    project: str = typer.Option("agent", "--project", help="Names every endpoint: <project>-<role>."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    as_json: bool = typer.Option(False, "--json", help="Report what was mapped as JSON (on stdout)."),
) -> None:
    """Turn CUSTOM_REASONING_*, REASONING_SERVICE_*, TOGETHER_AI_API_KEY and ANTHROPIC_PROXY_*
    into a manifest (secrets as variable names, never values); says what it could not map."""
    from controlplane import api
    from controlplane.errors import ReasoningError

    try:
        source = env_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReasoningError(f"{env_file}: no such file", hint="pass the .env file's path") from None
    text, imported = api.import_env(source, project=project)
    if str(output) != "-":
        if output.exists() and not force:
            raise ReasoningError(f"{output} exists", hint="pass --force to overwrite it, or --out OTHER.yaml")
        output.write_text(text, encoding="utf-8")
    mapped, unmapped = imported.mapped, imported.unmapped
    if as_json:
        report = {
            "format_version": "1",
            "written": None if str(output) == "-" else str(output),
            "mapped": [{"variable": k, "to": v} for k, v in mapped],
            "unmapped": [{"variable": k, "why": v} for k, v in unmapped],
        }
        if str(output) == "-":
            report["manifest"] = text
        out.print(json.dumps(report, indent=2), markup=False)
        return
    if str(output) == "-":
        out.print(text, markup=False, end="")
    for key, where in mapped:
        err.print(f"  {key} -> {where}", markup=False)
    for key, why in unmapped:
        err.print(f"  not mapped: {key}: {why}", markup=False)
    if str(output) != "-":
        err.print(f"Wrote {output} ({len(mapped)} variable(s) mapped, {len(unmapped)} not). "
                  f"Next: `reasoning plan -f {output}`.", markup=False)  # fmt: skip


def hardware(file: Path = FILE, as_json: bool = AS_JSON) -> None:
    """The provider's hardware catalog: instance type ids for `hardware:`, GPUs, price per hour."""
    from rich.table import Table

    with short_lived():
        from controlplane import api

        catalog = api.hardware(api.load(file))
    if as_json:
        rows = [h.model_dump(mode="json") for h in catalog]
        out.print(json.dumps({"format_version": "1", "hardware": rows}, indent=2), markup=False)
        return
    table = Table(expand=False)
    table.add_column("hardware (id)", no_wrap=True)
    table.add_column("GPUs", justify="right", no_wrap=True)
    table.add_column("$/h per replica", justify="right", no_wrap=True)
    table.add_column("also named", overflow="fold")
    for item in catalog:
        gpus = f"{item.gpu_count}x {item.gpu_type}" if item.gpu_count else "-"
        table.add_row(item.id, gpus, f"${item.usd_per_hour:,.2f}", item.name)
    show(table)
