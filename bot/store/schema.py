"""Every MetaData the migrations manage (ours plus Slack's OAuth stores, added later)."""

from __future__ import annotations

from sqlalchemy import MetaData

import bot.store.delivery_models
import bot.store.models
import bot.store.outcome_models
import bot.store.profile_models
import bot.store.trust_models  # noqa: F401
from bot.store.base import Base
from bot.store.slack_models import slack_metadata


def all_metadata() -> list[MetaData]:
    return [Base.metadata, slack_metadata]
