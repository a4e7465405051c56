"""Harvesting profiles from the bioRxiv `pubs` API and Crossref, served by a local peer."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest

from bot.config import Settings, load_settings
from bot.feeds.biorxiv_api import BiorxivApi
from bot.feeds.crossref_api import CrossrefApi
from bot.feeds.fetch import Fetcher
from bot.ingest.harvest import (
    HarvestError,
    PubsWindow,
    harvest_crossref,
    harvest_pubs,
    harvest_recent,
)
from bot.store import Store
from bot.store.profiles import ProfileSummary, find_profile, list_profiles
from tests.peers.http import LocalServer, Reply, Request

WINDOW = PubsWindow("biorxiv", date(2024, 1, 1), date(2024, 1, 31))
JOURNALS = ["Genes &amp; Development", "PLOS ONE", "Genes & Development"]


def _record(n: int) -> dict[str, str]:
    return {
        "preprint_doi": f"10.1101/2023.12.{n:02d}.{n:06d}",
        "published_doi": f"10.1000/j.{n}",
        "published_journal": JOURNALS[n % 3],
        "preprint_title": f"Preprint number {n}",
        "preprint_abstract": f"An abstract about topic {n}.",
        "preprint_authors": "Smith, J.; Doe, J.",
        "preprint_category": "genetics",
        "preprint_date": "2023-12-01",
        "published_date": "2024-01-15",
        "server": "biorxiv",
    }


def _pubs_pages(total: int, fail_at: set[int] | None = None):  # type: ignore[no-untyped-def]
    """A handler serving `total` records 100 per page; cursors in `fail_at` answer 500."""

    def handler(request: Request) -> Reply:
        cursor = int(request.path.rstrip("/").rsplit("/", 1)[1])
        if fail_at and cursor in fail_at:
            return Reply(status=500, body="overloaded")
        records = [_record(n) for n in range(cursor, min(cursor + 100, total))]
        messages = [{"status": "ok", "cursor": cursor, "count": len(records), "total": total}]
        return Reply(body=json.dumps({"messages": messages, "collection": records}))

    return handler


def _settings(env: dict[str, str], server: LocalServer, **extra: str) -> Settings:
    urls = {"RXRADAR_BIORXIV_API_URL": server.url(""), "RXRADAR_CROSSREF_API_URL": server.url("")}
    return load_settings({**env, **urls, "RXRADAR_HTTP_TIMEOUT": "5", **extra})


def _pubs_api(settings: Settings, sleep: Callable[[float], None] = time.sleep) -> BiorxivApi:
    return BiorxivApi(Fetcher(settings.http, sleep=sleep), settings.sources.biorxiv_api_url)


def _crossref_api(settings: Settings) -> CrossrefApi:
    fetcher = Fetcher(settings.http)
    return CrossrefApi(fetcher, settings.sources.crossref_api_url, settings.contact_email)


def test_it_harvests_every_page_into_journal_profiles(store: Store, env: dict[str, str]) -> None:
    seen: list[tuple[int, int]] = []
    with LocalServer() as server:
        server.route("/pubs/biorxiv/2024-01-01/2024-01-31/", _pubs_pages(250))
        report = harvest_pubs(
            store,
            _pubs_api(_settings(env, server)),
            WINDOW,
            progress=lambda d, t: seen.append((d, t)),
        )
        cursors = [r.path.rsplit("/", 1)[1] for r in server.requests]
        agent = server.requests[0].headers["user-agent"]
    assert cursors == ["0", "100", "200"]
    assert seen == [(100, 250), (200, 250), (250, 250)]
    assert (report.n_records, report.n_added, report.total) == (250, 250, 250)
    assert agent.startswith("rxradar/")
    with store.session() as session:
        counts = {s.name: s.n_papers for s in list_profiles(session)}
    assert counts == {"Genes & Development": 167, "PLOS ONE": 83}  # &amp; is not a new journal


def test_an_interrupted_harvest_resumes_where_it_stopped(store: Store, env: dict[str, str]) -> None:
    with LocalServer() as server:
        route = "/pubs/biorxiv/2024-01-01/2024-01-31/"
        server.route(route, _pubs_pages(350, fail_at={200}))
        settings = _settings(env, server)
        resumable = r"at record 200; the 200 records before it are stored and the next harvest"
        with pytest.raises(HarvestError, match=resumable):
            harvest_pubs(store, _pubs_api(settings), WINDOW)
        with store.session() as session:
            assert sum(s.n_papers for s in list_profiles(session)) == 200
        server.requests.clear()
        server.route(route, _pubs_pages(350))
        report = harvest_pubs(store, _pubs_api(settings), WINDOW)
        resumed = [r.path.rsplit("/", 1)[1] for r in server.requests]
        server.requests.clear()
        again = harvest_pubs(store, _pubs_api(settings), WINDOW)
        assert server.requests == []  # a finished window is not fetched again
    assert resumed == ["200", "300"]
    assert (report.resumed_from, report.n_added, report.n_duplicates) == (200, 150, 0)
    assert again.already_done
    with store.session() as session:
        assert sum(s.n_papers for s in list_profiles(session)) == 350


def test_records_without_journal_or_abstract_are_skipped(store: Store, env: dict[str, str]) -> None:
    records = [
        _record(1),
        {**_record(2), "preprint_abstract": ""},
        {**_record(3), "published_journal": "NA"},
    ]
    body = {"messages": [{"count": 3, "total": 3, "cursor": 0}], "collection": records}
    with LocalServer() as server:
        server.route("/pubs/medrxiv/2024-01-01/2024-01-31/0", Reply(body=json.dumps(body)))
        report = harvest_pubs(
            store, _pubs_api(_settings(env, server)), replace(WINDOW, server="medrxiv")
        )
    assert (report.n_added, report.n_skipped) == (1, 2)


def _work(n: int, abstract: str | None) -> dict[str, object]:
    work: dict[str, object] = {
        "DOI": f"10.1016/j.media.2024.{n:04d}",
        "title": [f"Segmentation method {n}"],
        "container-title": ["Medical Image Analysis"],
        "ISSN": ["1361-8415", "1361-8423"],
        "issued": {"date-parts": [[2024, 3, n % 28 + 1]]},
    }
    if abstract is not None:
        work["abstract"] = abstract
    return work


def test_crossref_harvest_strips_jats_and_pages_with_cursors(
    store: Store, env: dict[str, str]
) -> None:
    jats = (
        "<jats:title>Abstract</jats:title>"
        "<jats:p>We segment <jats:italic>MRI</jats:italic> &amp; CT.</jats:p>"
    )
    pages = [
        {
            "message": {
                "total-results": 3,
                "next-cursor": "AoJ1",
                "items": [_work(1, jats), _work(2, None)],
            }
        },
        {"message": {"total-results": 3, "next-cursor": "AoJ2", "items": [_work(3, jats + " 3")]}},
    ]
    with LocalServer() as server:
        server.route("/journals/1361-8415/works", [Reply(body=json.dumps(p)) for p in pages])
        settings = _settings(env, server, RXRADAR_CONTACT_EMAIL="team@example.org")
        report = harvest_crossref(store, _crossref_api(settings), "13618415", rows=10)
        queries = [r.query for r in server.requests]
    assert [q["cursor"] for q in queries] == [["*"], ["AoJ1"]]
    assert queries[0]["filter"] == ["has-abstract:true"]
    assert queries[0]["mailto"] == ["team@example.org"]
    assert (report.n_records, report.n_added, report.n_skipped) == (3, 2, 1)
    found = find_profile(store, "1361-8415")
    assert isinstance(found, ProfileSummary)
    assert (found.name, found.n_papers) == ("Medical Image Analysis", 2)
    with store.session() as session:
        from bot.store.profiles import profile_papers

        abstracts = [p.abstract for p in profile_papers(session, found.id)]
    assert abstracts[0] == "We segment MRI & CT."


def test_crossref_says_when_the_issn_is_unknown(store: Store, env: dict[str, str]) -> None:
    with LocalServer() as server:
        server.route("/journals/0000-0000/works", Reply(status=404, body="Resource not found."))
        with pytest.raises(HarvestError, match="no journal with ISSN 0000-0000"):
            harvest_crossref(store, _crossref_api(_settings(env, server)), "0000-0000")


def test_real_crossref_work_records_parse_once_they_have_an_abstract() -> None:
    from bot.profiles.crossref import paper_from_work
    from tests.conftest import shared_data

    folder = shared_data("feed_fixtures/crossref_works")
    works = [json.loads(p.read_text(encoding="utf-8"))["message"] for p in folder.glob("10.*.json")]
    assert works and all(paper_from_work(w) is None for w in works)  # none carries an abstract
    papers = [
        paper_from_work({**w, "abstract": "<jats:p>Text &amp; more.</jats:p>"}) for w in works
    ]
    assert all(p is not None and p.title and p.abstract == "Text & more." for p in papers)
    assert all(
        p is not None and p.journal and p.doi is not None and p.doi == p.doi.lower() for p in papers
    )


def test_covered_through_follows_unbroken_runs_of_finished_windows() -> None:
    from bot.ingest.harvest import covered_through

    d = date
    windows = [(d(2024, 1, 1), d(2024, 3, 1)), (d(2024, 3, 2), d(2024, 4, 1))]
    assert covered_through(windows, d(2024, 2, 1)) == d(2024, 4, 1)
    assert covered_through(windows, d(2023, 12, 1)) is None
    gap = [(d(2024, 1, 1), d(2024, 2, 1)), (d(2024, 3, 1), d(2024, 4, 1))]
    assert covered_through(gap, d(2024, 1, 15)) == d(2024, 2, 1)


def test_a_recurring_harvest_fetches_only_what_is_new(store: Store, env: dict[str, str]) -> None:

    with LocalServer() as server:
        server.route("/pubs/biorxiv/", _pubs_pages(30))
        settings = _settings(env, server)
        harvest_recent(store, _pubs_api(settings), "biorxiv", days=365, today=date(2024, 6, 1))
        second = harvest_recent(
            store, _pubs_api(settings), "biorxiv", days=365, today=date(2024, 6, 8)
        )
        paths = [r.path for r in server.requests]
    assert paths[0] == "/pubs/biorxiv/2023-06-02/2024-06-01/0"
    assert paths[1] == "/pubs/biorxiv/2024-05-30/2024-06-08/0"  # two days of overlap
    assert (second.n_added, second.n_duplicates) == (0, 30)


def test_a_429_is_retried_after_the_wait_the_server_asks_for(
    store: Store, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pauses: list[float] = []
    pages = _pubs_pages(150)
    answers = iter([Reply(status=429, headers={"Retry-After": "42"})])

    def busy_once(request: Request) -> Reply:
        if request.path.endswith("/100"):
            return next(answers, None) or pages(request)
        return pages(request)

    with LocalServer() as server:
        server.route("/pubs/biorxiv/2024-01-01/2024-01-31/", busy_once)
        api = _pubs_api(_settings(env, server, RXRADAR_HOST_DELAY="0"), sleep=pauses.append)
        report = harvest_pubs(store, api, WINDOW)
        cursors = [r.path.rsplit("/", 1)[1] for r in server.requests]
    assert cursors == ["0", "100", "100"]
    assert 42.0 in pauses
    assert report.n_added == 150


def test_a_long_retry_after_stops_the_harvest_with_a_resume_hint(
    store: Store, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = _pubs_pages(150)

    def busy(request: Request) -> Reply:
        if request.path.endswith("/100"):
            return Reply(status=429, headers={"Retry-After": "3600"})
        return pages(request)

    with LocalServer() as server:
        server.route("/pubs/biorxiv/2024-01-01/2024-01-31/", busy)
        settings = _settings(env, server)
        with pytest.raises(HarvestError, match=r"HTTP 429.*wait 60 min.*resume"):
            harvest_pubs(store, _pubs_api(settings, sleep=lambda seconds: None), WINDOW)
    with store.session() as session:
        assert sum(s.n_papers for s in list_profiles(session)) == 100  # the first page stays


def test_harvested_categories_longer_than_the_column_keep_what_fits() -> None:
    from bot.profiles.crossref import paper_from_work
    from bot.profiles.pubs import paper_from_pubs
    from bot.records.paper import FIELD_MAX

    listing = "; ".join(f"Physics Subject {n} (physics.s{n})" for n in range(8))  # 254
    kept = "; ".join(listing.split("; ")[:6])
    record = {"published_journal": "Cell", "preprint_title": "T", "preprint_abstract": "A."}
    pubs = paper_from_pubs({**record, "preprint_category": listing}, "biorxiv")
    assert pubs is not None and pubs.category == kept  # was: all 254, too wide to store
    garbage = paper_from_pubs({**record, "preprint_category": "x" * 300}, "biorxiv")
    assert garbage is not None and garbage.category is None  # the paper kept, not its garbage
    work = paper_from_work({"title": ["T"], "abstract": "A.", "subject": [listing]})
    assert work is not None and work.category == kept
    assert len(kept) <= FIELD_MAX["category"] < len(listing)
