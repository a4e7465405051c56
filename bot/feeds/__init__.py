"""Preprints and profile papers in from the outside: one HTTP client (`fetch.Fetcher`, paced
and retried per host), feed parsing into `Preprint` records, and the bioRxiv/medRxiv and
Crossref APIs. Nothing here touches the database: `bot.ingest` stores what this reads.
"""
