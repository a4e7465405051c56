"""feedback: votes belong to a subscription; used email vote links

- votes.subscription_id (FK, cascade): a subscription's re-ranking reads only its own
  votes, and they go with it. Existing votes take the subscription of the digest item
  they were cast on; the unique key becomes (subscription, preprint, voter).
- used_vote_tokens: an email vote link counts once, so a replayed link changes nothing.

Revision ID: 0011_feedback
Revises: 0008_delivery_trust
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_feedback'
down_revision = '0008_delivery_trust'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subscription_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_votes_subscription_id_subscriptions'),
                                    'subscriptions', ['subscription_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_votes_subscription_id'), ['subscription_id'],
                              unique=False)
        batch_op.drop_constraint('uq_votes_subscriber_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_votes_subscription_id'),
                                          ['subscription_id', 'preprint_id', 'voter'])
    op.execute(
        "UPDATE votes SET subscription_id = (SELECT digests.subscription_id FROM digest_items "
        "JOIN digests ON digests.id = digest_items.digest_id "
        "WHERE digest_items.id = votes.digest_item_id)"
    )
    op.create_table('used_vote_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_used_vote_tokens'))
    )
    with op.batch_alter_table('used_vote_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_used_vote_tokens_used_at'), ['used_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('used_vote_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_used_vote_tokens_used_at'))
    op.drop_table('used_vote_tokens')
    # the old key allows one vote per subscriber: keep each voter's newest
    op.execute(
        "DELETE FROM votes WHERE EXISTS (SELECT 1 FROM votes AS newer "
        "WHERE newer.subscriber_id = votes.subscriber_id "
        "AND newer.preprint_id = votes.preprint_id AND newer.voter = votes.voter "
        "AND newer.id > votes.id)"
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_constraint('uq_votes_subscription_id', type_='unique')
        batch_op.create_unique_constraint('uq_votes_subscriber_id',
                                          ['subscriber_id', 'preprint_id', 'voter'])
        batch_op.drop_index(batch_op.f('ix_votes_subscription_id'))
        batch_op.drop_constraint(batch_op.f('fk_votes_subscription_id_subscriptions'),
                                 type_='foreignkey')
        batch_op.drop_column('subscription_id')
