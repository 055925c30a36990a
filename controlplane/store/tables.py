"""The rows. They never leave `store/`: `Store` converts them to the values of `state.py`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Index, Text, text
from sqlmodel import Field, SQLModel


def _utc_column(**kwargs: object) -> Column:  # type: ignore[type-arg]
    return Column(DateTime(timezone=True), **kwargs)  # type: ignore[arg-type]


class AppliedRoleRow(SQLModel, table=True):
    __tablename__ = "applied_roles"

    project: str = Field(primary_key=True)
    role: str = Field(primary_key=True)
    model: str
    hardware: str
    min_replicas: int
    max_replicas: int
    enabled: bool
    endpoint_id: str | None = None
    deployment_id: str | None = None
    applied_at: datetime = Field(sa_column=_utc_column(nullable=False))


class EventRow(SQLModel, table=True):
    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_utc_column(nullable=False, index=True))
    project: str = Field(index=True)
    role: str | None = None
    actor: str
    kind: str
    reason: str
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False))


class LockRow(SQLModel, table=True):
    __tablename__ = "locks"

    project: str = Field(primary_key=True)
    owner: str
    acquired_at: datetime = Field(sa_column=_utc_column(nullable=False))
    expires_at: datetime = Field(sa_column=_utc_column(nullable=False))


class UsageRow(SQLModel, table=True):
    """One request the runtime served (or fell back on): what idle shutdown and spend read."""

    __tablename__ = "usage"

    id: int | None = Field(default=None, primary_key=True)
    project: str = Field(index=True)
    role: str = Field(index=True)
    at: datetime = Field(sa_column=_utc_column(nullable=False, index=True))
    input_tokens: int
    output_tokens: int
    latency_ms: float
    # micro-dollars: sums stay exact to the cent however many requests are added up
    cost_micros: int
    outcome: str
    reason: str | None = None


class SampleRow(SQLModel, table=True):
    """One decision kept as training data, redacted before it was written."""

    __tablename__ = "samples"

    id: int | None = Field(default=None, primary_key=True)
    project: str = Field(index=True)
    role: str = Field(index=True)
    at: datetime = Field(sa_column=_utc_column(nullable=False, index=True))
    source: str
    prompt: str = Field(sa_column=Column(Text, nullable=False))
    answer: str = Field(sa_column=Column(Text, nullable=False))
    meta: str = Field(default="{}", sa_column=Column(Text, nullable=False))


class LedgerRow(SQLModel, table=True):
    """One interval in which a deployment was billed at fixed terms (replicas x hourly price).

    Open while `ended_at` is NULL; the partial unique index allows one open interval per
    deployment, so a retried or concurrent write can never bill the same replicas twice.
    """

    __tablename__ = "ledger"
    __table_args__ = (
        Index(
            "ux_ledger_open",
            "project",
            "deployment_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    project: str = Field(index=True)
    role: str = Field(index=True)
    deployment_id: str
    hardware: str
    replicas: int
    # integer cents per replica-hour, as Together's catalog gives it: sums stay exact
    cents_per_hour: int
    started_at: datetime = Field(sa_column=_utc_column(nullable=False, index=True))
    ended_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True, index=True))
    opened_by: str
    closed_by: str | None = None
