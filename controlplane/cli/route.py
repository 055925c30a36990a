"""`reasoning route explain|review|label`: what the router makes of a request, and labels for the next training run.

A thin skin over `runtime.learned` (the coding score), `runtime.routing` (the manifest's rules) and
`runtime.decisions` (the decisions the proxy recorded). The learned model's weights come with the
package; `python bench/routing_train.py` rebuilds them from the labeled corpus and the labels given here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from controlplane.cli.options import FILE
from controlplane.cli.output import out

app = typer.Typer(
    help="How requests are routed: explain one, review recorded decisions, label them.", no_args_is_help=True
)

API = typer.Option(None, "--api", help="anthropic or openai (default: told from the body; anthropic if unsure).")


@app.command()
def explain(
    request: Path = typer.Argument(..., help="A request body as JSON (Anthropic Messages or OpenAI Chat Completions)."),
    api: str = API,
    file: Path = typer.Option(None, "-f", "--file", help="Also route it by this manifest's rules."),
    top: int = typer.Option(8, "--top", min=1, max=50, help="How many features to list."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The learned model's decision for a request, its score, and the features that moved it most."""
    from controlplane.errors import ReasoningError
    from runtime import learned

    body = _read_body(request)
    chosen = _api_of(body, api)
    explanation = learned.explain(body, chosen, n=top)
    model = learned.default_model()
    low, high = model.band
    route = None
    if file is not None:
        from controlplane.manifest import load
        from runtime.routing import Router

        try:
            decided = Router(load(file), affinity=False).route(chosen, body, {})  # type: ignore[arg-type]
        except ReasoningError:
            raise
        route = {"role": decided.role, "reason": decided.reason}
    if as_json:
        payload: dict[str, Any] = {
            "api": chosen,
            "decision": explanation.decision,
            "score": round(explanation.score, 4),
            "band": [low, high],
            "features": [{"feature": name, "contribution": weight} for name, weight in explanation.top],
        }
        if route is not None:
            payload["route"] = route
        out.print(json.dumps(payload, ensure_ascii=False), markup=False, highlight=False, emoji=False, soft_wrap=True)
        return
    meaning = {
        "coding": f"at or above {high}: the coding role",
        "uncertain": f"in the uncertain band [{low}, {high}): the default, the upstream",
        "not_coding": f"below {low}: not a coding request",
    }[explanation.decision]
    lines = [
        f"decision  {explanation.decision} ({meaning})",
        f"score     {explanation.score:.4f} ({chosen} request)",
    ]
    if route is not None:
        lines.append(f"route     {route['role'] or 'upstream'} ({route['reason']})")
    lines.append("features  (field:token, contribution to the logit)")
    lines += [f"  {weight:+.3f}  {name}" for name, weight in explanation.top]
    out.print("\n".join(lines), markup=False, highlight=False, emoji=False, soft_wrap=True)


def _read_body(path: Path) -> Any:
    from controlplane.errors import ReasoningError

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ReasoningError(f"{path}: cannot read it ({error.strerror or error})") from None
    try:
        body = json.loads(text)
    except ValueError as error:
        raise ReasoningError(f"{path}: not JSON ({error})") from None
    if not isinstance(body, dict):
        raise ReasoningError(f"{path}: a request body is a JSON object, not {type(body).__name__}")
    return body


def _api_of(body: dict[str, Any], api: str | None) -> str:
    """anthropic or openai: as told, else from the body (Anthropic's top-level system, its content blocks)."""
    from controlplane.errors import ReasoningError

    if api is not None:
        if api not in ("anthropic", "openai"):
            raise ReasoningError(f"--api {api}: not one of anthropic, openai")
        return api
    if "system" in body:
        return "anthropic"
    for message in body.get("messages") or []:
        if isinstance(message, dict):
            if message.get("role") in ("tool", "developer", "function") or "tool_calls" in message:
                return "openai"
            content = message.get("content")
            if isinstance(content, list) and any(
                isinstance(b, dict) and b.get("type") in ("image_url", "input_audio") for b in content
            ):
                return "openai"
    if any(isinstance(m, dict) and m.get("role") == "system" for m in body.get("messages") or []):
        return "openai"  # a system message first is OpenAI's; Anthropic's (mid-conversation) come later
    return "anthropic"


#: How far outside the learned model's uncertain band `review` still looks (score units).
MARGIN = 0.1


@app.command()
def review(
    file: Path = FILE,
    limit: int = typer.Option(20, "--limit", min=1, max=1000, help="How many decisions to list."),
    everything: bool = typer.Option(
        False, "--all", help="All recent unlabeled decisions, not only those near the band."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Recent unlabeled routing decisions scored near the uncertain band, newest first, to label.

    The proxy records each decision the learned score made (its score, decision and top features).
    Label one with `reasoning route label ID coding|other`; `python bench/routing_train.py
    --manifest FILE` trains on the labeled ones (and the corpus) next.
    """
    from controlplane import api
    from controlplane.cli.process import short_lived
    from runtime import learned

    low, high = learned.default_model().band
    near = None if everything else (max(0.0, low - MARGIN), min(1.0, high + MARGIN))
    with short_lived():
        found = api.route_review(api.load(file), near=near, limit=limit)
    if as_json:
        rows = [d.model_dump(mode="json", exclude={"request"}) for d in found]
        out.print(json.dumps({"band": [low, high], "decisions": rows}, ensure_ascii=False), markup=False,
                  highlight=False, soft_wrap=True)  # fmt: skip
        return
    where = "all recent unlabeled" if everything else f"unlabeled, scored in [{near[0]:.2f}, {near[1]:.2f}]"  # type: ignore[index]
    if not found:
        out.print(f"no decisions to review ({where}; band [{low}, {high}))", markup=False, highlight=False, emoji=False)
        return
    lines = [f"{len(found)} decision(s), {where}; band [{low}, {high}) goes upstream"]
    for d in found:
        top = ", ".join(
            f"{name} {weight:+.2f}" for name, weight in sorted(d.features.items(), key=lambda i: -abs(i[1]))[:4]
        )
        lines.append(
            f"  #{d.id:<6} {d.at:%Y-%m-%d %H:%M:%S}  {d.api:<9} score {d.score:.3f} {d.decision:<10} -> "
            f"{d.role or 'upstream'}  ({top})"
        )
    lines.append("label one: reasoning route label ID coding|other")
    out.print("\n".join(lines), markup=False, highlight=False, emoji=False, soft_wrap=True)


@app.command()
def label(
    decision_id: int = typer.Argument(..., help="The decision's number, as `reasoning route review` lists it."),
    value: str = typer.Argument(..., help="coding (the coding role should have answered) or other."),
    file: Path = FILE,
) -> None:
    """Label a recorded routing decision; the next `bench/routing_train.py --manifest FILE` trains on it."""
    from controlplane import api
    from controlplane.cli.process import short_lived
    from controlplane.errors import ReasoningError

    if value not in ("coding", "other"):
        raise ReasoningError(f"label {value}: not one of coding, other", hint="e.g. reasoning route label 12 coding")
    with short_lived():
        found = api.route_label(api.load(file), decision_id, value)  # type: ignore[arg-type]
    if not found:
        raise ReasoningError(f"no routing decision #{decision_id} in this project's store",
                             hint="reasoning route review lists them")  # fmt: skip
    out.print(f"decision #{decision_id} labeled {value}", markup=False, highlight=False, emoji=False)
