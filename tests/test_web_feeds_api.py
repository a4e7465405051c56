"""Feeds and the JSON API over real HTTP: feeds validate, the API matches its OpenAPI
description, and conditional requests get 304."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import feedparser
import httpx
import pytest

from tests.web_support import Web, profile_token
from tests.web_world import CUSTOM, SEED_TITLES

MIA = "/journals/medical-image-analysis"
README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_rss_feed_validates_and_carries_the_numbers(web: Web) -> None:
    response = httpx.get(web.url(f"{MIA}/feed.rss"))
    assert response.headers["content-type"].startswith("application/rss+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert feed.feed.title == "Medical Image Analysis: best-matching preprints (rxradar)"
    assert len(feed.entries) == 30
    first = feed.entries[0]
    assert first.title.startswith("1. ") and first.link.startswith("https://www.medrxiv.org/")
    assert re.match(
        r"\d+(\.\d+)?% match for Medical Image Analysis · Top [\d.]+% of the last 90 "
        r"days' preprints · [\d.]+× the average preprint\.",
        first.summary,
    )
    assert first.id.startswith("rxradar:10.64898/")


def test_the_json_feed_has_the_specs_required_fields(web: Web) -> None:
    response = httpx.get(web.url(f"{MIA}/feed.json"))
    assert response.headers["content-type"].startswith("application/feed+json")
    feed = response.json()
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] and isinstance(feed["items"], list) and len(feed["items"]) == 30
    assert feed["feed_url"] == f"http://rxradar.test{MIA}/feed.json"
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert "content_text" in item or "content_html" in item
        assert "% match for Medical Image Analysis" in item["content_text"]
        datetime.fromisoformat(item["date_published"])
    titles = {item["title"].split(". ", 1)[1] for item in feed["items"][:6]}
    assert titles & {title for title, _, _ in SEED_TITLES}


@pytest.mark.parametrize("kind", ["rss", "json"])
def test_feed_readers_polling_get_304_until_the_scores_change(web: Web, kind: str) -> None:
    first = httpx.get(web.url(f"{MIA}/feed.{kind}"))
    assert first.headers["cache-control"] == "public, max-age=300"
    again = httpx.get(
        web.url(f"{MIA}/feed.{kind}"), headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    since = httpx.get(
        web.url(f"{MIA}/feed.{kind}"), headers={"If-Modified-Since": first.headers["last-modified"]}
    )
    assert since.status_code == 304


def test_a_custom_profile_has_feeds_only_through_its_signed_link(web: Web) -> None:
    token = profile_token(web.store, CUSTOM)
    response = httpx.get(web.url(f"/profiles/{token}/feed.rss"))
    feed = feedparser.parse(response.content)
    assert not feed.bozo and feed.feed.title.startswith(CUSTOM)
    assert response.headers["cache-control"].startswith("private")
    assert httpx.get(web.url(f"/profiles/{token}/feed.json")).json()["items"]
    assert httpx.get(web.url("/profiles/forged.token/feed.rss")).status_code == 404
    assert httpx.get(web.url("/journals/smith-lab/feed.json")).status_code == 404


# ---------------------------------------------------------------- the JSON API


def test_the_journal_search_finds_journals_and_never_custom_profiles(web: Web) -> None:
    body = httpx.get(web.url("/api/journals"), params={"q": "medical image"}).json()
    assert body["journals"][0]["slug"] == "medical-image-analysis"
    assert body["journals"][0]["publisher"] == "Elsevier BV"
    assert httpx.get(web.url("/api/journals"), params={"q": "smith lab"}).json()["journals"] == []
    everything = httpx.get(web.url("/api/journals")).json()["journals"]
    assert [j["papers"] for j in everything] == sorted(
        (j["papers"] for j in everything), reverse=True
    )
    assert CUSTOM not in json.dumps(everything)


def test_a_journals_preprints_come_ranked_and_filtered(web: Web) -> None:
    body = httpx.get(
        web.url("/api/journals/medical-image-analysis/preprints"),
        params={"days": 30, "limit": 5, "server": "medrxiv"},
    ).json()
    preprints = body["preprints"]
    assert [p["rank"] for p in preprints] == list(range(1, len(preprints) + 1))
    assert all(p["server"] == "medRxiv" for p in preprints) and len(preprints) <= 5
    probabilities = [p["probability"] for p in preprints]
    assert probabilities == sorted(probabilities, reverse=True)
    assert {"percentile", "top_percent", "lift", "doi", "abstract"} <= set(preprints[0])
    assert body["days"] == 30 and body["based_on_papers"] == 33


@pytest.mark.parametrize("query", ["days=0", "days=400", "limit=101", "limit=x"])
def test_bad_parameters_get_400_with_what_is_accepted(web: Web, query: str) -> None:
    response = httpx.get(web.url(f"/api/journals/medical-image-analysis/preprints?{query}"))
    assert response.status_code == 400
    assert "must be a whole number from" in response.json()["error"]


def test_a_preprints_journals_come_best_first(web: Web) -> None:
    pid = web.world.seed_ids[0]
    body = httpx.get(web.url(f"/api/preprints/{pid}/journals")).json()
    assert body["preprint"]["id"] == pid
    assert body["journals"][0]["journal"] == "Medical Image Analysis"
    assert all(j["journal"] != CUSTOM for j in body["journals"])
    assert httpx.get(web.url("/api/preprints/10.1101/nope/journals")).status_code == 404


def test_match_takes_json_and_refuses_other_bodies(web: Web) -> None:
    text = {"title": "Cardiac MRI segmentation", "abstract": "deep network dice ventricle imaging"}
    body = httpx.post(web.url("/api/match"), json=text).json()
    assert body["journals"][0]["journal"] == "Medical Image Analysis"
    assert body["journals"][0]["url"] == f"http://rxradar.test{MIA}"
    assert httpx.post(web.url("/api/match"), data=text).status_code == 415
    assert (
        httpx.post(
            web.url("/api/match"), content=b"{", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    big = json.dumps({"text": "word " * web.settings.web.max_body})
    assert (
        httpx.post(
            web.url("/api/match"), content=big, headers={"Content-Type": "application/json"}
        ).status_code
        == 413
    )


def test_api_answers_are_conditional(web: Web) -> None:
    url = web.url("/api/journals/medical-image-analysis/preprints?limit=3")
    first = httpx.get(url)
    assert httpx.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304


def _example(name: str, web: Web) -> str:
    return {"slug": "medical-image-analysis", "id": web.world.seed_ids[0]}[name]


def test_every_route_in_the_openapi_description_exists_and_answers(web: Web) -> None:
    document = httpx.get(web.url("/api/openapi.json")).json()
    assert document["openapi"].startswith("3.")
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            params = [p for p in operation.get("parameters", []) if p["in"] == "query"]
            url = re.sub(r"\{(\w+)\}", lambda m: _example(m.group(1), web), path)
            if method == "get":
                query = {p["name"]: p["schema"].get("default", "x") for p in params}
                query = {k: v for k, v in query.items() if v != "x"}
                response = httpx.get(web.url(url), params=query)
            else:
                response = httpx.post(web.url(url), json={"text": "cardiac mri segmentation net"})
            assert response.status_code == 200, (method, path, response.text)
            assert response.headers["content-type"].startswith("application/json")


def test_the_openapi_description_names_every_api_route(web: Web) -> None:
    from bot.web import api
    from bot.web.context import make_site

    described = set(httpx.get(web.url("/api/openapi.json")).json()["paths"])
    served = {
        r.path.replace("{pid:path}", "{id}") for r in api.routes(make_site(web.settings, web.store))
    }
    assert served - {"/api/openapi.json"} == described


def test_the_readmes_curl_examples_work(web: Web) -> None:
    section = README.read_text().split("## Web pages, feeds and API", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^curl .*$", section, re.M)
    assert len(commands) >= 4
    for command in commands:
        found = re.search(r"'?(https?://\S+?)'?(?:\s|$)", command)
        assert found, command
        url = found.group(1)
        local = url.replace("https://rxradar.example.org", web.url("").rstrip("/"))
        local = local.replace("10.64898/2026.04.01.26349955", web.world.seed_ids[0])
        data = re.search(r"-d '([^']+)'", command)
        if data:
            response = httpx.post(
                local, content=data.group(1), headers={"Content-Type": "application/json"}
            )
        else:
            response = httpx.get(local)
        assert response.status_code == 200, (command, response.text[:300])
