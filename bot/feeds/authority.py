"""Which feeds speak for a preprint: the server's own hosts for bioRxiv, medRxiv and arXiv ids.

Any feed may introduce a preprint it is the first to list, but only the feed that
introduced it, or the preprint server's own feed or API, may replace its text with a newer
version: otherwise any feed could claim `arxiv:2401.01234v99` and rewrite the real paper.
"""

from __future__ import annotations

from urllib.parse import urlsplit

# canonical-id prefix -> the hosts of that server's own feeds and APIs
AUTHORITIES: dict[str, frozenset[str]] = {
    "arxiv:": frozenset({"arxiv.org", "rss.arxiv.org", "export.arxiv.org"}),
    "10.1101/": frozenset(
        {"connect.biorxiv.org", "connect.medrxiv.org", "api.biorxiv.org", "api.medrxiv.org",
         "www.biorxiv.org", "www.medrxiv.org"}
    ),
}  # fmt: skip


def authoritative(feed_url: str, preprint_id: str) -> bool:
    """True when `feed_url` is the preprint server's own feed or API for this id."""
    host = (urlsplit(feed_url).hostname or "").lower()
    return any(
        preprint_id.startswith(prefix) and host in hosts for prefix, hosts in AUTHORITIES.items()
    )
