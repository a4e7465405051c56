"""generic targets and rule bounds

A subscriber is one `kind:address` key: Slack's team and channel move into the address
(`TEAM:CHANNEL`) and the columns go, so a new channel kind (a webhook URL) needs no schema
change; addresses and keys get room for URLs. Stored digest settings outside the bounds
`DigestRules` enforces (older versions let the CLI store them) are brought inside.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE subscribers SET address = COALESCE(team, '') || ':' || channel "
        "WHERE kind = 'slack' AND address IS NULL"
    )
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.alter_column('key', existing_type=sa.String(length=400), type_=sa.String(length=2100))
        batch_op.alter_column('address', existing_type=sa.String(length=320), type_=sa.String(length=2000))
        batch_op.drop_column('team')
        batch_op.drop_column('channel')
    op.execute("UPDATE subscriptions SET top = 100 WHERE top > 100")
    op.execute("UPDATE subscriptions SET top = 1 WHERE top < 1")
    op.execute(
        "UPDATE subscriptions SET min_percentile = NULL "
        "WHERE min_percentile <= 0 OR min_percentile >= 100"
    )
    op.execute(
        "UPDATE subscriptions SET min_probability = NULL "
        "WHERE min_probability <= 0 OR min_probability >= 1"
    )
    op.execute("UPDATE subscriptions SET lookback_days = 365 WHERE lookback_days > 365")
    op.execute("UPDATE subscriptions SET lookback_days = 1 WHERE lookback_days < 1")


def downgrade() -> None:
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('team', sa.String(length=50), nullable=True))
    op.execute(
        "UPDATE subscribers SET team = NULLIF(substr(address, 1, instr(address, ':') - 1), ''), "
        "channel = substr(address, instr(address, ':') + 1), address = NULL WHERE kind = 'slack'"
    )
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.alter_column('address', existing_type=sa.String(length=2000), type_=sa.String(length=320))
        batch_op.alter_column('key', existing_type=sa.String(length=2100), type_=sa.String(length=400))
