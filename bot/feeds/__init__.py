"""Feed ingest: fetch bioRxiv/medRxiv/arXiv and other feeds, parse them into `Preprint` records.

What other areas call (import from the modules; this package imports nothing itself, so
`bot.store` can use `bot.feeds.records` without a cycle):

    bot.feeds.poll.ensure_default_feeds(store, settings) -> list[FeedInfo]  # RXRADAR_FEEDS
    bot.feeds.poll.poll_feeds(store, settings, ignore_due_times=False, now=None) -> PollReport
        report.changed_ids                        # ids of preprints new or changed in the poll
    bot.feeds.backfill.backfill(store, settings, "biorxiv", 90, progress=None) -> BackfillResult
    bot.feeds.catalogue.resolve_source("arxiv:q-bio.QM+cs.LG") -> Source

Stored preprints are read with `bot.store.preprints` (get_preprints, list_preprints,
changed_since); feeds with `bot.store.feeds`.
"""
