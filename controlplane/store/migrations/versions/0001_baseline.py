"""Baseline: the schema as `metadata.create_all` made it before the store had migrations.

Revision 0001. A database from before migrations has these tables (or some of them, if it is
older still) and no `alembic_version`: this revision creates only what is missing, so it
adopts such a database as it is, and builds a new one from nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def _table(name: str, *columns: sa.Column[object] | sa.PrimaryKeyConstraint, indexed: tuple[str, ...] = ()) -> None:
    if sa.inspect(op.get_bind()).has_table(name):
        return
    op.create_table(name, *columns)
    with op.batch_alter_table(name) as batch:
        for column in indexed:
            batch.create_index(f"ix_{name}_{column}", [column], unique=False)


def upgrade() -> None:
    utc = sa.DateTime(timezone=True)
    _table(
        "applied_roles",
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("hardware", sa.String(), nullable=False),
        sa.Column("min_replicas", sa.Integer(), nullable=False),
        sa.Column("max_replicas", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("endpoint_id", sa.String(), nullable=True),
        sa.Column("deployment_id", sa.String(), nullable=True),
        sa.Column("applied_at", utc, nullable=False),
        sa.PrimaryKeyConstraint("project", "role"),
    )
    _table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", utc, nullable=False),
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=True),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexed=("at", "project"),
    )
    _table(
        "locks",
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("acquired_at", utc, nullable=False),
        sa.Column("expires_at", utc, nullable=False),
        sa.PrimaryKeyConstraint("project"),
    )
    _table(
        "usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("at", utc, nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("cost_micros", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        indexed=("at", "project", "role"),
    )
    _table(
        "samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("at", utc, nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("meta", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexed=("at", "project", "role"),
    )
    _table(
        "ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("deployment_id", sa.String(), nullable=False),
        sa.Column("hardware", sa.String(), nullable=False),
        sa.Column("replicas", sa.Integer(), nullable=False),
        sa.Column("cents_per_hour", sa.Integer(), nullable=False),
        sa.Column("started_at", utc, nullable=False),
        sa.Column("ended_at", utc, nullable=True),
        sa.Column("opened_by", sa.String(), nullable=False),
        sa.Column("closed_by", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        indexed=("ended_at", "project", "role", "started_at"),
    )
    # one open interval per deployment (tables.py makes it the same way, as plain DDL)
    op.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS ux_ledger_open ON ledger (project, deployment_id) WHERE ended_at IS NULL"
    )


def downgrade() -> None:
    for name in ("ledger", "samples", "usage", "locks", "events", "applied_roles"):
        op.drop_table(name)
