"""${message}

Revision ${up_revision}${", after " + str(down_revision) if down_revision else ""}.
"""

from __future__ import annotations

% if "sa." in (upgrades or "") + (downgrades or ""):
import sqlalchemy as sa
% endif
from alembic import op
${imports if imports else ""}
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
