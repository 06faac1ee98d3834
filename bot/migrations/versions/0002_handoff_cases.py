"""Hand-off cases: conversations handed to the care team (escalations, requests for a person).

Revision ID: 0002_handoff_cases
Revises: 0001_baseline
Create Date: 2026-11-29
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_handoff_cases"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``handoff_cases``."""
    op.create_table(
        "handoff_cases",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("conversation", sa.String(length=255), nullable=False, index=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False, index=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("handled_by", sa.String(length=40), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("replies", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    """Drop ``handoff_cases`` (and every case)."""
    op.drop_table("handoff_cases")
