"""Tables of Bolt's OAuth stores (slack_bots, slack_installations, slack_oauth_states).

slack_sdk's `SQLAlchemyInstallationStore` and `SQLAlchemyOAuthStateStore` define these on
their own MetaData; we build the same tables here so Alembic manages them with ours
(migration 0004) and autogenerate does not try to drop them.
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, String

from bot.store.token_cipher import TOKEN_TABLES

BOTS_TABLE = SQLAlchemyInstallationStore.default_bots_table_name
INSTALLATIONS_TABLE = SQLAlchemyInstallationStore.default_installations_table_name
STATES_TABLE = SQLAlchemyOAuthStateStore.default_table_name

slack_metadata = MetaData()
SQLAlchemyInstallationStore.build_bots_table(slack_metadata, BOTS_TABLE)
SQLAlchemyInstallationStore.build_installations_table(slack_metadata, INSTALLATIONS_TABLE)
SQLAlchemyOAuthStateStore.build_oauth_states_table(slack_metadata, STATES_TABLE)

# sealed tokens are longer than Slack's (migration 0013 widens the columns)
for _name, _fields in TOKEN_TABLES.items():
    for _field in _fields:
        slack_metadata.tables[_name].c[_field].type = String(length=1000)
