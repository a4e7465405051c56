"""encrypt slack tokens

Slack OAuth tokens in slack_bots / slack_installations are sealed with a key derived from
rxradar's secret key (bot/store/token_cipher.py); upgrade seals the plaintext rows older
code wrote, downgrade opens them again. The token columns widen to 1000 characters (a
sealed token is about twice as long as the token). The key is read from the settings only
when there is a row to change.

Revision ID: 0013_encrypt_slack_tokens
Revises: 0012_custom_alerts
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

from bot.store.token_cipher import TOKEN_TABLES, TokenCipher, reseal_rows

revision = '0013_encrypt_slack_tokens'
down_revision = '0012_custom_alerts'
branch_labels = None
depends_on = None

_NARROW = 200  # what 0004 made them
_WIDE = 1000


def _cipher() -> TokenCipher:
    from bot.config import load_settings
    from bot.store.token_cipher import token_cipher

    return token_cipher(load_settings())


def _has_tokens() -> bool:
    connection = op.get_bind()
    for name, fields in TOKEN_TABLES.items():
        table = sa.table(name, *(sa.column(f) for f in fields))
        present = sa.or_(*(table.c[f].is_not(None) for f in fields))
        if connection.execute(sa.select(sa.func.count()).select_from(table).where(present)).scalar():
            return True
    return False


def _resize(length: int) -> None:
    for name, fields in TOKEN_TABLES.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            for field in fields:
                batch_op.alter_column(field, type_=sa.String(length=length), existing_nullable=True)


def upgrade() -> None:
    _resize(_WIDE)
    if _has_tokens():
        reseal_rows(op.get_bind(), _cipher().seal)


def downgrade() -> None:
    if _has_tokens():
        reseal_rows(op.get_bind(), _cipher().open)
    _resize(_NARROW)
