"""answering configurations stored by version, and the labels that point at them

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

The first start after this revision stores the configuration file as the first version
and labels it production (what every answer had used until then).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "configversion",
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("config", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
    )
    op.create_table(
        "configlabel",
        sa.Column("label", sa.String(16), primary_key=True),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moved_by", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("configlabel")
    op.drop_table("configversion")
