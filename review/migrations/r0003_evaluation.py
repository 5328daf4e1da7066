"""evaluation runs and their per-case results

Revision ID: r0003
Revises: r0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "r0003"
down_revision = "r0002"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "evalrun",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("finished_at", UTC, nullable=True),
        sa.Column("started_by", sa.String(200), nullable=False),
        sa.Column("dataset", sa.String(200), nullable=False),
        sa.Column("dataset_version", sa.String(64), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("excluded", sa.JSON(), nullable=True),
        sa.Column("config_version", sa.String(64), nullable=False),
        sa.Column("config", sa.JSON(), nullable=True),
        sa.Column("generator_model", sa.String(200), nullable=False),
        sa.Column("generator_endpoint", sa.String(500), nullable=False),
        sa.Column("embedder", sa.String(200), nullable=False),
        sa.Column("index_fingerprint", sa.String(64), nullable=False),
        sa.Column("judge", sa.JSON(), nullable=True),
        sa.Column("repeat", sa.Integer(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=True),
        sa.Column("reader_groups", sa.JSON(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
    )
    op.create_index("ix_evalrun_status", "evalrun", ["status"])
    op.create_index("ix_evalrun_started_at", "evalrun", ["started_at"])
    op.create_index("ix_evalrun_config_version", "evalrun", ["config_version"])
    op.create_table(
        "evalresult",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("repetition", sa.Integer(), nullable=False),
        sa.Column("should_refuse", sa.Boolean(), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("why", sa.String(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("fallback_reason", sa.String(), nullable=True),
        sa.Column("answer", sa.String(), nullable=False),
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("question", sa.String(), nullable=False),
        sa.Column("citations", sa.JSON(), nullable=True),
        sa.Column("retrieved", sa.JSON(), nullable=True),
        sa.Column("scores", sa.JSON(), nullable=True),
        sa.Column("latency", sa.JSON(), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("completion_tokens", sa.Integer(), nullable=True),
        sa.Column("cost", sa.Float(), nullable=True),
        sa.Column("access", sa.JSON(), nullable=True),
        sa.UniqueConstraint("run_id", "case_id", "repetition"),
    )
    op.create_index("ix_evalresult_run_id", "evalresult", ["run_id"])


def downgrade() -> None:
    op.drop_table("evalresult")
    op.drop_table("evalrun")
