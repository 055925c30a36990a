"""Alembic's environment for the store: always online, on the connection the caller hands over.

`controlplane.store.migrations` runs alembic with a connection already inside the transaction
that holds the schema lock (an advisory lock on PostgreSQL, BEGIN EXCLUSIVE on SQLite), so this
file only binds alembic to it; nothing here opens a database of its own.
"""

from __future__ import annotations

from alembic import context

from controlplane.store.migrations import include_name, render_item
from controlplane.store.tables import metadata

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=metadata,
    # SQLite cannot ALTER most things: batch operations copy the table, PostgreSQL alters in place
    render_as_batch=True,
    include_name=include_name,
    render_item=render_item,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
