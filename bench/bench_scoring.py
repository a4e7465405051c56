"""Benchmark: train the journal model at production scale and score a day's preprints.

    python bench/bench_scoring.py                         # 100,000 papers, 1,500 journals,
                                                          # then score 10,000 preprints
    python bench/bench_scoring.py --papers 20000 --journals 300 --score 2000

Papers are synthesised by resampling sentences of the real abstracts in ../shared/data
(bioRxiv, COVID-19, arXiv, MEDLINE, S2ORC samples): each synthetic journal draws from its
own handful of source abstracts, so journals have distinct but overlapping vocabularies.
Without ../shared the generated corpus of bot/scoring/synthetic.py is used instead.
Prints one table: training time and peak RSS (targets: 5 min, 4 GB), time to score 10,000
preprints against every journal (target: < 2 s), and the scoring cost per preprint next to
feedparser's parse cost per feed item, measured in the same run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import resource
import time
from pathlib import Path

import feedparser
import numpy as np
from rich.console import Console
from rich.table import Table

from bot.records.paper import Paper
from bot.scoring.model import train_model
from bot.scoring.synthetic import synthetic_corpus

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SOURCES = (
    "biorxiv_2013_2016_journal_labels/preprints.jsonl.gz",
    "covid19_preprints_2020_journal_labels/preprints.jsonl.gz",
    "arxiv_journal_ref_samples/records.jsonl.gz",
    "pubmed_medline_sample/medline_records.jsonl.gz",
    "s2orc_metadata_sample/metadata_sample.jsonl.gz",
)
FEED = "feed_fixtures/arxiv_api_atom/2026_q_testing_s0_m100_cfe7536492ca.xml"
SENTENCE = re.compile(r"(?<=[.!?])\s+")
err = Console(stderr=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def real_abstracts() -> list[tuple[str, list[str]]]:
    """(title, sentences) of every real abstract available."""
    out = []
    for source in SOURCES:
        path = SHARED / source
        if not path.exists():
            continue
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                title, abstract = row.get("title") or "", row.get("abstract") or ""
                sentences = [s for s in SENTENCE.split(abstract) if len(s) > 20]
                if title and len(sentences) >= 2:
                    out.append((title, sentences))
    return out


def resampled(
    pool: list[tuple[str, list[str]]], n_papers: int, n_journals: int, seed: int
) -> tuple[list[Paper], list[str]]:
    rng = np.random.default_rng(seed)
    homes = [rng.choice(len(pool), size=30, replace=False) for _ in range(n_journals)]
    sizes = 1.0 / np.arange(1, n_journals + 1) ** 0.8
    extra = rng.multinomial(max(n_papers - 10 * n_journals, 0), sizes / sizes.sum())
    journal_of = rng.permutation(np.repeat(np.arange(n_journals), 10 + extra))[:n_papers]
    papers, labels = [], []
    for i, j in enumerate(journal_of):
        sources = [pool[k] for k in rng.choice(homes[j], size=3, replace=False)]
        sentences = [s for _, ss in sources for s in ss]
        picked = rng.choice(len(sentences), size=min(7, len(sentences)), replace=False)
        category = f"subject {j % 40}" if rng.random() < 0.5 else f"subject {rng.integers(40)}"
        papers.append(
            Paper(
                title=sources[0][0],
                abstract=" ".join(sentences[k] for k in picked),
                journal=f"Journal {j}",
                id=f"bench/{seed}/{i}",
                category=category,
            )
        )
        labels.append(f"journal {j}")
    return papers, labels


def corpus(n_papers: int, n_journals: int, seed: int) -> tuple[list[Paper], list[str], str]:
    pool = real_abstracts()
    if len(pool) >= 100:
        papers, labels = resampled(pool, n_papers, n_journals, seed)
        return papers, labels, f"resampled from {len(pool):,} real abstracts"
    generated = synthetic_corpus(n_papers, n_journals, seed, words_per_paper=180, vocabulary=40000)
    return generated.papers, generated.labels, "generated text (../shared/data absent)"


def feed_bytes() -> tuple[bytes, str]:
    path = SHARED / FEED
    if path.exists():
        return path.read_bytes(), "arXiv API Atom fixture"
    items = "".join(
        f"<item><title>Preprint {i}</title><link>https://example.org/{i}</link>"
        f"<description>{'An abstract sentence about cells and genes. ' * 12}</description>"
        f"<guid>id-{i}</guid><pubDate>Mon, 02 Nov 2026 00:00:00 GMT</pubDate></item>"
        for i in range(100)
    )
    rss = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    )
    return rss.encode(), "generated RSS 2.0"


def feedparser_seconds_per_item(repeats: int = 5) -> tuple[float, str]:
    body, what = feed_bytes()
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        parsed = feedparser.parse(body)
        best = min(best, (time.perf_counter() - started) / max(len(parsed.entries), 1))
    return best, what


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--journals", type=int, default=1_500)
    parser.add_argument("--score", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    papers, labels, origin = corpus(args.papers + args.score, args.journals, args.seed)
    train, new = papers[: args.papers], papers[args.papers :]
    err.print(f"corpus: {len(papers):,} papers, {origin}; RSS so far {peak_rss_mb():,.0f} MB")
    started, started_cpu = time.perf_counter(), time.process_time()
    model = train_model(train, labels[: args.papers], progress=lambda m: err.print(f"  {m}"))
    train_seconds = time.perf_counter() - started
    train_cpu = time.process_time() - started_cpu
    train_rss = peak_rss_mb()
    timings, cpu = [], []
    for _ in range(3):
        started, started_cpu = time.perf_counter(), time.process_time()
        probabilities = model.predict_proba(new)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    score_seconds, score_cpu = min(timings), min(cpu)
    parse_item, feed = feedparser_seconds_per_item()
    assert probabilities.shape == (len(new), len(model.journals))

    table = Table(title=f"scoring benchmark — {origin}")
    for column in ("measure", "value", "target"):
        table.add_column(column, justify="right" if column != "measure" else "left")
    table.add_row(
        f"train {len(train):,} papers × {len(model.journals):,} journals",
        f"{train_seconds:,.1f} s wall, {train_cpu:,.1f} s CPU",
        "≤ 300 s",
    )
    table.add_row("peak RSS (process, corpus included)", f"{train_rss:,.0f} MB", "≤ 4,096 MB")
    table.add_row(
        f"score {len(new):,} preprints × {len(model.journals):,} journals",
        f"{score_seconds:.2f} s wall, {score_cpu:.2f} s CPU (best of 3)",
        "< 2 s",
    )
    table.add_row("scoring cost per preprint", f"{score_seconds / len(new) * 1e6:,.0f} µs", "")
    table.add_row(f"feedparser parse per item ({feed})", f"{parse_item * 1e6:,.0f} µs", "")
    table.add_row(
        "held-out MRR inside training (calibration folds)",
        f"{model.cv_metrics.mrr:.3f}" if model.cv_metrics else "–",
        "",
    )
    Console().print(table)
    Console().print(
        "CPU time is shown because this machine is shared: wall time includes waiting for a core."
    )


if __name__ == "__main__":
    main()
