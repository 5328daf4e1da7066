"""answers that failed, and the model requests retried, for the Insights page's errors

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

``answer_failure`` keeps a row for each question that got no answer because a step failed
(Weaviate down, a bug): its step, the error's class, its request id, never the error's
text. ``interaction.retries`` counts the requests to the model its client had to send again
(rate limits, server errors, cut connections). Rows logged before keep 0.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "interaction",
        sa.Column("retries", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    op.create_table(
        "answer_failure",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("question", sa.String(), nullable=False),
        sa.Column("config_version", sa.String(64), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("error", sa.String(100), nullable=False),
        sa.Column("request_id", sa.String(32), nullable=False),
        sa.Column("access", sa.JSON(), nullable=True),
    )
    op.create_index("ix_answer_failure_created_at", "answer_failure", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_answer_failure_created_at", "answer_failure")
    op.drop_table("answer_failure")
    with op.batch_alter_table("interaction") as batch:
        batch.drop_column("retries")
