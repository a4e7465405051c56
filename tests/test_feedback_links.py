"""The emailed "more like this" / "less like this" and reset links, through the real app.

GET shows one button and changes nothing; the POST (with the page's CSRF value) records
the vote once. The next digest's order moves the expected way; the reset link restores
the journal's order exactly; forged and replayed links change nothing.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx

from bot import subscribing
from bot.channels.email import render_email
from bot.delivery.preparing import load_digest
from bot.delivery.sending import digest_message
from bot.records.rules import DigestRules
from bot.records.target import Target
from bot.store import feedback as votes_store
from bot.store.subscriptions import SubscriptionRecord
from bot.tokens import VOTE, make_token
from tests.web_support import Web, form_value

NOW = datetime.now(UTC)


def _subscription(web: Web, name: str) -> SubscriptionRecord:
    target = Target("email", f"{name}-{web.store.dialect}@example.org")
    rules = DigestRules(top=5, lookback_days=90)
    return subscribing.subscribe(web.store, target, ["Medical Image Analysis"], NOW, rules=rules)


def _order(web: Web, record: SubscriptionRecord) -> list[str]:
    return [e.preprint_id for e in load_digest(web.store, record, "p", NOW).entries]


def _email_links(web: Web, record: SubscriptionRecord) -> tuple[list[tuple[str, str]], str]:
    """Each entry's (more, less) links and the reset link, from the rendered email."""
    digest = load_digest(web.store, record, "p", NOW)
    text = render_email(digest_message(web.settings.links(), record, digest, NOW, "<m@x>")).text
    more = re.findall(r"More like this: (\S+)", text)
    less = re.findall(r"Less like this: (\S+)", text)
    [reset] = re.findall(r"Reset your feedback: (\S+)", text)
    return [(web.local(m), web.local(s)) for m, s in zip(more, less, strict=True)], web.local(reset)


def _press(client: httpx.Client, link: str) -> httpx.Response:
    page = client.get(link)
    assert page.status_code == 200, page.text
    return client.post(link, data={"csrf": form_value(page.text)})


def _votes(web: Web, record: SubscriptionRecord) -> list[tuple[str, int]]:
    with web.store.session() as session:
        return [(v.preprint_id, v.value) for v in votes_store.voted(session, record.id)]


def test_email_votes_move_the_next_digest_and_the_reset_link_restores_it(web: Web) -> None:
    record = _subscription(web, "voter")
    today = _order(web, record)
    links, reset = _email_links(web, record)
    assert len(links) == len(today) == 5
    with web.client() as client:
        page = client.get(links[-1][0])
        assert "Yes: 👍 more like this" in page.text and _votes(web, record) == []  # GET: nothing
        assert "Recorded 👍 more like this" in _press(client, links[-1][0]).text
        assert "Recorded 👎 less like this" in _press(client, links[0][1]).text
    after = _order(web, record)
    assert after.index(today[-1]) < len(today) - 1  # the liked one moved up
    assert today[0] not in after[:1]  # the disliked one left the top
    with web.client() as client:
        page = client.get(reset)
        assert "Forget every 👍/👎" in page.text and len(_votes(web, record)) == 2
        assert "Forgot 2 votes" in _press(client, reset).text
    assert _order(web, record) == today


def test_a_replayed_vote_link_changes_nothing(web: Web) -> None:
    record = _subscription(web, "replay")
    today = _order(web, record)
    links, reset = _email_links(web, record)
    with web.client() as client:
        _press(client, links[0][1])
        voted = _votes(web, record)
        assert "Already recorded" in _press(client, links[0][1]).text
        assert _votes(web, record) == voted
        _press(client, reset)
        assert "Already recorded" in _press(client, links[0][1]).text  # not even after a reset
    assert _votes(web, record) == [] and _order(web, record) == today


def test_a_forged_vote_link_changes_nothing(web: Web) -> None:
    record = _subscription(web, "forged")
    other = subscribing.subscribe(
        web.store, Target("email", f"victim-{web.store.dialect}@example.org"),
        ["Medical Image Analysis"], NOW, rules=DigestRules(top=5, lookback_days=90),
    )  # fmt: skip
    links, reset = _email_links(web, record)
    token = links[0][0].rsplit("/", 1)[1]
    payload, signature = token.split(".")
    victim = make_token("another-key", VOTE, other.id, other.target.key, NOW, "down:x")
    forged = [
        links[0][0].replace(signature, signature[::-1]),  # a made-up signature
        links[0][0].replace(token, f"{payload}x.{signature}"),  # a changed payload
        links[0][0].replace(token, reset.rsplit("/", 1)[1]),  # a token for another purpose
        links[0][0].replace(token, victim),  # someone else's subscription, not our key
    ]
    with web.client() as client:
        for link in forged:
            assert client.get(link).status_code in (400, 404)
            answer = client.post(link, data={"csrf": "x" * 43})
            assert answer.status_code in (400, 403, 404)
        # a genuine link without the page's CSRF value is refused too
        assert client.post(links[0][0], data={}).status_code == 403
    assert _votes(web, record) == [] and _votes(web, other) == []
