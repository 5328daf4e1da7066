"""what the Insights page counts, as columns and one table SQL can group by

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

Each interaction gets the figures the Insights page aggregates as plain columns (its
fallback kind, whether it was a follow-up, retrieval / first-token / total times, the best
passage's similarity), and ``interaction_document`` lists the documents each answer
retrieved and cited, so "by document" and "most cited" are indexed joins rather than JSON
read row by row. Rows logged before this revision are filled in from their JSON here.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN (SQLite has it): a batch would copy and drop the table,
    # which the feedback rows' foreign keys forbid.
    op.add_column("interaction", sa.Column("fallback", sa.String(16), nullable=True))
    op.add_column(
        "interaction",
        sa.Column("follow_up", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    for name in ("retrieve_ms", "first_token_ms", "total_ms", "best_similarity"):
        op.add_column("interaction", sa.Column(name, sa.Float(), nullable=True))
    op.create_index("ix_interaction_config_version", "interaction", ["config_version"])
    op.create_table(
        "interaction_document",
        sa.Column("interaction_id", sa.String(32), primary_key=True),
        sa.Column("document", sa.String(1000), primary_key=True),
        sa.Column("cited", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
    )
    op.create_index(
        "ix_interaction_document_document", "interaction_document", ["document", "created_at"]
    )
    op.create_index("ix_interaction_document_created_at", "interaction_document", ["created_at"])
    _fill_in()


def _fill_in() -> None:
    """The new columns and rows of interactions logged before this revision."""
    bind = op.get_bind()
    t = sa.table(
        "interaction",
        sa.column("id", sa.String),
        sa.column("created_at", UTC),
        sa.column("question", sa.String),
        sa.column("standalone_query", sa.String),
        sa.column("latency_ms", sa.JSON),
        sa.column("details", sa.JSON),
        sa.column("citations", sa.JSON),
        sa.column("retrieval", sa.JSON),
        sa.column("fallback", sa.String),
        sa.column("follow_up", sa.Boolean),
        sa.column("retrieve_ms", sa.Float),
        sa.column("first_token_ms", sa.Float),
        sa.column("total_ms", sa.Float),
        sa.column("best_similarity", sa.Float),
    )
    docs = sa.table(
        "interaction_document",
        sa.column("interaction_id", sa.String),
        sa.column("document", sa.String),
        sa.column("cited", sa.Boolean),
        sa.column("created_at", UTC),
    )
    rows = bind.execute(
        sa.select(
            t.c.id,
            t.c.created_at,
            t.c.question,
            t.c.standalone_query,
            t.c.latency_ms,
            t.c.details,
            t.c.citations,
            t.c.retrieval,
        )
    ).all()
    for r in rows:
        latency, details = r.latency_ms or {}, r.details or {}
        sims = [x.get("similarity") for x in r.retrieval or [] if x.get("similarity")]
        bind.execute(
            t.update()
            .where(t.c.id == r.id)
            .values(
                fallback=details.get("fallback"),
                follow_up=(r.standalone_query or r.question) != r.question,
                retrieve_ms=latency.get("retrieve_ms"),
                first_token_ms=latency.get("answer_first_token_ms"),
                total_ms=latency.get("total_ms"),
                best_similarity=max(sims) if sims else None,
            )
        )
        cited = {c.get("document") for c in r.citations or []} - {None, ""}
        seen = {x.get("document") for x in r.retrieval or []} - {None, ""}
        values = [
            {
                "interaction_id": r.id,
                "document": d,
                "cited": d in cited,
                "created_at": r.created_at,
            }
            for d in sorted(seen | cited)
        ]
        if values:
            bind.execute(docs.insert(), values)


def downgrade() -> None:
    op.drop_index("ix_interaction_document_created_at", "interaction_document")
    op.drop_index("ix_interaction_document_document", "interaction_document")
    op.drop_table("interaction_document")
    with op.batch_alter_table("interaction") as batch:
        batch.drop_index("ix_interaction_config_version")
        for name in ("best_similarity", "total_ms", "first_token_ms", "retrieve_ms",
                     "follow_up", "fallback"):  # fmt: skip
            batch.drop_column(name)
