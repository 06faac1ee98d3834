"""Turn events (one row per patient message, recorded by the event broker) and feedback votes.

Revision ID: 0003_turn_events_feedback
Revises: 0002_handoff_cases
Create Date: 2026-11-29
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_turn_events_feedback"
down_revision = "0002_handoff_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``turn_events`` and ``feedback_votes``."""
    op.create_table(
        "turn_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("conversation", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("out_of_scope", sa.Boolean(), nullable=False),
        sa.Column("channel_line", sa.String(length=64), nullable=True),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.Column("tier", sa.String(length=16), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=True),
        sa.Column("replies", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
    )
    op.create_table(
        "feedback_votes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("conversation", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("answer", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    """Drop both tables (and their rows)."""
    op.drop_table("feedback_votes")
    op.drop_table("turn_events")
