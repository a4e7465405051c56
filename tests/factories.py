"""Small builders for rows the digest tests need (journals, preprints, scores, stats).

They write through the real store, so the digest code reads exactly what production
writes; the model itself is not involved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime

from bot.store import Store
from bot.store.models import Preprint
from bot.store.profile_models import ModelVersion, Profile, ProfileStats, Score

MODEL = "test-model"
# a window whose scores mostly sit near zero: 1,001 evenly spaced quantile levels
QUANTILES = [round(0.000001 * i, 9) for i in range(1000)] + [0.6]


def model_version(store: Store) -> str:
    with store.session() as session:
        if session.get(ModelVersion, MODEL) is None:
            session.add(ModelVersion(id=MODEL, path="/nonexistent", active=True))
    return MODEL


def journal(
    store: Store, name: str, n_papers: int = 33, mean: float = 0.0006, kind: str = "journal"
) -> int:
    from bot.profiles.names import journal_key

    model_version(store)
    key = journal_key(name) if kind == "journal" else f"custom:{journal_key(name)}"
    with store.session() as session:
        profile = Profile(key=key, name=name, kind=kind)
        session.add(profile)
        session.flush()
        session.add(
            ProfileStats(
                profile_id=profile.id,
                model_version=MODEL,
                window_days=90,
                window_end=date(2026, 10, 26),
                n_preprints=5000,
                mean_probability=mean,
                quantiles=QUANTILES,
                n_papers=n_papers,
            )
        )
        return profile.id


def preprint(
    store: Store,
    pid: str,
    title: str,
    posted: date,
    *,
    abstract: str = "An abstract about cardiac imaging.",
    authors: Sequence[str] = ("Xu, R.", "Jiang, S.", "Zhai, Y.", "Chen, Y.", "Li, Q."),
    server: str = "medRxiv",
    categories: Sequence[str] = ("cardiovascular medicine",),
    updated: date | None = None,
    version: int = 1,
) -> str:
    content_hash = hashlib.sha256(f"{title}\n{abstract}".encode()).hexdigest()
    with store.session() as session:
        row = session.get(Preprint, pid)
        if row is None:
            row = Preprint(id=pid)
            session.add(row)
        row.version, row.doi, row.title, row.abstract = version, pid, title, abstract
        row.authors, row.categories, row.server = list(authors), list(categories), server
        row.posted, row.updated = posted, updated or posted
        row.url = f"https://www.medrxiv.org/content/{pid}v{version}"
        row.content_hash = content_hash
        row.first_seen_at = datetime.combine(posted, datetime.min.time(), UTC)
        row.last_updated_at = row.first_seen_at
    return pid


def score(store: Store, pid: str, profile_id: int, probability: float) -> None:
    model_version(store)
    with store.session() as session:
        row = session.get(Score, (pid, profile_id))
        if row is None:
            session.add(
                Score(
                    preprint_id=pid,
                    profile_id=profile_id,
                    model_version=MODEL,
                    probability=probability,
                    rank=1,
                )
            )
        else:
            row.probability = probability


def scored(
    store: Store, profile_id: int, pid: str, probability: float, posted: date, **kw: object
) -> str:
    title = str(kw.pop("title", f"Preprint {pid}"))
    preprint(store, pid, title, posted, **kw)  # type: ignore[arg-type]
    score(store, pid, profile_id, probability)
    return pid


def settings(tmp_path: object, **env: str) -> object:
    """Settings for delivery tests: a test secret, a public URL, plus any overrides."""
    from pathlib import Path

    from bot.config import load_settings

    base = {
        "RXRADAR_DATA_DIR": str(Path(str(tmp_path)) / "data"),
        "RXRADAR_SECRET_KEY": "test-secret-key-not-for-production",
        "RXRADAR_PUBLIC_URL": "http://rxradar.test",
    }
    return load_settings({**base, **env})


def email_message(address: str = "ada@example.org") -> object:
    """One rendered digest addressed to `address`, as the email channel receives it."""
    from bot.channels.base import DigestMessage
    from bot.digest.model import Target

    return DigestMessage(
        target=Target("email", address=address),
        subject="New preprints for Medical Image Analysis: 1 preprint",
        text="plain text",
        html="<p>html</p>",
        message_id="<fixed.1@rxradar.test>",
        unsubscribe_url="http://rxradar.test/unsubscribe/TOKEN",
    )
