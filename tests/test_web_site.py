"""The public pages over real HTTP: what a journal page lists, its filters and pages, the
sign-up's double opt-in, private profile links, escaping, headers and conditional GETs."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.matching.window import shown_in_window
from bot.records.target import Target
from bot.scoring import stats
from bot.store import subscriptions as subs
from bot.store.scores import profile_stats, top_preprints
from bot.store.signups import PENDING
from bot.tokens import PROFILE, make_token
from tests.peers.smtp import part_text
from tests.web_support import SECRET, Web, form_value, profile_token
from tests.web_world import CUSTOM, SEED_TITLES, SMALL_JOURNAL, TITLE_ATTACK, profile_id

MIA = "/journals/medical-image-analysis"


def entries(page: str) -> list[dict[str, str]]:
    """The ranked list as a reader sees it: rank, title, server and the three numbers."""
    found = []
    for block in re.findall(r'<li class="entry">(.*?)</li>', page, re.S):

        def text(pattern: str, block: str = block) -> str:
            found = re.search(pattern, block, re.S)
            assert found, f"no {pattern} in an entry"
            return html.unescape(found.group(1)).strip()

        top = re.search(r'class="badge">([^<]+)<', block)
        lift = re.search(r'class="lift">([^<]+)<', block)
        found.append(
            {
                "rank": text(r'class="rank"[^>]*>(\d+)<'),
                "title": text(r'class="title"><a href="[^"]*">(.*?)</a>'),
                "meta": re.sub(r"<[^>]+>", "", text(r'class="meta">(.*?)</p>')),
                "probability": text(r'class="prob"[^>]*>([^<]+)<'),
                "top": top.group(1) if top else "–",
                "lift": html.unescape(lift.group(1)) if lift else "–",
            }
        )
    return found


def test_the_journal_page_ranks_the_window_with_the_stores_numbers(web: Web) -> None:
    page = httpx.get(web.url(MIA)).text
    shown_entries = entries(page)
    journal = profile_id(web.store, "Medical Image Analysis")
    since = web.world.today - timedelta(days=90)
    with web.store.session() as session:
        ranked = top_preprints(session, journal, since, limit=20)
        window = profile_stats(session, [journal])[journal]
    assert len(shown_entries) == 20
    for rank, (entry, expected) in enumerate(zip(shown_entries, ranked, strict=True), start=1):
        numbers = shown_in_window(expected.probability, window)
        assert entry["rank"] == str(rank) and entry["title"] == expected.title
        assert [entry["probability"], entry["top"], entry["lift"]] == numbers.cells()
    assert shown_entries[0]["title"] in {title for title, _, _ in SEED_TITLES}
    [corseg] = [e for e in shown_entries if e["title"] == SEED_TITLES[0][0]]
    assert (
        " · cardiovascular medicine · 10.64898/" in corseg["meta"]
        and "· medRxiv ·" in corseg["meta"]
    )
    average = stats.format_probability(window.mean_probability)
    assert (
        f"based on 33 papers previously published here. The average preprint has a "
        f"{average} match score for this journal"
    ) in html.unescape(page)
    assert "Elsevier BV" in page


def test_every_entry_has_its_abstract_behind_a_show_abstract_toggle(web: Web) -> None:
    page = httpx.get(web.url(MIA)).text
    assert page.count("<details><summary>Show abstract</summary>") == 20


def test_filters_narrow_the_list_by_server_and_category(web: Web) -> None:
    arxiv = entries(httpx.get(web.url(f"{MIA}?server=arxiv")).text)
    assert arxiv and all(e["meta"].endswith("arXiv · where might it land?") for e in arxiv)
    radiology = entries(httpx.get(web.url(f"{MIA}?category=radiology&days=30")).text)
    assert radiology and all(" · radiology · " in e["meta"] for e in radiology)
    both = httpx.get(web.url(f"{MIA}?server=medrxiv&category=neurology")).text
    assert [e["title"] for e in entries(both)] == [SEED_TITLES[2][0]]


def test_the_pages_walk_through_every_preprint_of_the_window_once(web: Web) -> None:
    first = httpx.get(web.url(MIA)).text
    assert (
        "page 1 of 2" in first
        and 'rel="next" href="/journals/medical-image-analysis?page=2"' in first
    )
    second = entries(httpx.get(web.url(f"{MIA}?page=2")).text)
    ranks = [int(e["rank"]) for e in [*entries(first), *second]]
    assert ranks == list(range(1, 31))
    titles = [e["title"] for e in [*entries(first), *second]]
    assert len(set(titles)) == 30


@pytest.mark.parametrize("query", ["days=45", "days=x", "page=0", "page=99999"])
def test_an_out_of_range_query_gets_400_saying_what_to_write(web: Web, query: str) -> None:
    response = httpx.get(web.url(f"{MIA}?{query}"))
    assert response.status_code == 400
    assert re.search(r"(Days must be one of 7, 30, 90|must be a whole number from)", response.text)


def test_a_journal_not_in_the_model_says_why(web: Web) -> None:
    page = httpx.get(web.url("/journals/journal-of-rare-observations")).text
    assert f"{SMALL_JOURNAL} is not in the active model: it has 1 papers" in html.unescape(page)


def test_an_unknown_journal_gets_404_with_close_names_and_no_custom_profile(web: Web) -> None:
    response = httpx.get(web.url("/journals/medical-image-analysys"))
    assert response.status_code == 404
    assert 'href="/journals/medical-image-analysis"' in response.text
    custom = httpx.get(web.url("/journals/smith-lab"))
    assert custom.status_code == 404 and CUSTOM not in custom.text


def test_an_alias_of_a_journal_redirects_to_its_one_address(web: Web) -> None:
    for other in ("med-image-anal", "the-lancet-infectious-diseases"):
        response = httpx.get(web.url(f"/journals/{other}?days=30"))
        assert response.status_code == 301
        page = httpx.get(web.url(response.headers["location"]))
        assert page.status_code == 200 and "?days=30" in response.headers["location"]
    lancet = httpx.get(web.url("/journals/lancet-infectious-diseases"))
    assert lancet.status_code == 200 and "The Lancet Infectious Diseases" in lancet.text


def test_everything_from_outside_is_escaped(web: Web) -> None:
    from markupsafe import escape

    attack = web.world.preprint_ids[-1]
    page = httpx.get(web.url(f"/preprints/{attack}")).text
    listed = httpx.get(web.url("/journals/genome-research?days=7")).text
    for shown_page in (page, listed):
        assert "<script>" not in shown_page and "<i>A.</i>" not in shown_page
        assert "<b>bold</b>" not in shown_page and str(escape(TITLE_ATTACK)) in shown_page
    search = httpx.get(web.url("/"), params={"q": '"><script>alert(1)</script>'}).text
    assert "<script>alert" not in search and "&lt;script&gt;alert(1)" in search


@pytest.mark.parametrize("path", ["/", MIA, "/match", "/journals/nope", "/api/journals"])
def test_every_answer_carries_anti_framing_and_a_strict_policy(web: Web, path: str) -> None:
    response = httpx.get(web.url(path))
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "style-src 'self'" in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"]
    if response.headers["content-type"].startswith("text/html"):
        assert not re.search(r"<script(?![^>]*\bsrc=)", response.text)  # no inline script
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", response.text)


def test_a_page_answers_its_own_validators_with_304(web: Web) -> None:
    with web.client() as client:
        first = client.get(MIA)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert first.headers["cache-control"] == "private, no-cache"
        again = client.get(MIA, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert client.get(MIA, headers={"If-Modified-Since": modified}).status_code == 304
        other = client.get(f"{MIA}?days=30", headers={"If-None-Match": etag})
        assert other.status_code == 200


def test_a_new_score_changes_the_validators(web: Web) -> None:
    from tests.factories import scored

    with web.client() as client:
        etag = client.get("/journals/neuroimage").headers["etag"]
        journal = profile_id(web.store, "NeuroImage")
        scored(
            web.store,
            journal,
            "10.1101/2026.99.99.000001",
            0.99,
            web.world.today,
            title="A freshly scored preprint",
        )
        fresh = client.get("/journals/neuroimage", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and "A freshly scored preprint" in fresh.text


# ---------------------------------------------------------------- subscribe by email


def _sign_up(client: httpx.Client, address: str, path: str = MIA, **fields: str) -> httpx.Response:
    value = form_value(client.get(path).text)
    data = {"csrf": value, "email": address, "cadence": "weekly", **fields}
    return client.post(f"{path}/subscribe", data=data)


def _records(web: Web, address: str) -> list[subs.SubscriptionRecord]:
    with web.store.session() as session:
        return subs.subscriptions(session, target=Target("email", address=address))


def _attempt(web: Web, address: str) -> tuple[str, str, str]:
    """The ledger row of the confirmation email sent to `address` (by its Message-ID)."""
    from sqlalchemy import select

    from bot.store.delivery_models import DeliveryAttempt

    [message] = [m for m in web.smtp.messages if m["To"] == address]
    with web.store.session() as session:
        row = session.scalars(
            select(DeliveryAttempt).where(DeliveryAttempt.message_id == message["Message-ID"])
        ).one()
        return row.kind, row.purpose, row.outcome


def _link(web: Web, address: str) -> str:
    message = [m for m in web.smtp.messages if m["To"] == address][-1]
    body = part_text(message, "plain")
    found = re.search(r"http://rxradar\.test/subscriptions/confirm/\S+", body)
    assert found, body
    return web.local(found.group(0))


def test_subscribing_starts_nothing_until_the_emailed_link_is_confirmed(web: Web) -> None:
    address = f"reader-{web.store.dialect}@example.org"
    with web.client() as client:
        answer = _sign_up(client, address)
    assert answer.status_code == 200
    assert f"We sent a confirmation link to {address}" in answer.text
    [record] = _records(web, address)
    assert record.paused_reason == PENDING and not record.sendable
    assert _attempt(web, address) == ("email", "confirm", "accepted")  # the one ledger
    assert [p.name for p in record.profiles] == ["Medical Image Analysis"]
    link = _link(web, address)
    with web.client() as reader:  # the reader opens the email on another device
        question = reader.get(link)
        assert "Yes, send me this digest" in question.text
        assert not _records(web, address)[0].sendable  # viewing (or a mail scanner) changes nothing
        done = reader.post(link, data={"csrf": form_value(question.text)})
    assert done.status_code == 200 and f"{address} is confirmed" in done.text
    assert _records(web, address)[0].sendable


def test_a_stranger_cannot_add_a_journal_to_an_address_that_confirmed_before(web: Web) -> None:
    from bot import subscribing

    address = f"confirmed-{web.store.dialect}@example.org"
    subscribing.subscribe(
        web.store, Target("email", address=address), ["NeuroImage"], datetime.now(UTC)
    )
    with web.client() as stranger:
        _sign_up(stranger, address)
    added = [r for r in _records(web, address) if r.profiles[0].name == "Medical Image Analysis"]
    assert len(added) == 1 and not added[0].sendable
    neuro = [r for r in _records(web, address) if r.profiles[0].name == "NeuroImage"]
    assert neuro[0].sendable  # and the existing digest was not touched


def test_a_form_without_the_visitors_csrf_value_is_refused(web: Web) -> None:
    address = f"forged-{web.store.dialect}@example.org"
    with web.client() as client:
        client.get(MIA)
        forged = client.post(f"{MIA}/subscribe", data={"csrf": "x" * 43, "email": address})
    no_cookie = httpx.post(web.url(f"{MIA}/subscribe"), data={"email": address})
    assert forged.status_code == 403 and no_cookie.status_code == 403
    assert _records(web, address) == [] and not any(m["To"] == address for m in web.smtp.messages)


def test_subscribe_accepts_only_post(web: Web) -> None:
    assert httpx.get(web.url(f"{MIA}/subscribe")).status_code == 405


def test_sign_ups_are_limited_per_address_and_per_visitor(web: Web) -> None:
    limited = web.start(
        RXRADAR_WEB_SIGNUPS_PER_ADDRESS="2/1d", RXRADAR_WEB_SIGNUPS_PER_CLIENT="4/1h"
    )
    address = f"limited-{web.store.dialect}@example.org"
    try:
        with httpx.Client(base_url=limited.url(""), timeout=30) as client:
            answers = [_sign_up(client, address).status_code for _ in range(3)]
            others = [_sign_up(client, f"o{i}-{address}").status_code for i in range(3)]
    finally:
        limited.__exit__(None, None, None)
    assert answers == [200, 200, 429]
    assert others == [200, 429, 429]  # the visitor's 4th and later sign-ups
    assert len([m for m in web.smtp.messages if m["To"] == address]) == 2


def test_an_oversized_body_gets_413_declared_or_chunked(web: Web) -> None:
    too_big = b"email=" + b"a" * (web.settings.web.max_body + 10)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must hold while streaming
        for start in range(0, len(too_big), 4096):
            yield too_big[start : start + 4096]

    with web.client() as client:
        client.get(MIA)
        assert client.post(f"{MIA}/subscribe", content=too_big).status_code == 413
        assert client.post(f"{MIA}/subscribe", content=chunks()).status_code == 413
        assert client.post("/match", content=chunks()).status_code == 413


# ---------------------------------------------------------------- private profiles


def _profile_token(web: Web) -> str:
    return profile_token(web.store, CUSTOM)


def test_a_custom_profile_is_seen_only_through_its_signed_link(web: Web) -> None:
    token = _profile_token(web)
    assert CUSTOM not in httpx.get(web.url("/"), params={"q": "smith"}).text
    with web.client() as client:
        page = client.get(f"/profiles/{token}")
        assert page.status_code == 200 and f'<h1 id="heading">{CUSTOM}</h1>' in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        assert entries(page.text)
        # the browser that opened the link now finds the profile in the search
        assert f'href="/profiles/{token}"' in client.get("/", params={"q": "smith"}).text
    forged = make_token("another-key", PROFILE, 1, "custom:smith lab", datetime.now(UTC))
    for bad in (forged, token[:-4] + "AAAA", "garbage", "x" * 5000):
        response = httpx.get(web.url(f"/profiles/{bad}"))
        assert response.status_code == 404 and CUSTOM not in response.text


def test_a_journal_cannot_be_opened_as_a_private_profile(web: Web) -> None:
    journal = profile_id(web.store, "NeuroImage")
    token = make_token(SECRET, PROFILE, journal, "neuroimage", datetime.now(UTC))
    assert httpx.get(web.url(f"/profiles/{token}")).status_code == 404


# ---------------------------------------------------------------- one preprint, and match


def test_the_preprint_page_says_where_it_might_land(web: Web) -> None:
    pid = web.world.seed_ids[0]
    page = httpx.get(web.url(f"/preprints/{pid}")).text
    assert SEED_TITLES[0][0] in page and "Where might this land?" in page
    rows = re.findall(r'<th scope="row"><a href="([^"]+)">([^<]+)</a>', page)
    assert rows[0] == ("/journals/medical-image-analysis", "Medical Image Analysis")
    assert CUSTOM not in page  # custom profiles only for browsers that opened their link
    with web.client() as client:
        client.get(f"/profiles/{_profile_token(web)}")
        assert CUSTOM in client.get(f"/preprints/{pid}").text
    assert httpx.get(web.url("/preprints/10.1101/unknown")).status_code == 404


def test_match_ranks_journals_for_pasted_text_and_stores_nothing(web: Web) -> None:
    from sqlalchemy import func, select

    from bot.store.models import PreprintRow

    with web.store.session() as session:
        before = session.scalar(select(func.count()).select_from(PreprintRow))
    text = "Cardiac MRI segmentation with a deep network; dice of the ventricle imaging"
    with web.client() as client:
        value = form_value(client.get("/match").text)
        answer = client.post("/match", data={"csrf": value, "text": text})
    assert answer.status_code == 200
    rows = re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', answer.text)
    assert rows[0] == "Medical Image Analysis" and len(rows) == 5
    with web.store.session() as session:
        assert session.scalar(select(func.count()).select_from(PreprintRow)) == before


def test_match_by_a_stored_doi_names_the_preprint(web: Web) -> None:
    with web.client() as client:
        value = form_value(client.get("/match").text)
        url = f"https://www.medrxiv.org/content/{web.world.seed_ids[0]}v1"
        answer = client.post("/match", data={"csrf": value, "doi": url})
    assert "Journals that best fit “CorSeg-CineSAX" in answer.text


def test_match_says_what_to_send_when_the_form_is_empty(web: Web) -> None:
    with web.client() as client:
        value = form_value(client.get("/match").text)
        answer = client.post("/match", data={"csrf": value, "text": "", "doi": ""})
    assert answer.status_code == 400
    assert "Give either a title and abstract, or a DOI or preprint URL." in answer.text


def test_add_to_slack_shows_only_when_oauth_is_configured(web: Web) -> None:
    assert 'href="/slack/install">Add to Slack</a>' in httpx.get(web.url(MIA)).text
    plain = web.start()
    try:
        assert "Add to Slack" not in httpx.get(plain.url(MIA)).text
    finally:
        plain.__exit__(None, None, None)


def test_match_looks_an_unknown_doi_up_in_the_biorxiv_api(web: Web) -> None:
    import json

    from tests.peers.http import Reply

    doi = "10.1101/2026.02.01.777777"
    record = {
        "doi": doi,
        "title": "Haplotype-resolved genome assembly",
        "version": "2",
        "abstract": "genome assembly sequencing variant haplotype chromosome alignment",
        "authors": "Doe, J.; Roe, R.",
        "date": "2026-02-01",
        "category": "genomics",
    }
    web.biorxiv.route(
        f"/biorxiv/details/biorxiv/{doi}/na/json", Reply(body=json.dumps({"collection": [record]}))
    )
    with web.client() as client:
        value = form_value(client.get("/match").text)
        answer = client.post("/match", data={"csrf": value, "doi": f"https://doi.org/{doi}"})
    assert "Journals that best fit “Haplotype-resolved genome assembly”" in answer.text
    rows = re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', answer.text)
    assert rows[0] == "Genome Research"
