"""outcomes: which stored preprints were later published, where and when

One row per preprint (pubs API or Crossref `is-preprint-of`), the journal resolved to a
profile; indexed by (profile, published date) for "published in J since DATE".

Revision ID: 0010_outcomes
Revises: 0006
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = '0010_outcomes'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'outcomes',
        sa.Column('preprint_id', sa.String(length=300), nullable=False),
        sa.Column('published_doi', sa.String(length=300), nullable=True),
        sa.Column('journal', sa.String(length=500), nullable=False),
        sa.Column('profile_id', sa.Integer(), nullable=True),
        sa.Column('published_date', sa.Date(), nullable=True),
        sa.Column('source', sa.String(length=50), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['preprint_id'], ['preprints.id'],
                                name=op.f('fk_outcomes_preprint_id_preprints'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['profile_id'], ['profiles.id'],
                                name=op.f('fk_outcomes_profile_id_profiles'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('preprint_id', name=op.f('pk_outcomes')),
    )
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.create_index('ix_outcomes_profile_published', ['profile_id', 'published_date'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.drop_index('ix_outcomes_profile_published')
    op.drop_table('outcomes')
