"""Options several commands share: the manifest's path, and a point in time for --since and --until."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import typer

FILE = typer.Option(Path("reasoning.yaml"), "-f", "--file", help="The manifest.")
WHEN = "an ISO date or time in UTC (2026-11-01, 2026-11-01T08:00) or a span back from now (7d, 12h, 90m)"


def parse_when(text: str | None, option: str, now: datetime) -> datetime | None:
    """`2026-11-01`, `2026-11-01T08:00[Z|+01:00]` (naive means UTC), or a span back from now: `7d`."""
    # imported here: the CLI's start-up does not pay for pydantic
    from controlplane.errors import ReasoningError
    from controlplane.manifest.schema import parse_duration

    if text is None:
        return None
    try:
        return now - parse_duration(text)
    except ValueError:
        pass  # not a span: an ISO time, then
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ReasoningError(f"{option} {text}: not a time; write {WHEN}") from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def parse_span(text: str, option: str) -> timedelta:
    """A duration option (`--lock-timeout 5m`, `--interval 60s`)."""
    from controlplane.errors import ReasoningError
    from controlplane.manifest.schema import parse_duration

    try:
        return parse_duration(text)
    except ValueError as error:
        raise ReasoningError(f"{option}: {error}") from None
