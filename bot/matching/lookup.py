"""The paper a DOI names, for matching: the stored preprint, else the bioRxiv/medRxiv API.

Shared by Slack's `match` and the web's match form and `POST /api/match` and the CLI's
`match --doi`. Callers parse the key first (`bot.records.doi.preprint_key`).
"""

from __future__ import annotations

from bot.feeds.biorxiv_api import BiorxivApi
from bot.records.doi import OPENRXIV_PREFIXES
from bot.records.paper import Paper
from bot.store import Store
from bot.store.scores import find_preprint, preprint_as_paper


def stored_paper(store: Store, doi: str) -> Paper | None:
    with store.session() as session:
        found = find_preprint(session, doi)
        return preprint_as_paper(found) if found else None


def fetched_paper(api: BiorxivApi, doi: str) -> Paper | None:
    """The newest version from the API; None when neither server knows it.

    Raises FetchError when the API cannot be reached.
    """
    if not doi.startswith(OPENRXIV_PREFIXES):  # arXiv ids, journals' DOIs: not theirs to know
        return None
    latest = api.latest_version(doi)
    if latest is None:
        return None
    return Paper(
        title=latest.title,
        abstract=latest.abstract,
        id=latest.id,
        doi=latest.doi,
        category=latest.categories[0] if latest.categories else None,
        server=latest.server,
        posted_date=latest.posted,
    )
