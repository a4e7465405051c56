"""Outcomes: publications of stored preprints from a local `pubs` API and Crossref fake."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.records.rules import DigestRules
from bot.records.target import Target
from bot.store import Store
from bot.store.delivery_models import DigestItem, DigestRow
from bot.store.profile_models import Profile, ProfilePaper
from bot.store.subscriptions import create_subscription, ensure_subscriber
from tests import factories
from tests.peers.http import LocalServer, Reply, Request

TODAY = datetime.now(UTC).date()
POSTED = TODAY - timedelta(days=60)
SENT = ["10.1101/2026.01.01.000001", "10.1101/2026.01.01.000002", "10.1101/2026.01.01.000003"]
NOT_SENT = "10.1101/2026.01.01.000004"
SQUARE = "10.21203/rs.3.rs-123/v1"  # Research Square: found through Crossref relations


def _pubs_record(doi: str, journal: str, published: date) -> dict[str, str]:
    return {
        "preprint_doi": doi,
        "published_doi": f"10.1016/j.{doi[-6:]}",
        "published_journal": journal,
        "preprint_title": f"Title of {doi}",
        "preprint_abstract": "An abstract.",
        "preprint_date": POSTED.isoformat(),
        "published_date": published.isoformat(),
        "server": "biorxiv",
    }


PUBS = [
    _pubs_record(SENT[0], "Medical Image Analysis", TODAY - timedelta(days=10)),
    _pubs_record(SENT[1], "Radiology", TODAY - timedelta(days=9)),
    _pubs_record(NOT_SENT, "Medical Image Analysis", TODAY - timedelta(days=8)),
    _pubs_record("10.1101/2019.01.01.999999", "Medical Image Analysis", TODAY),  # not stored
]


def _pubs(request: Request) -> Reply:
    cursor = int(request.path.rstrip("/").rsplit("/", 1)[1])
    page = PUBS[cursor : cursor + 100]
    message = {"status": "ok", "cursor": cursor, "count": len(page), "total": len(PUBS)}
    return Reply(body=json.dumps({"messages": [message], "collection": page}))


def _crossref(request: Request) -> Reply:
    if request.path == f"/works/{SQUARE}":
        relation = {"is-preprint-of": [{"id-type": "doi", "id": "10.1016/J.MEDIA.2026.1"}]}
        return Reply(body=json.dumps({"message": {"DOI": SQUARE, "relation": relation}}))
    if request.path == "/works/10.1016/j.media.2026.1":
        work = {"container-title": ["Medical Image Analysis"],
                "published": {"date-parts": [[2026, 3, 2]]}}  # fmt: skip
        return Reply(body=json.dumps({"message": work}))
    return Reply(status=404, body="Resource not found.")


def _world(store: Store) -> int:
    """Four bioRxiv preprints and one Research Square one; subscription 1 was sent three."""
    mia = factories.journal(store, "Medical Image Analysis")
    for doi in [*SENT, NOT_SENT]:
        factories.scored(store, mia, doi, 0.4, POSTED, server="biorxiv")
    factories.scored(store, mia, SQUARE, 0.3, POSTED, server="researchsquare")
    created = datetime.combine(POSTED - timedelta(days=30), datetime.min.time(), UTC)
    with store.session() as session:
        person = ensure_subscriber(session, Target("email", "ada@example.org"), True)
        sub = create_subscription(session, person, [mia], DigestRules(), "cli", created)
        end = datetime.combine(POSTED + timedelta(days=7), datetime.min.time(), UTC)
        digest = DigestRow(
            subscription_id=sub, period=str(end.date()), slot_at=end,
            window_start=end - timedelta(days=7), window_end=end, status="sent", n_items=3,
        )  # fmt: skip
        session.add(digest)
        session.flush()
        for position, doi in enumerate(SENT, 1):
            session.add(
                DigestItem(
                    digest_id=digest.id, subscriber_id=person.id, preprint_id=doi,
                    profile_id=mia, position=position, probability=0.4, text_fingerprint="f",
                    delivered_at=end,
                )
            )  # fmt: skip
    return sub


def _cli(env: dict[str, str], *args: str) -> Any:
    result = CliRunner().invoke(app, [*args, "--json"], env=env)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _env(env: dict[str, str], server: LocalServer) -> dict[str, str]:
    urls = {"RXRADAR_BIORXIV_API_URL": server.url(""), "RXRADAR_CROSSREF_API_URL": server.url("")}
    return {**env, **urls, "RXRADAR_HTTP_TIMEOUT": "5"}


def test_refresh_records_each_publication_once(store: Store, env: dict[str, str]) -> None:
    _world(store)
    with LocalServer() as server:
        server.route("/pubs/biorxiv/", _pubs)
        server.route("/works/", _crossref)
        first = _cli(_env(env, server), "outcomes", "refresh")
        second = _cli(_env(env, server), "outcomes", "refresh")
    assert (first["new"], first["not_stored"], first["papers_added"]) == (4, 1, 4)
    assert (second["new"], second["changed"], second["papers_added"]) == (0, 0, 0)
    assert second["unchanged"] == 3  # the pubs overlap days are read again, nothing changes


def test_a_published_preprint_joins_its_journals_profile(store: Store, env: dict[str, str]) -> None:
    _world(store)
    with LocalServer() as server:
        server.route("/pubs/biorxiv/", _pubs)
        server.route("/works/", _crossref)
        _cli(_env(env, server), "outcomes", "refresh")
    with store.session() as session:
        rows = session.execute(
            select(Profile.name, ProfilePaper.doi, ProfilePaper.title, ProfilePaper.source).join(
                Profile, Profile.id == ProfilePaper.profile_id
            )
        ).all()
    mia = sorted(str(doi) for name, doi, _, _ in rows if name == "Medical Image Analysis")
    assert mia == sorted([SENT[0], NOT_SENT, SQUARE])
    # the text is the stored preprint's, not the API's copy
    texts = {f"Preprint {d}" for d in [*SENT[:2], NOT_SENT, SQUARE]}
    assert {title for _, _, title, _ in rows} == texts
    assert {source for *_, source in rows} == {"outcome"}


def test_outcomes_json_counts_precision_and_recall(store: Store, env: dict[str, str]) -> None:
    sub = _world(store)
    with LocalServer() as server:
        server.route("/pubs/biorxiv/", _pubs)
        server.route("/works/", _crossref)
        _cli(_env(env, server), "outcomes", "refresh")
    report = _cli(env, "outcomes", "--subscription", str(sub))
    (row,) = report["subscriptions"]
    assert row["sent"] == 3
    assert row["published_here"] == 1
    assert row["published_elsewhere"] == {"Radiology": 1}
    assert row["not_yet"] == 1
    assert row["precision"] == round(1 / 3, 4)
    # published in MIA and posted while subscribed: SENT[0], NOT_SENT, SQUARE; we sent one
    assert (row["published_in_journal"], row["of_those_sent"]) == (3, 1)
    assert row["model_versions"] == {factories.MODEL: 3}
    (journal,) = [j for j in report["journals"] if j["journal"] == "Medical Image Analysis"]
    assert (journal["ranked"], journal["published_here"]) == (5, 3)


def test_a_failing_pubs_api_stops_with_a_resume_hint(store: Store, env: dict[str, str]) -> None:
    _world(store)
    with LocalServer() as server:
        server.route("/pubs/biorxiv/", Reply(status=404, body="no"))
        result = CliRunner().invoke(app, ["outcomes", "refresh"], env=_env(env, server))
    assert result.exit_code == 2
    assert "run `rxradar outcomes refresh` again to resume" in " ".join(result.stderr.split())


def test_top_labels_preprints_that_were_published(store: Store, env: dict[str, str]) -> None:
    _world(store)
    with LocalServer() as server:
        server.route("/pubs/biorxiv/", _pubs)
        server.route("/works/", _crossref)
        _cli(_env(env, server), "outcomes", "refresh")
    page = _cli(env, "top", "Medical Image Analysis")
    published = {p["doi"]: p["published"] for p in page["preprints"]}
    assert published[SENT[2]] is None
    assert published[SENT[1]]["journal"] == "Radiology"
    when = TODAY - timedelta(days=10)
    assert published[SENT[0]] == {
        "journal": "Medical Image Analysis",
        "date": when.isoformat(),
        "doi": "10.1016/j.000001",
        "text": f"published in Medical Image Analysis on {when:%-d %B %Y}",
    }
    result = CliRunner().invoke(app, ["top", "Medical Image Analysis"], env=env)
    assert f"published in Radiology on {TODAY - timedelta(days=9):%-d %B %Y}" in result.stdout


def test_outcomes_prints_a_table_per_subscription_and_journal(
    store: Store, env: dict[str, str]
) -> None:
    from tests.test_digest_render import _golden

    _world(store)
    with LocalServer() as server:
        server.route("/pubs/biorxiv/", _pubs)
        server.route("/works/", _crossref)
        _cli(_env(env, server), "outcomes", "refresh")
    result = CliRunner().invoke(app, ["outcomes"], env={**env, "COLUMNS": "120"})
    assert result.exit_code == 0, result.stderr
    _golden("outcomes_cli.txt", result.stdout)


def test_a_publication_without_a_usable_journal_does_not_stop_the_others(store: Store) -> None:
    from bot.records.outcome import Publication
    from bot.store.outcomes import RecordCounts, outcomes_of, record_publications

    _world(store)
    counts = RecordCounts()
    with store.session() as session:
        record_publications(session, [
            Publication(SENT[0], None, "???", None, "crossref"),
            Publication(SENT[1], None, "Radiology", None, "crossref"),
        ], counts)  # fmt: skip
    with store.session() as session:
        assert set(outcomes_of(session, SENT)) == {SENT[1]}
    assert (counts.new, counts.not_stored) == (1, 1)


def test_a_published_preprint_with_long_categories_joins_the_profile_with_what_fits(
    store: Store,
) -> None:
    from bot.records.outcome import Publication
    from bot.store.outcomes import RecordCounts, record_publications

    listing = "; ".join(f"Physics Subject {n} (physics.s{n})" for n in range(8))  # 254
    garbage = "x" * 300  # one category longer than the column: dropped, the paper kept
    for doi, category in ((SENT[0], listing), (SENT[1], garbage)):
        factories.preprint(store, doi, f"Title of {doi}", POSTED, categories=(category,))
    counts = RecordCounts()
    with store.session() as session:  # was (PostgreSQL): StringDataRightTruncation
        record_publications(session, [
            Publication(SENT[0], None, "Radiology", None, "crossref"),
            Publication(SENT[1], None, "Radiology", None, "crossref"),
        ], counts)  # fmt: skip
    assert counts.papers_added == 2
    with store.session() as session:
        stored = set(session.scalars(select(ProfilePaper.category)))
    assert stored == {None, "; ".join(listing.split("; ")[:6])}
