"""The base of every value the project passes around: immutable, and strict about its fields."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Value(BaseModel):
    """Frozen and closed: a value built with a field it does not have is a bug, not a detail."""

    model_config = ConfigDict(frozen=True, extra="forbid")
