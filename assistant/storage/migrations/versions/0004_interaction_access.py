"""each interaction records the access groups its passages require

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

Rows logged before this revision keep NULL: their access is unknown, so nobody but the
asker reads them in review (access that cannot be determined fails closed).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interaction") as batch:
        batch.add_column(sa.Column("access", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interaction") as batch:
        batch.drop_column("access")
