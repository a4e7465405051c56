"""The preprint servers rxradar knows by name, spelled as their owners spell them."""

from __future__ import annotations

BIORXIV_API_SERVERS = ("biorxiv", "medrxiv")  # the servers of the bioRxiv/medRxiv API
DISPLAY = {"biorxiv": "bioRxiv", "medrxiv": "medRxiv", "arxiv": "arXiv"}


def display_server(server: str) -> str:
    """`biorxiv` -> `bioRxiv`; other names as stored."""
    return DISPLAY.get(server.lower(), server)
