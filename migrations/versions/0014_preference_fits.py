"""preference fits: a subscription's feedback adjustment, fitted when its votes change

- preference_fits: one row per subscription with votes; key is the sha-256 of what the
  fit was made from (votes, texts, offsets, settings, fit version), so a digest uses the
  row only while it matches and otherwise fits its own. Rows are a cache: dropping the
  table (downgrade) loses nothing, the next vote or digest fits again.

Revision ID: 0014_preference_fits
Revises: 0013_encrypt_slack_tokens
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_preference_fits'
down_revision = '0013_encrypt_slack_tokens'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'preference_fits',
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('columns', sa.LargeBinary(), nullable=False),
        sa.Column('weights', sa.LargeBinary(), nullable=False),
        sa.Column('up', sa.LargeBinary(), nullable=False),
        sa.Column('down', sa.LargeBinary(), nullable=False),
        sa.Column('steps', sa.Integer(), nullable=False),
        sa.Column('fitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('subscription_id'),
    )


def downgrade() -> None:
    op.drop_table('preference_fits')
