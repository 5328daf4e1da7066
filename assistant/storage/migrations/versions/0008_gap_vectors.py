"""the questions the documents could not answer keep a vector of their stored text

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

A refused or low-similarity answer stores the embedding of its stored (redacted) question
as float32 bytes, so the Insights page can group such questions by meaning (content gaps)
without embedding them again. Rows logged before keep NULL and are not grouped.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("interaction", sa.Column("gap_vector", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interaction") as batch:
        batch.drop_column("gap_vector")
