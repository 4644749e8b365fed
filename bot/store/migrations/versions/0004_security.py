"""security: code_failures (guessing limits by hashed identity), an index for pruning the outbox in
batches (generated keys live in app_secrets, made by 0003)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "code_failures",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("who", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("code_failures", schema=None) as batch_op:
        batch_op.create_index("ix_code_failures_who_at", ["who", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_code_failures_at"), ["at"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_created", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_created")
    with op.batch_alter_table("code_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_code_failures_at"))
        batch_op.drop_index("ix_code_failures_who_at")
    op.drop_table("code_failures")
