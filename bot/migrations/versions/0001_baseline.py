"""The tables as they were before migrations: content, accounts, escalations, SMS state.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-11-29

Databases made before migrations (by ``create_all``) already hold some or all of these tables,
with exactly this shape: a table that exists is left alone, so ``db upgrade`` adopts them.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def _missing(table: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    """Create each table that does not exist yet."""
    if _missing("content_items"):
        op.create_table(
            "content_items",
            sa.Column("id", sa.String(length=64), primary_key=True),
            sa.Column("kind", sa.String(length=16), nullable=False),
            sa.Column("tier", sa.String(length=16), nullable=True),
            sa.Column("published_number", sa.Integer(), nullable=True),
            sa.Column("lock_version", sa.Integer(), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        )
    if _missing("content_revisions"):
        op.create_table(
            "content_revisions",
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("item_id", sa.String(length=64), sa.ForeignKey("content_items.id"),
                      nullable=False, index=True),
            sa.Column("number", sa.Integer(), nullable=False),
            sa.Column("title", sa.String(length=200), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("sms_text", sa.Text(), nullable=False),
            sa.Column("sources", sa.JSON(), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("author", sa.String(length=100), nullable=False),
            sa.Column("reviewer", sa.String(length=100), nullable=True),
            sa.Column("review_by", sa.Date(), nullable=True),
            sa.Column("note", sa.Text(), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
            sa.UniqueConstraint("item_id", "number", name="uq_revision_number"),
        )
    if _missing("escalation_records"):
        op.create_table(
            "escalation_records",
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, index=True),
            sa.Column("flag_ids", sa.JSON(), nullable=False),
            sa.Column("tier", sa.String(length=16), nullable=False),
            sa.Column("channel", sa.String(length=32), nullable=False),
            sa.Column("conversation", sa.String(length=64), nullable=False),
            sa.Column("escalation_id", sa.String(length=64), nullable=False),
            sa.Column("escalation_version", sa.Integer(), nullable=True),
        )
    if _missing("editor_users"):
        op.create_table(
            "editor_users",
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("username", sa.String(length=40), nullable=False, unique=True),
            sa.Column("password_hash", sa.String(length=255), nullable=False),
            sa.Column("role", sa.String(length=16), nullable=False),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        )
    if _missing("sms_contacts"):
        op.create_table(
            "sms_contacts",
            sa.Column("contact", sa.String(length=64), primary_key=True),
            sa.Column("opted_out", sa.Boolean(), nullable=False),
            sa.Column("choices", sa.Text(), nullable=True),
            sa.Column("choices_at", sa.Float(), nullable=True),
            sa.Column("updated_at", sa.Float(), nullable=False),
        )


def downgrade() -> None:
    """Drop every table (and its data)."""
    for table in ("sms_contacts", "editor_users", "escalation_records", "content_revisions",
                  "content_items"):
        op.drop_table(table)
