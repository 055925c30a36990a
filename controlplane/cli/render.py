"""Plans and status for people: Terraform-style text, markdown for PR comments, tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from controlplane.values.plan import Action, Plan
    from controlplane.values.status import Status

SYMBOLS = {"create": "+", "update": "~", "replace": "-/+", "start": ">", "stop": "||", "delete": "-", "noop": " "}
STYLES = {
    "create": "green",
    "update": "yellow",
    "replace": "magenta",
    "start": "green",
    "stop": "yellow",
    "delete": "red",
    "noop": "dim",
}


def plan_text(plan: Plan, *, verbose: bool = False) -> Group:
    lines: list[Text | Table] = [Text(f"Project {plan.project}", style="bold")]
    width = max((len(a.role) for a in plan.actions), default=4)
    for action in plan.actions:
        if action.kind == "noop" and not verbose and action.policy is None:
            continue  # a role the policy holds stopped is shown: the plan would not say why otherwise
        lines.append(_action_line(action, width))
        for change in action.changes:
            if change.before is None:  # a new deployment: Terraform's `field = value`
                lines.append(Text(f"      {change.field} = {change.after}", style="dim"))
                continue
            forced = "  # forces replacement" if change.field == action.forced_by else ""
            lines.append(Text(f"      {change.field}: {change.before} → {change.after}{forced}", style="dim"))
    noops = sum(1 for a in plan.actions if a.kind == "noop" and a.policy is None)
    if noops and not verbose:
        lines.append(Text(f"  ({noops} role(s) unchanged)", style="dim"))
    lines.extend(plan_notes(plan))  # above the summary, which stays the last line (CI greps it)
    lines.append(Text(""))
    lines.append(Text(plan.summary(), style="bold"))
    return Group(*lines)


def plan_notes(plan: Plan) -> list[Text]:
    """The overrides in force, the target, and the warnings (spend projected over a budget)."""
    notes = [Text(f"Override: {o.role} is {o.describe()}.") for o in plan.overrides]
    if plan.target:
        notes.append(Text(f"Targeted: {', '.join(plan.target)} only; other roles are left as they are."))
    notes += [Text(f"Warning: {warning}", style="yellow") for warning in plan.warnings]
    return notes


def _action_line(action: Action, width: int) -> Text:
    line = Text("  ")
    line.append(f"{SYMBOLS[action.kind]:>3} ", style=STYLES[action.kind])
    line.append(f"{action.role:<{width}}  ", style="bold")
    line.append(f"{action.kind:<8} ", style=STYLES[action.kind])
    line.append(action.reason)
    if action.cost_before != action.cost_after:
        line.append(f"  ({action.cost_before} → {action.cost_after})", style="dim")
    return line


def plan_markdown(plan: Plan) -> str:
    from jinja2 import Environment, StrictUndefined

    from controlplane import templating

    env = Environment(
        loader=templating.loader(), undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False
    )
    return env.get_template("plan.md.j2").render(plan=plan, symbols=SYMBOLS)


def status_table(status: Status, *, width: int = 220) -> Group:
    """The roles as a table that holds at 80 columns: what must never be cut (states, figures,
    the endpoint) in columns that do not wrap; hardware joins them when there is room, and drift,
    pending changes and overrides are listed under the table."""
    from rich import box

    wide = width >= 110
    table = Table(title=f"Project {status.project}", title_justify="left", expand=False)
    if not wide:
        table.box, table.pad_edge = box.SIMPLE_HEAD, False
    columns = ["role", "state", "replicas", "$/h now", "endpoint"] + (["hardware", "drift", "pending"] if wide else [])
    for column in columns:
        table.add_column(column, no_wrap=column not in ("drift", "pending"), overflow="fold")
    notes: list[Text] = []
    for role in status.roles:
        spec = role.spec
        replicas = f"{role.ready_replicas}/{spec.min_replicas}..{spec.max_replicas}" if spec else "-"
        drift = ", ".join(str(c) for c in role.drift) or ("-" if role.has_endpoint else "")
        pending = "" if role.pending is None else f"{role.pending.kind}: {role.pending.reason}"
        if role.override:
            pending = f"{pending}; {role.override}" if pending else role.override
        style = "red" if role.state == "FAILED" or role.drift else None
        cells = ["absent" if spec is None else role.state, replicas, str(role.usd_per_hour), role.endpoint]
        if wide:
            cells += [spec.hardware if spec else "-", drift, pending]
        else:
            said = [f"on {spec.hardware}"] if spec else []
            said += [f"drift: {drift}"] if role.drift else []
            said += [f"pending {pending}"] if pending else []
            if role.drift or pending:
                notes.append(Text(f"  {role.role}: " + "; ".join(said)))
        table.add_row(role.role, *cells, style=style)
    return Group(table, *notes)
