"""`rxradar demo`: the whole pipeline on this machine, offline, in one command.

It generates a small labelled set (four journals, each with its own topic), serves
bioRxiv-shaped feeds of this week's preprints on 127.0.0.1, polls it, trains, subscribes
and leaves a digest ready to show. Everything goes into its own directory
(`$RXRADAR_DATA_DIR/demo`, its own SQLite database), never into the configured database,
and is rebuilt from scratch on every run.
"""

from __future__ import annotations

import random
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from bot.config import Settings, make_private_dir
from bot.ingest.poll import poll_feeds
from bot.records.paper import Paper
from bot.records.progress import Say
from bot.records.rules import DigestRules
from bot.records.target import Target
from bot.store import Store
from bot.store.feeds import add_feed
from bot.store.profiles import import_papers
from bot.store.subscriptions import SubscriptionRecord
from bot.subscribing import subscribe

DEMO_DIR = "demo"  # under the data directory
DEMO_ADDRESS = "you@example.org"  # the demo subscription's target (shown, never sent)
PAPERS_PER_JOURNAL = 30
PREPRINTS_PER_JOURNAL = 6
OWN_FIELD_SHARE = 0.8  # of a journal's demo papers; the others are on another field
MIN_PAPERS = 10


@dataclass(frozen=True)
class Field:
    category: str
    topics: tuple[str, ...]  # noun phrases of the field


FIELDS: dict[str, Field] = {
    "Journal of Neural Circuits": Field(
        "neuroscience",
        (
            "hippocampal place cells",
            "cortical interneurons",
            "dendritic spikes",
            "synaptic plasticity",
            "thalamic relay neurons",
            "calcium imaging of axons",
            "optogenetic silencing",
            "pyramidal cell firing",
            "GABA release",
            "spatial memory",
        ),
    ),
    "Plant Cell Letters": Field(
        "plant biology",
        (
            "auxin transport",
            "stomatal closure",
            "chloroplast division",
            "root hair growth",
            "Arabidopsis seedlings",
            "photosynthesis under drought",
            "shoot meristem",
            "pollen tube guidance",
            "rice flowering time",
            "xylem development",
        ),
    ),
    "Microbial Genomics Reports": Field(
        "microbiology",
        (
            "plasmid transfer",
            "antibiotic resistance genes",
            "phage defence systems",
            "Salmonella virulence",
            "gut microbiome strains",
            "horizontal gene transfer",
            "Escherichia coli operons",
            "metagenomic assembly",
            "pathogen isolates",
            "bacterial genome sequencing",
        ),
    ),
    "Cardiac Imaging Review": Field(
        "cardiovascular medicine",
        (
            "cardiac MRI segmentation",
            "left ventricular function",
            "myocardial fibrosis",
            "echocardiography",
            "coronary CT angiography",
            "heart failure cohorts",
            "right ventricular strain",
            "cine imaging",
            "infarct size",
            "deep learning of ECGs",
        ),
    ),
}
_TITLES = (
    "Linking {a} to {b}",
    "A role for {a} in {b}",
    "Mapping {a} and {b} at scale",
    "{a} without {b}: a systematic study",
    "On {a}, {b} and {c}",
)
_SENTENCES = (
    "We studied {a} and {b}.",
    "Here we show how {a} relates to {b}.",
    "Our results link {a} to {b}, with implications for {c}.",
    "Using new data we measured {a} across conditions and compared it with {b}.",
    "This study of {c} suggests a novel role for {a}.",
)


def _text(rng: random.Random, field: Field) -> tuple[str, str]:
    """A title and an abstract on `field`, with a sentence borrowed from another field
    (real journals overlap; without it every match would read 100%)."""

    def pick(topics: tuple[str, ...]) -> dict[str, str]:
        a, b, c = rng.sample(topics, 3)
        return {"a": a, "b": b, "c": c}

    others = [f for f in FIELDS.values() if f is not field]
    title = rng.choice(_TITLES).format(**pick(field.topics))
    sentences = [rng.choice(_SENTENCES).format(**pick(field.topics)) for _ in range(2)]
    for _ in range(2):
        borrowed = rng.choice(_SENTENCES).format(**pick(rng.choice(others).topics))
        sentences.insert(rng.randrange(len(sentences) + 1), borrowed)
    return title[0].upper() + title[1:], " ".join(sentences)


def demo_papers(seed: int = 0) -> list[Paper]:
    """The labelled set journals are learnt from: PAPERS_PER_JOURNAL per journal."""
    rng = random.Random(seed)
    papers = []
    fields = list(FIELDS.values())
    for journal, field in FIELDS.items():
        for _ in range(PAPERS_PER_JOURNAL):
            # real journals also take papers from neighbouring fields, so a preprint's text
            # never settles where it lands: without these every match would read 100.0%
            own = rng.random() < OWN_FIELD_SHARE
            written = field if own else rng.choice([f for f in fields if f is not field])
            title, abstract = _text(rng, written)
            papers.append(Paper(title, abstract, journal=journal, category=written.category))
    return papers


def demo_feeds(today: date, seed: int = 1) -> dict[str, bytes]:
    """One bioRxiv RDF feed per field (path → body), each with PREPRINTS_PER_JOURNAL of
    this week's preprints; bioRxiv names a feed's subject in its title."""
    rng = random.Random(seed)
    feeds = {}
    for f, field in enumerate(FIELDS.values()):
        items = []
        for i in range(PREPRINTS_PER_JOURNAL):
            posted = today - timedelta(days=(i + f) % 6 + 1)
            title, abstract = _text(rng, field)
            doi = f"10.1101/{posted:%Y.%m.%d}.{900000 + f * 100 + i}"
            items.append((doi, _item(doi, title, abstract, posted)))
        feeds[f"/{field.category.replace(' ', '_')}.rdf"] = _feed(field.category, items)
    return feeds


def _feed(subject: str, items: list[tuple[str, str]]) -> bytes:
    seq = "".join(f'<rdf:li rdf:resource="{_link(doi)}"/>' for doi, _ in items)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:prism="http://purl.org/rss/1.0/modules/prism/" '
        'xmlns="http://purl.org/rss/1.0/">\n<channel rdf:about="http://connect.biorxiv.org/">'
        f"<title>bioRxiv Subject Collection: {escape(subject.title())}</title>"
        "<link>http://connect.biorxiv.org/</link>"
        f"<items><rdf:Seq>{seq}</rdf:Seq></items></channel>\n"
        f"{''.join(xml for _, xml in items)}</rdf:RDF>\n"
    ).encode()


def _link(doi: str) -> str:
    return f"http://biorxiv.org/cgi/content/short/{doi.split('/', 1)[1]}v1?rss=1"


def _item(doi: str, title: str, abstract: str, posted: date) -> str:
    authors = "Lovelace, A., Hopper, G., Turing, A."
    return (
        f'<item rdf:about="{_link(doi)}"><title>{escape(title)}</title>'
        f"<link>{_link(doi)}</link><description>{escape(abstract)}</description>"
        f"<dc:creator>{authors}</dc:creator><dc:date>{posted.isoformat()}</dc:date>"
        f"<dc:identifier>doi:{doi}</dc:identifier><dc:publisher>Cold Spring Harbor Laboratory"
        f"</dc:publisher><prism:publicationDate>{posted.isoformat()}</prism:publicationDate>"
        "</item>\n"
    )


@contextmanager
def serve_feeds(bodies: dict[str, bytes]) -> Iterator[list[str]]:
    """Serve each body at http://127.0.0.1:<free port><path> while the block runs."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = bodies.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/rdf+xml")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, format: str, *args: Any) -> None:
            return None  # the demo prints its own steps

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield [f"http://127.0.0.1:{server.server_address[1]}{path}" for path in bodies]
    finally:
        server.shutdown()
        server.server_close()


def demo_settings(settings: Settings) -> Settings:
    """The same settings, pointed at the demo's own directory and SQLite database."""
    home = settings.data_dir / DEMO_DIR
    return replace(
        settings,
        data_dir=home,
        database_url=f"sqlite:///{home / 'rxradar.db'}",
        model=replace(
            settings.model,
            models_dir=home / "models",
            embeddings_dir=home / "embeddings",
            embedding_model="",  # offline: no encoder to download
        ),
        # its feeds are its own server on 127.0.0.1, which the fetch guard refuses unless
        # private hosts are allowed; the demo fetches nothing else (no configured feeds)
        http=replace(settings.http, host_delay=0, allow_private_urls=True),
        sources=replace(settings.sources, feeds=()),
    )


class DemoError(RuntimeError):
    """The demo could not be built; the message says what went wrong."""


@dataclass(frozen=True)
class DemoWorld:
    settings: Settings  # the demo's own (see `demo_settings`)
    subscription: SubscriptionRecord
    n_papers: int
    n_preprints: int
    model_version: str


def _fresh(home: Path) -> None:
    for name in ("rxradar.db", "models", "embeddings"):
        path = home / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    make_private_dir(home.parent)  # the data directory, when the demo is the first use
    make_private_dir(home)  # it holds the demo's database and signing key


def build_demo(settings: Settings, now: datetime, say: Say) -> DemoWorld:
    """Generate, serve, poll, train and subscribe; the digest is then one preview away."""
    demo = demo_settings(settings)
    _fresh(demo.data_dir)
    store = Store.open(demo.database_url)
    try:
        papers = import_papers(store, demo_papers(), source="demo")
        say(f"imported {papers.n_added} labelled papers of {len(FIELDS)} journals")
        with serve_feeds(demo_feeds(now.date())) as urls:
            for url in urls:
                add_feed(store, url, source="demo feed")
            report = poll_feeds(
                store, demo.http, demo.sources.poll_interval, ignore_due_times=True, now=now
            )
        failed = [r.error for r in report.results if r.error]
        if failed:
            raise DemoError(f"the demo's local feed could not be read: {failed[0]}")
        n_preprints = sum(r.new for r in report.results)
        say(f"polled {len(urls)} local feeds of this week's preprints: {n_preprints} new")
        # imported here: training brings scipy and sklearn (about 2 s), which no other
        # command needs just to start
        from bot.matching.train import train_from_store

        trained = train_from_store(store, demo.model, min_papers=MIN_PAPERS, today=now.date())
        say(f"trained model {trained.version}; scored {trained.n_rescored} preprints")
        followed = list(FIELDS)[:2]
        record = subscribe(
            store, Target("email", DEMO_ADDRESS), followed, now, rules=DigestRules(top=5)
        )
    finally:
        store.close()
    return DemoWorld(demo, record, papers.n_added, n_preprints, trained.version)
