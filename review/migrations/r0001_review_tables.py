"""the review loop's tables: feedback, review queue, grades, golden cases, exports

Revision ID: r0001
Revises: (its own branch, "review"; needs the core's 0003)
Create Date: 2026-11-29

Until 2026-11-29 these tables were made by the core's 0002 and 0003; a database migrated
then already has them, so each is created only where it is missing (and its indexes with it).
"""

import sqlalchemy as sa
from alembic import op

revision = "r0001"
down_revision = None
branch_labels = ("review",)
depends_on = "0003"

TABLES = ("feedback", "reviewitem", "grade", "goldencase", "goldenexport")


def _ts(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    missing = [t for t in TABLES if t not in existing]
    for table in missing:
        _CREATE[table]()


def _feedback() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "interaction_id",
            sa.String(32),
            sa.ForeignKey("interaction.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("correct_answer", sa.Text(), nullable=True),
        sa.Column("correct_source", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("interaction_id", "user_id", name="uq_feedback_interaction_user"),
    )
    op.create_index("ix_feedback_interaction_id", "feedback", ["interaction_id"])
    op.create_index("ix_feedback_user_id", "feedback", ["user_id"])


def _reviewitem() -> None:
    op.create_table(
        "reviewitem",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "interaction_id",
            sa.String(32),
            sa.ForeignKey("interaction.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=True),
        _ts("asked_at"),
        sa.Column("required_reviews", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        _ts("claim_expires_at", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _ts("updated_at"),
    )
    op.create_index("ix_reviewitem_status", "reviewitem", ["status"])
    op.create_index("ix_reviewitem_priority", "reviewitem", ["priority"])
    op.create_index("ix_reviewitem_asked_at", "reviewitem", ["asked_at"])


def _grade() -> None:
    op.create_table(
        "grade",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "item_id",
            sa.Integer(),
            sa.ForeignKey("reviewitem.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=False),
        *(
            sa.Column(f, sa.SmallInteger(), nullable=False)
            for f in ("correctness", "groundedness", "completeness", "helpfulness")
        ),
        sa.Column("should_have_refused", sa.Boolean(), nullable=False),
        sa.Column("safety_issue", sa.Boolean(), nullable=False),
        sa.Column("citation_verdicts", sa.JSON(), nullable=True),
        sa.Column("reference_answer", sa.Text(), nullable=False),
        sa.Column("expected_chunk_ids", sa.JSON(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.UniqueConstraint("item_id", "reviewer", "round", name="uq_grade_item_reviewer_round"),
    )
    op.create_index("ix_grade_item_id", "grade", ["item_id"])
    op.create_index("ix_grade_reviewer", "grade", ["reviewer"])


def _goldencase() -> None:
    op.create_table(
        "goldencase",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("source_interaction_id", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("stale_reason", sa.Text(), nullable=True),
        sa.Column("user_input", sa.Text(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        *(
            sa.Column(f, sa.JSON(), nullable=True)
            for f in (
                "retrieved_contexts",
                "reference_contexts",
                "cited",
                "expected",
                "document_hashes",
                "grades",
                "citation_verdicts",
            )
        ),
        sa.Column("config_version", sa.String(64), nullable=False),
        sa.Column("should_refuse", sa.Boolean(), nullable=False),
        sa.Column("reviewer_count", sa.Integer(), nullable=False),
        sa.Column("agreement", sa.Float(), nullable=True),
        sa.Column("approved_by", sa.String(200), nullable=False),
        _ts("approved_at"),
        sa.Column("origin", sa.String(16), nullable=False),
    )
    op.create_index("ix_goldencase_item_id", "goldencase", ["item_id"])
    op.create_index("ix_goldencase_source_interaction_id", "goldencase", ["source_interaction_id"])
    op.create_index("ix_goldencase_status", "goldencase", ["status"])
    op.create_index("ix_goldencase_approved_at", "goldencase", ["approved_at"])


def _goldenexport() -> None:
    op.create_table(
        "goldenexport",
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=True),
        sa.Column("case_ids", sa.JSON(), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        _ts("created_at"),
    )


_CREATE = {
    "feedback": _feedback,
    "reviewitem": _reviewitem,
    "grade": _grade,
    "goldencase": _goldencase,
    "goldenexport": _goldenexport,
}


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
