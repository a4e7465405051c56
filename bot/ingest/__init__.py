"""Feeds and profile data into the store: polls, backfills and harvests (resumable)."""
