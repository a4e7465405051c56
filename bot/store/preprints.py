"""Queries and upserts for preprints: one row per canonical id, one version row per version."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError, StatementError
from sqlalchemy.orm import Session

from bot.records.plain import plain
from bot.records.preprint import Preprint
from bot.store.base import record_of, utcnow
from bot.store.db import Store
from bot.store.models import PreprintRow, PreprintVersion

log = logging.getLogger(__name__)

_CHUNK = 500  # ids per IN (...) query: well inside every backend's parameter limit


_SHOWN = ("id", "version", "doi", "title", "authors", "abstract", "server", "categories",
          "posted", "updated", "url")  # fmt: skip


@dataclass(frozen=True)
class StoredPreprint:
    id: str
    version: int
    doi: str | None
    arxiv_id: str | None
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    server: str
    posted: date
    updated: date
    url: str | None
    content_hash: str
    first_seen_at: datetime
    last_updated_at: datetime
    source_feed_id: int | None

    def to_json(self) -> dict[str, Any]:
        """The pinned `preprints list --json` shape (plus `updated`)."""
        return plain(self, only=_SHOWN)


@dataclass(frozen=True)
class UpsertResult:
    new: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    skipped: int = 0  # records the database refused even after sanitising (each alone)

    @property
    def changed_ids(self) -> tuple[str, ...]:
        """Preprints stored for the first time or changed: what scoring should look at."""
        return self.new + self.updated


def _stored(row: PreprintRow) -> StoredPreprint:
    return record_of(StoredPreprint, row)


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _latest_per_id(records: Iterable[Preprint]) -> dict[str, Preprint]:
    """A feed may list one preprint twice (two versions); the highest version wins."""
    latest: dict[str, Preprint] = {}
    for record in records:
        seen = latest.get(record.id)
        if seen is None or record.version > seen.version:
            latest[record.id] = record
    return latest


def _extra(record: Preprint) -> dict[str, Any]:
    fields = {
        "announce_type": record.announce_type,
        "journal_ref": record.journal_ref,
        "published_doi": record.published_doi,
    }
    return {key: value for key, value in fields.items() if value}


def _new_row(record: Preprint, feed_id: int | None, now: datetime) -> PreprintRow:
    row = PreprintRow(
        id=record.id,
        version=record.version,
        doi=record.doi,
        arxiv_id=record.arxiv_id,
        title=record.title,
        abstract=record.abstract,
        authors=list(record.authors),
        categories=list(record.categories),
        server=record.server,
        posted=min(record.posted, record.updated),
        updated=record.updated,
        url=record.url,
        content_hash=record.content_hash,
        first_seen_at=now,
        last_updated_at=now,
        source_feed_id=feed_id,
        extra=_extra(record),
    )
    row.versions.append(_version_row(record, now))
    return row


def _version_row(record: Preprint, now: datetime) -> PreprintVersion:
    return PreprintVersion(
        preprint_id=record.id,
        version=record.version,
        content_hash=record.content_hash,
        updated=record.updated,
        seen_at=now,
    )


def _take_new_version(session: Session, row: PreprintRow, record: Preprint, now: datetime) -> None:
    row.version, row.title, row.abstract = record.version, record.title, record.abstract
    row.authors, row.content_hash = list(record.authors), record.content_hash
    row.categories = list(dict.fromkeys([*row.categories, *record.categories]))
    row.doi = record.doi or row.doi
    row.url = record.url or row.url
    row.updated = max(row.updated, record.updated)
    row.posted = min(row.posted, record.posted)
    row.extra = {**(row.extra or {}), **_extra(record)}
    if session.get(PreprintVersion, (record.id, record.version)) is None:
        session.add(_version_row(record, now))


def _fill_gaps(row: PreprintRow, record: Preprint) -> bool:
    """Same version seen again (e.g. an arXiv cross-list): first text wins, gaps are filled."""
    categories = list(dict.fromkeys([*row.categories, *record.categories]))
    changes: dict[str, Any] = {
        "categories": categories if categories != list(row.categories) else None,
        "doi": record.doi if row.doi is None and record.doi else None,
        "abstract": record.abstract if not row.abstract and record.abstract else None,
        "posted": record.posted if record.posted < row.posted else None,
    }
    changed = {key: value for key, value in changes.items() if value is not None}
    for key, value in changed.items():
        setattr(row, key, value)
    if "abstract" in changed:
        row.content_hash = record.content_hash
    return bool(changed)


Authority = Callable[[str], bool]  # does this source speak for the preprint with this id?


def _may_replace(row: PreprintRow, feed_id: int | None, authoritative: bool) -> bool:
    """Only the source that introduced a preprint, or its server's own feed or API (or the
    operator's harvest and backfill, feed_id None), may replace its text with a new version."""
    return feed_id is None or authoritative or row.source_feed_id in (None, feed_id)


def _apply(
    session: Session, row: PreprintRow, record: Preprint, now: datetime,
    feed_id: int | None, authoritative: bool,
) -> bool:  # fmt: skip
    if record.version > row.version:
        if not _may_replace(row, feed_id, authoritative):
            return False  # another feed's claim to a newer version of someone else's paper
        if authoritative and feed_id is not None:
            row.source_feed_id = feed_id  # the server's own feed takes the record over
        _take_new_version(session, row, record, now)
    elif record.version < row.version or not _fill_gaps(row, record):
        return False  # an old version, or nothing new: re-polling changes nothing
    row.last_updated_at = now
    return True


def _upsert_once(
    store: Store, latest: dict[str, Preprint], feed_id: int | None, now: datetime,
    authority: Authority,
) -> UpsertResult:  # fmt: skip
    new: list[str] = []
    updated: list[str] = []
    with store.session() as session:
        ids = list(latest)
        existing: dict[str, PreprintRow] = {}
        for chunk in _chunks(ids):
            query = select(PreprintRow).where(PreprintRow.id.in_(chunk))
            existing.update({row.id: row for row in session.scalars(query)})
        for preprint_id, record in latest.items():
            row = existing.get(preprint_id)
            if row is None:
                session.add(_new_row(record, feed_id, now))
                new.append(preprint_id)
            elif _apply(session, row, record, now, feed_id, authority(preprint_id)):
                updated.append(preprint_id)
    return UpsertResult(new=tuple(new), updated=tuple(updated))


def upsert_preprints(
    store: Store,
    records: Iterable[Preprint],
    feed_id: int | None = None,
    now: datetime | None = None,
    authority: Authority = lambda _id: False,
) -> UpsertResult:
    """Store records: new ids are inserted, newer versions update the row and add a version.

    `authority` says for which ids this feed is the preprint server's own (it may take over
    a record another feed introduced). A record the database still refuses is skipped and
    counted; it never fails its neighbours.
    """
    latest = _latest_per_id(records)
    if not latest:
        return UpsertResult()
    moment = now or utcnow()
    try:
        return _upsert_retrying(store, latest, feed_id, moment, authority)
    except (DataError, StatementError):
        log.warning("a record of feed %s was refused by the database: storing one by one", feed_id)
        return _upsert_each(store, latest, feed_id, moment, authority)


def _upsert_retrying(
    store: Store, latest: dict[str, Preprint], feed_id: int | None, now: datetime,
    authority: Authority,
) -> UpsertResult:  # fmt: skip
    try:
        return _upsert_once(store, latest, feed_id, now, authority)
    except IntegrityError:
        # another poller inserted some of these ids between our read and our write: the
        # rows exist now, so a second pass updates instead of inserting
        return _upsert_once(store, latest, feed_id, now, authority)


def _upsert_each(
    store: Store, latest: dict[str, Preprint], feed_id: int | None, now: datetime,
    authority: Authority,
) -> UpsertResult:  # fmt: skip
    new: list[str] = []
    updated: list[str] = []
    skipped = 0
    for preprint_id, record in latest.items():
        try:
            one = _upsert_retrying(store, {preprint_id: record}, feed_id, now, authority)
        except (DataError, StatementError) as exc:
            log.warning("skipped preprint %r: the database refused it (%s)", preprint_id, exc)
            skipped += 1
            continue
        new += one.new
        updated += one.updated
    return UpsertResult(new=tuple(new), updated=tuple(updated), skipped=skipped)


def changed_since(store: Store, since: datetime) -> list[str]:
    """Ids of preprints stored or changed at or after `since` (e.g. the start of a poll)."""
    query = select(PreprintRow.id).where(PreprintRow.last_updated_at >= since)
    with store.session() as session:
        return list(session.scalars(query.order_by(PreprintRow.id)))


def list_preprints(
    store: Store, since: date | None = None, limit: int = 1000
) -> list[StoredPreprint]:
    """Newest first; `since` keeps preprints whose latest version is from that day on."""
    query = select(PreprintRow)
    if since is not None:
        query = query.where(PreprintRow.updated >= since)
    query = query.order_by(PreprintRow.updated.desc(), PreprintRow.id).limit(limit)
    with store.session() as session:
        return [_stored(row) for row in session.scalars(query)]


def get_preprints(store: Store, ids: Sequence[str]) -> list[StoredPreprint]:
    """The stored preprints with these ids, in the order asked (unknown ids are left out)."""
    found: dict[str, StoredPreprint] = {}
    with store.session() as session:
        for chunk in _chunks(list(ids)):
            query = select(PreprintRow).where(PreprintRow.id.in_(chunk))
            found.update({row.id: _stored(row) for row in session.scalars(query)})
    return [found[i] for i in ids if i in found]


def preprint_versions(store: Store, preprint_id: str) -> list[tuple[int, str, date]]:
    """(version, content hash, date) for every version seen, oldest first."""
    query = (
        select(PreprintVersion)
        .where(PreprintVersion.preprint_id == preprint_id)
        .order_by(PreprintVersion.version)
    )
    with store.session() as session:
        return [(v.version, v.content_hash, v.updated) for v in session.scalars(query)]


def servers_present(store: Store, servers: Sequence[str]) -> set[str]:
    """Which of these servers have any preprint stored."""
    query = (
        select(PreprintRow.server)
        .where(PreprintRow.server.in_(list(servers)))
        .group_by(PreprintRow.server)
    )
    with store.session() as session:
        return set(session.scalars(query))
