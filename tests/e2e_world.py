"""The outside world for end-to-end runs, all on 127.0.0.1.

A bioRxiv-shaped RSS feed and API (`pubs` for journal profiles, `details` for backfill)
served by `LocalServer`, with a small synthetic corpus in three clearly different fields,
so that which preprints belong in which journal's digest is known in advance.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from tests.peers.http import LocalServer, Reply, Request

FIELDS: dict[str, list[str]] = {
    "Journal of Neural Circuits": (
        "neuron synapse cortex hippocampus spike dendrite interneuron calcium imaging "
        "axon plasticity cortical circuit firing pyramidal thalamus optogenetic behaviour "
        "neurotransmitter glutamate gaba"
    ).split(),
    "Plant Cell Letters": (
        "arabidopsis leaf root chloroplast photosynthesis auxin stomata seedling shoot "
        "meristem flowering plant cell wall pollen drought rice maize xylem phloem"
    ).split(),
    "Microbial Genomics Reports": (
        "bacteria genome plasmid antibiotic resistance sequencing strain pathogen "
        "phage operon microbiome isolate virulence salmonella escherichia coli "
        "horizontal transfer metagenomic"
    ).split(),
}
COMMON = "we show that the results suggest a novel role in data analysis model study".split()


@dataclass(frozen=True)
class FakePreprint:
    doi: str
    title: str
    abstract: str
    field: str
    posted: date


def _sentence(rng: random.Random, words: Sequence[str], n: int) -> str:
    return " ".join(
        rng.choice(words) if rng.random() < 0.7 else rng.choice(COMMON) for _ in range(n)
    )


def make_preprint(rng: random.Random, field: str, number: int, posted: date) -> FakePreprint:
    words = FIELDS[field]
    return FakePreprint(
        doi=f"10.1101/{posted.isoformat().replace('-', '.')}.{600000 + number}",
        title=_sentence(rng, words, 8).capitalize(),
        abstract=_sentence(rng, words, 60).capitalize() + ".",
        field=field,
        posted=posted,
    )


def pubs_records(seed: int = 7, per_journal: int = 20) -> list[dict[str, str]]:
    """What the `pubs` API lists: preprints later published in each journal."""
    rng = random.Random(seed)
    records = []
    for j, field in enumerate(FIELDS):
        for i in range(per_journal):
            p = make_preprint(rng, field, j * 1000 + i, date(2026, 6, 1))
            records.append(
                {
                    "preprint_doi": p.doi,
                    "published_doi": f"10.9999/j{j}.{i}",
                    "published_journal": field,
                    "preprint_title": p.title,
                    "preprint_abstract": p.abstract,
                    "preprint_authors": "Doe, J.; Roe, R.",
                    "preprint_category": "neuroscience",
                    "preprint_date": p.posted.isoformat(),
                    "published_date": "2026-09-01",
                }
            )
    return records


def rdf_feed(preprints: Sequence[FakePreprint]) -> bytes:
    """A bioRxiv subject feed in its real RSS 1.0/RDF shape."""
    items = []
    for p in preprints:
        suffix = p.doi.split("/", 1)[1]
        link = f"http://biorxiv.org/cgi/content/short/{suffix}v1?rss=1"
        items.append(
            f'<item rdf:about="{link}">\n<title>\n<![CDATA[\n{p.title}\n]]>\n</title>\n'
            f"<link>\n{link}\n</link>\n<description><![CDATA[\n{escape(p.abstract)}\n]]>"
            "</description>\n<dc:creator><![CDATA[ Doe, J., Roe, R. ]]></dc:creator>\n"
            f"<dc:date>{p.posted.isoformat()}</dc:date>\n"
            f"<dc:identifier>doi:{p.doi}</dc:identifier>\n"
            "<dc:publisher>Cold Spring Harbor Laboratory</dc:publisher>\n"
            f"<prism:publicationDate>{p.posted.isoformat()}</prism:publicationDate>\n"
            "<prism:section></prism:section>\n</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:prism="http://purl.org/rss/1.0/modules/prism/" '
        'xmlns="http://purl.org/rss/1.0/">\n<channel rdf:about="http://connect.biorxiv.org/">\n'
        "<title>bioRxiv Subject Collection: All</title>\n"
        "<link>http://connect.biorxiv.org/</link>\n<description>all</description>\n"
        "<prism:publicationName>bioRxiv</prism:publicationName>\n</channel>\n"
        + "\n".join(items)
        + "\n</rdf:RDF>\n"
    ).encode()


def _pubs(records: list[dict[str, str]]) -> Callable[[Request], Reply]:
    def answer(request: Request) -> Reply:
        parts = request.path.strip("/").split("/")  # pubs/<server>/<from>/<to>/<cursor>
        server, cursor = parts[1], int(parts[4])
        mine = records if server == "biorxiv" else []
        page = mine[cursor : cursor + 100]
        body = {
            "messages": [
                {"status": "ok", "cursor": cursor, "count": len(page), "total": len(mine)}
            ],
            "collection": page,
        }
        return Reply(body=json.dumps(body), headers={"Content-Type": "application/json"})

    return answer


def _no_details(request: Request) -> Reply:
    body = {"messages": [{"status": "no posts found", "total": 0, "count": 0}], "collection": []}
    return Reply(body=json.dumps(body), headers={"Content-Type": "application/json"})


class World:
    """Feed + API server with a mutable feed."""

    def __init__(self, server: LocalServer, today: date) -> None:
        self.server = server
        self.rng = random.Random(11)
        self.feed: list[FakePreprint] = []
        self.today = today
        self._number = 0
        server.route("/pubs/", _pubs(pubs_records()))
        server.route("/details/", _no_details)
        self.publish_feed()

    def add(self, field: str, count: int = 1) -> list[FakePreprint]:
        added = []
        for _ in range(count):
            self._number += 1
            added.append(make_preprint(self.rng, field, self._number, self.today))
        self.feed.extend(added)
        self.publish_feed()
        return added

    def publish_feed(self) -> None:
        self.server.route(
            "/biorxiv_xml/all",
            Reply(body=rdf_feed(self.feed), headers={"Content-Type": "application/rss+xml"}),
        )

    def env(self) -> dict[str, str]:
        return {
            "RXRADAR_FEEDS": self.server.url("/biorxiv_xml/all"),
            "RXRADAR_BIORXIV_API_URL": self.server.url(""),
            "RXRADAR_HARVEST_DAYS": "30",
        }


def rxradar(
    args: Sequence[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_rxradar(args: Sequence[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        env={**os.environ, **env},
        stdout=handle,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 20) -> float:
    """Signal the process and return how long it took to exit."""
    started = time.monotonic()
    process.send_signal(sig)
    process.wait(timeout=timeout)
    return time.monotonic() - started


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.2)
