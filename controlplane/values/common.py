"""The base of every value the project passes around, and of every versioned output."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer

#: The version of every JSON document a user or a script reads: plans, status, events, cost
#: reports, reconcile rounds. Bumped when one of them changes incompatibly.
FORMAT_VERSION = "1"


class Value(BaseModel):
    """Frozen and closed: a value built with a field it does not have is a bug, not a detail."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Versioned(Value):
    """A document people and scripts read as JSON: its first key says which format it is."""

    format_version: str = FORMAT_VERSION


#: A moment that JSON shows as `isoformat()` gives it (`2026-11-24T09:00:00+00:00`), as the cost
#: report and the events' `since` always have; other moments keep pydantic's `...Z`.
Moment = Annotated[datetime, PlainSerializer(lambda moment: moment.isoformat(), return_type=str)]
