"""custom profiles per workspace, instant alerts

- profiles.team / created_by: a custom profile made in a Slack workspace belongs to it
  (other workspaces cannot see, match against or follow it); NULL stays global.
- subscriptions.max_per_day / quiet: the daily cap and quiet hours of instant alerts.
  Alerts themselves are digest rows (period `alert:<preprint>`), so the ledger is one.

Revision ID: 0012_custom_alerts
Revises: 0011_feedback
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_custom_alerts'
down_revision = '0011_feedback'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('created_by', sa.String(length=100), nullable=True))
        batch_op.create_index('ix_profiles_team', ['team'], unique=False)
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('max_per_day', sa.Integer(), nullable=False, server_default='5')
        )
        batch_op.add_column(sa.Column('quiet', sa.String(length=11), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_column('quiet')
        batch_op.drop_column('max_per_day')
    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.drop_index('ix_profiles_team')
        batch_op.drop_column('created_by')
        batch_op.drop_column('team')
