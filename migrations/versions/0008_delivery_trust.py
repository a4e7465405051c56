"""delivery trust: failing channels and live sending instances

- channel_health: a channel kind failing on the operator's side (SMTP login, server down,
  Slack token) with its reason and since when; read by status, check and /healthz.
- delivery_instances: each sending process with its heartbeat; leases held by an instance
  whose heartbeat is stale are free to take (the holder died).

Revision ID: 0008_delivery_trust
Revises: 0010_outcomes
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_delivery_trust'
down_revision = '0010_outcomes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'channel_health',
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('failing_since', sa.DateTime(timezone=True), nullable=False),
        sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('kind'),
    )
    op.create_table(
        'delivery_instances',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_delivery_instances_heartbeat_at', 'delivery_instances',
                    ['heartbeat_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_delivery_instances_heartbeat_at', table_name='delivery_instances')
    op.drop_table('delivery_instances')
    op.drop_table('channel_health')
