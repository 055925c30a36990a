"""locks: an id to force-unlock by, the holder's host and pid

Revision 0002, after 0001. A lock held while this runs (an apply of the old version) gets the
id 00000000, which `reasoning force-unlock 00000000` names.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("locks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id", sa.String(), nullable=False, server_default="00000000"))
        batch_op.add_column(sa.Column("host", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("pid", sa.Integer(), nullable=True))
    with op.batch_alter_table("locks", schema=None) as batch_op:
        batch_op.alter_column("id", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("locks", schema=None) as batch_op:
        batch_op.drop_column("pid")
        batch_op.drop_column("host")
        batch_op.drop_column("id")
