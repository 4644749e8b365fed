"""several bots per channel: the bot a user started with, the bot that sends a message

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 09:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = "0005"
# The newest revision on main when this branch last merged it: re-point on every merge.
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild): other tables' foreign keys point at users.
    op.add_column("users", sa.Column("bot", sa.String(length=32), nullable=True))
    op.add_column("outbox", sa.Column("bot", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("outbox", "bot")
    op.drop_column("users", "bot")
