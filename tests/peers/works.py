"""A local stand-in for the scholarly APIs a custom profile is filled from.

One `LocalServer` answers as ORCID (`/orcid/<iD>/works`), the bioRxiv/medRxiv details
API (`/biorxiv/details/<server>/<doi>/na/json`), Crossref (`/crossref/works/<doi>`) and
the arXiv API (`/arxiv/query?id_list=…`), from plain dicts the test fills in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

from tests.peers.http import LocalServer, Reply, Request


@dataclass
class Works:
    """What each API knows: ORCID records, and titles/abstracts per DOI or arXiv id."""

    orcid: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    biorxiv: dict[str, tuple[str, str]] = field(default_factory=dict)  # doi -> (title, abstract)
    crossref: dict[str, tuple[str, str]] = field(default_factory=dict)
    arxiv: dict[str, tuple[str, str]] = field(default_factory=dict)

    def env(self, server: LocalServer) -> dict[str, str]:
        return {
            "RXRADAR_ORCID_API_URL": server.url("/orcid"),
            "RXRADAR_BIORXIV_API_URL": server.url("/biorxiv"),
            "RXRADAR_CROSSREF_API_URL": server.url("/crossref"),
            "RXRADAR_ARXIV_API_URL": server.url("/arxiv"),
        }

    def serve(self, server: LocalServer) -> None:
        server.route("/orcid/", self._orcid)
        server.route("/biorxiv/details/", self._biorxiv)
        server.route("/crossref/works/", self._crossref)
        server.route("/arxiv/query", self._arxiv)

    def _orcid(self, request: Request) -> Reply:
        orcid = request.path.split("/")[2]
        if orcid not in self.orcid:
            return Reply(status=404, body='{"error": "not found"}')
        groups = [_group(work) for work in self.orcid[orcid]]
        return Reply(body=json.dumps({"group": groups}),
                     headers={"Content-Type": "application/json"})  # fmt: skip

    def _biorxiv(self, request: Request) -> Reply:
        parts = unquote(request.path).split("/")  # /biorxiv/details/<server>/<doi…>/na/json
        server, doi = parts[3], "/".join(parts[4:-2])
        known = self.biorxiv.get(doi)
        rows = [] if known is None or server != "biorxiv" else [{
            "doi": doi, "title": known[0], "abstract": known[1], "version": "1",
            "date": "2024-01-01", "category": "genomics", "authors": "Doe, J.",
        }]  # fmt: skip
        return Reply(body=json.dumps({"collection": rows}),
                     headers={"Content-Type": "application/json"})  # fmt: skip

    def _crossref(self, request: Request) -> Reply:
        doi = unquote(request.path.removeprefix("/crossref/works/"))
        if doi not in self.crossref:
            return Reply(status=404, body="Resource not found.")
        title, abstract = self.crossref[doi]
        message: dict[str, Any] = {"DOI": doi, "title": [title],
                                   "container-title": ["Journal of Tests"]}  # fmt: skip
        if abstract:
            message["abstract"] = f"<jats:p>{abstract}</jats:p>"
        return Reply(body=json.dumps({"status": "ok", "message": message}),
                     headers={"Content-Type": "application/json"})  # fmt: skip

    def _arxiv(self, request: Request) -> Reply:
        wanted = (request.query.get("id_list") or [""])[0]
        entries = ""
        if wanted in self.arxiv:
            title, abstract = self.arxiv[wanted]
            entries = (f"<entry><id>http://arxiv.org/abs/{wanted}v1</id>"
                       f"<title>{escape(title)}</title><summary>{escape(abstract)}</summary>"
                       "</entry>")  # fmt: skip
        body = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>arXiv</title>{entries}</feed>'
        return Reply(body=body, headers={"Content-Type": "application/atom+xml"})


def _group(work: dict[str, Any]) -> dict[str, Any]:
    ids = [{"external-id-type": kind, "external-id-value": value}
           for kind, value in work.items() if kind in ("doi", "arxiv")]  # fmt: skip
    summary = {"put-code": 1, "title": {"title": {"value": work.get("title", "")}},
               "publication-date": {"year": {"value": "2024"}},
               "external-ids": {"external-id": ids}}  # fmt: skip
    return {"external-ids": {"external-id": ids}, "work-summary": [summary]}
