"""Small builders for rows the digest tests need (journals, preprints, scores, stats).

They write through the real store, so the digest code reads exactly what production
writes; the model itself is not involved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from bot.channels.base import DigestBody, DigestLinks, Message
from bot.channels.registry import Registry, live
from bot.config import Settings, load_settings
from bot.delivery import sending
from bot.delivery.results import DeliveryResult
from bot.records.digest import Digest, Entry, Section
from bot.records.names import journal_key
from bot.records.target import Target
from bot.store import Store
from bot.store.models import PreprintRow
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
        row = session.get(PreprintRow, pid)
        if row is None:
            row = PreprintRow(id=pid)
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


def settings(tmp_path: object, **env: str) -> Settings:
    """Settings for delivery tests: a test secret, a public URL, plus any overrides."""
    base = {
        "RXRADAR_DATA_DIR": str(Path(str(tmp_path)) / "data"),
        "RXRADAR_SECRET_KEY": "test-secret-key-not-for-production",
        "RXRADAR_PUBLIC_URL": "http://rxradar.test",
    }
    return load_settings({**base, **env})


def send_due(
    store: Store, config: Settings, now: datetime, registry: Registry | None = None
) -> list[DeliveryResult]:
    """What the scheduler's send-due job does, with the live channels unless told otherwise."""
    channels = registry or live(config, store)
    return sending.send_due(store, config.delivery, config.links(), channels, now)


def small_digest(subscription_id: int = 1) -> Digest:
    """A one-entry digest (for channel tests that do not care about its content)."""
    entry = Entry(
        preprint_id="10.1101/2026.10.21.1", profile_id=1, title="A preprint on cardiac MRI",
        url="https://www.medrxiv.org/content/10.1101/2026.10.21.1v1", authors="Xu, R.",
        date="2026-10-21", server="medRxiv", category="cardiovascular medicine",
        doi="10.1101/2026.10.21.1", probability=0.523, probability_text="52.3%",
        top_text="Top 0.1%", lift_text="870× the average preprint", abstract="An abstract.",
        updated=False, fingerprint="f", rank=1,
    )  # fmt: skip
    section = Section(1, "Medical Image Analysis", "journal", 33, "0.06%", (entry,))
    start, end = datetime(2026, 10, 19, 8, tzinfo=UTC), datetime(2026, 10, 26, 8, tzinfo=UTC)
    return Digest(subscription_id, "2026-10-26", start, end, 98, (section,))


def email_message(address: str = "ada@example.org") -> Message:
    """One digest addressed to `address`, as the email channel receives it."""
    body = DigestBody(small_digest(), DigestLinks("http://rxradar.test/unsubscribe/TOKEN"))
    return Message(Target("email", address), body, "<fixed.1@rxradar.test>")


def journal_id(store: Store, name: str) -> int:
    """The id of a journal made by `journal` (by its key)."""
    with store.session() as session:
        profile = session.query(Profile).filter(Profile.key == journal_key(name)).one()
        return profile.id
