"""The tables, in SQLAlchemy Core. Their rows never leave `store/`: the repositories turn them
into the values of `controlplane.values`.

Two column types do the conversions every table needs: `UtcDateTime` (SQLite hands datetimes
back naive; everything stored is UTC) and `JsonText` (a dict kept as sorted JSON in a TEXT
column, so a PostgreSQL or SQLite file written before stays readable).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlalchemy.types import TypeDecorator

from controlplane.store.rows import as_utc, json_object, utc_param


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime in, an aware UTC datetime out, on both databases."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else utc_param(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class JsonText(TypeDecorator[dict[str, Any]]):
    """A JSON object in a TEXT column, keys sorted."""

    impl = Text
    cache_ok = True

    def __init__(self, *, ensure_ascii: bool = True, default: Callable[[Any], Any] | None = None) -> None:
        super().__init__()
        self.ensure_ascii, self.default = ensure_ascii, default

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return json.dumps(value, sort_keys=True, ensure_ascii=self.ensure_ascii, default=self.default)

    def process_result_value(self, value: str | None, dialect: Dialect) -> dict[str, Any] | None:
        return json_object(value)


metadata = MetaData()

applied_roles = Table(
    "applied_roles",
    metadata,
    Column("project", String, primary_key=True),
    Column("role", String, primary_key=True),
    Column("model", String, nullable=False),
    Column("hardware", String, nullable=False),
    Column("min_replicas", Integer, nullable=False),
    Column("max_replicas", Integer, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("endpoint_id", String),
    Column("deployment_id", String),
    Column("applied_at", UtcDateTime, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("project", String, nullable=False, index=True),
    Column("role", String),
    Column("actor", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("reason", String, nullable=False),
    Column("detail", JsonText(default=str), nullable=False),
)

#: The apply lock, one row per project. `id` is what `reasoning force-unlock` names; `host` and
#: `pid` let a process on the same host see that the holder is no longer running.
locks = Table(
    "locks",
    metadata,
    Column("project", String, primary_key=True),
    Column("id", String, nullable=False),
    Column("owner", String, nullable=False),
    Column("host", String),
    Column("pid", Integer),
    Column("acquired_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

#: A role deployed (run) or undeployed for a while by `reasoning models deploy|undeploy`, whatever
#: the manifest says, until `until` (NULL: until cleared); reconcile drops it once expired.
overrides = Table(
    "overrides",
    metadata,
    Column("project", String, primary_key=True),
    Column("role", String, primary_key=True),
    Column("run", Boolean, nullable=False),
    Column("until", UtcDateTime),
    Column("actor", String, nullable=False),
    Column("set_at", UtcDateTime, nullable=False),
)

#: One request the runtime served (or fell back on): what idle shutdown and spend read.
usage = Table(
    "usage",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project", String, nullable=False, index=True),
    Column("role", String, nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("input_tokens", Integer, nullable=False),
    Column("output_tokens", Integer, nullable=False),
    Column("latency_ms", Float, nullable=False),
    # micro-dollars: sums stay exact to the cent however many requests are added up
    Column("cost_micros", Integer, nullable=False),
    Column("outcome", String, nullable=False),
    Column("reason", String),
    # the recorder's id for the record: a replayed spool writes nothing twice
    Column("record_id", String),
    UniqueConstraint("record_id", name="uq_usage_record_id"),
)

#: One decision kept as training data, redacted before it was written. `content_hash` is what
#: de-duplication compares; the (project, content_hash, id) index answers "is there an earlier
#: copy?" for each exported row with one probe.
samples = Table(
    "samples",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project", String, nullable=False, index=True),
    Column("role", String, nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("source", String, nullable=False),
    Column("prompt", JsonText(ensure_ascii=False), nullable=False),
    Column("answer", Text, nullable=False),
    Column("meta", JsonText(default=str), nullable=False),
    # added with data export (issue 16); server defaults keep rows written before readable
    Column("format", String, nullable=False, server_default="openai"),
    Column("model", String),
    Column("outcome", String, nullable=False, server_default="ok"),
    Column("agent_id", String),
    Column("room_id", String),
    Column("label", String),
    Column("note", Text),
    Column("content_hash", String(64)),
    Column("record_id", String),
    UniqueConstraint("record_id", name="uq_samples_record_id"),
    Index("ix_samples_project_content_hash", "project", "content_hash", "id"),
)

#: One request the router scored (runtime.decisions): its decision, score and top features, the
#: bounded and redacted request when training data is collected, and a user's label once given.
routing_decisions = Table(
    "routing_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project", String, nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("api", String, nullable=False),
    Column("role", String),  # NULL: the upstream
    Column("reason", String, nullable=False),
    Column("score", Float, nullable=False),
    Column("decision", String, nullable=False),
    Column("features", JsonText(ensure_ascii=False), nullable=False),
    Column("request", JsonText(ensure_ascii=False)),
    Column("label", String),
    Column("labeled_at", UtcDateTime),
)

#: Request cost per role and UTC day (days since the epoch), added to in the transaction that
#: writes the usage: what every budget reservation reads, so no replica waits for a refresh to
#: see another's spend, and no reservation sums a month of usage rows.
request_spend = Table(
    "request_spend",
    metadata,
    Column("project", String, primary_key=True),
    Column("role", String, primary_key=True),
    Column("day", Integer, primary_key=True, autoincrement=False),
    Column("micros", BigInteger, nullable=False),
)


@event.listens_for(request_spend, "after_create")
def _from_the_usage_already_recorded(target: Table, connection: Connection, **_: Any) -> None:
    # A store written before this table existed: what it recorded counts against the budgets.
    if not inspect(connection).has_table("usage"):
        return  # a new store: usage is created next, empty
    if connection.dialect.name == "sqlite":
        day = "CAST(strftime('%s', at) AS INTEGER) / 86400"
    else:
        day = "CAST(floor(extract(epoch from at) / 86400) AS INTEGER)"
    connection.execute(
        text(
            f"INSERT INTO request_spend (project, role, day, micros) SELECT project, role, {day}, SUM(cost_micros) "
            f"FROM usage WHERE cost_micros != 0 GROUP BY project, role, {day}"
        )
    )


#: Budget held by requests in flight, by every proxy replica and hooks process of the project.
#: A holder renews its rows' `expires_at` while it lives; a crashed holder's lapse. The row of a
#: settled request goes in the transaction that writes its usage (and its cost to request_spend).
reservations = Table(
    "reservations",
    metadata,
    Column("id", String, primary_key=True),
    Column("project", String, nullable=False, index=True),
    Column("role", String, nullable=False),
    Column("micros", BigInteger, nullable=False),
    Column("holder", String, nullable=False, index=True),
    Column("expires_at", UtcDateTime, nullable=False),
)

#: One row per project: a reservation first updates it, which serializes reservations (a row lock
#: on PostgreSQL, the write lock on SQLite) so two can never both take the last of a budget.
budget_heads = Table(
    "budget_heads",
    metadata,
    Column("project", String, primary_key=True),
    Column("version", BigInteger, nullable=False),
)

#: The candidate deployment that shadows a role (`reasoning rollout shadow`): beside the live one,
#: out of the split; the runtime sends it a share of the role's requests by `name`, pinned.
shadows = Table(
    "shadows",
    metadata,
    Column("project", String, primary_key=True),
    Column("role", String, primary_key=True),
    Column("model", String, nullable=False),
    Column("endpoint_id", String, nullable=False),
    Column("endpoint_name", String, nullable=False),
    Column("deployment_id", String, nullable=False),
    Column("deployment_name", String, nullable=False),
    # what a chat request names to reach it alone: `<project_slug>/<endpoint_name>/<deployment_name>`
    Column("pinned", String, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

#: One shadow comparison: the candidate's answer to a request the role served, against the served one.
shadow_results = Table(
    "shadow_results",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project", String, nullable=False, index=True),
    Column("role", String, nullable=False, index=True),
    Column("model", String, nullable=False),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("agree", Boolean, nullable=False),
    Column("candidate_latency_ms", Float),
    Column("served_latency_ms", Float, nullable=False),
    Column("failed", Boolean, nullable=False),
    Column("reason", String),
)

#: One interval in which a deployment was billed at fixed terms (replicas x hourly price). Open
#: while `ended_at` is NULL; the partial unique index allows one open interval per deployment, so
#: a retried or concurrent write can never bill the same replicas twice.
ledger = Table(
    "ledger",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project", String, nullable=False, index=True),
    Column("role", String, nullable=False, index=True),
    Column("deployment_id", String, nullable=False),
    Column("hardware", String, nullable=False),
    Column("replicas", Integer, nullable=False),
    # integer cents per replica-hour, as Together's catalog gives it: sums stay exact
    Column("cents_per_hour", Integer, nullable=False),
    Column("started_at", UtcDateTime, nullable=False, index=True),
    Column("ended_at", UtcDateTime, nullable=True, index=True),
    Column("opened_by", String, nullable=False),
    Column("closed_by", String),
)


@event.listens_for(ledger, "after_create")
def _one_open_interval_per_deployment(target: Table, connection: Connection, **_: Any) -> None:
    # Plain DDL both databases speak: declared as an Index with `postgresql_where=`, it would make
    # every command import SQLAlchemy's PostgreSQL dialect (~25 ms) just to check that argument.
    connection.execute(
        text("CREATE UNIQUE INDEX ux_ledger_open ON ledger (project, deployment_id) WHERE ended_at IS NULL")
    )
