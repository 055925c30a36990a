"""Plans and status for people: Terraform-style text, markdown for PR comments, tables."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from controlplane.plan import Action, Plan

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
    lines.append(Text(""))
    lines.append(Text(plan.summary(), style="bold"))
    return Group(*lines)


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


def status_table(plan: Plan) -> Table:
    table = Table(title=f"Project {plan.project}", title_justify="left", expand=False)
    for column in ("role", "state", "replicas", "hardware", "$/h now", "drift", "pending"):
        table.add_column(column)
    for action in plan.actions:
        live = action.actual.live if action.actual else None
        state = live.state if live else "absent"
        replicas = f"{live.ready_replicas}/{live.spec.min_replicas}..{live.spec.max_replicas}" if live else "-"
        drift = ", ".join(str(c) for c in action.drift) or ("-" if action.actual else "")
        pending = "" if action.kind == "noop" else f"{action.kind}: {action.reason}"
        style = "red" if state == "FAILED" or action.drift else None
        table.add_row(
            action.role,
            state,
            replicas,
            live.spec.hardware if live else "-",
            str(action.cost_before),
            drift,
            pending,
            style=style,
        )
    return table
