"""The outcome line and the "published in X on DATE" label, in golden files and end to end."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from bot.channels.email import render_email
from bot.channels.slack import digest_posts
from bot.delivery.preparing import load_digest
from bot.digest.outcomes import outcome_line, with_outcomes
from bot.records.outcome import Outcome, Publication
from bot.records.rules import DigestRules
from bot.records.target import Target
from bot.store import Store
from bot.store.delivery_models import DigestItem, DigestRow
from bot.store.outcomes import RecordCounts, record_publications
from bot.store.subscriptions import create_subscription, ensure_subscriber, subscription
from tests import factories
from tests.peers.slack_fake import check_blocks
from tests.test_digest_render import SEED, _email, _golden, seed_digest

PUBLISHED = Outcome(SEED[1][0], "10.1016/j.media.2026.103001", "Medical Image Analysis", 7,
                    date(2026, 4, 17), "medrxiv-pubs")  # fmt: skip
EARLIER = [
    Outcome("10.1101/2026.01.1", "10.1016/j.media.2026.102990", "Medical Image Analysis", 7,
            date(2026, 3, 30), "medrxiv-pubs"),
    Outcome("10.1101/2026.01.2", "10.1016/j.media.2026.102991", "Medical Image Analysis", 7,
            date(2026, 4, 2), "medrxiv-pubs"),
    PUBLISHED,
]  # fmt: skip


def _digest():  # type: ignore[no-untyped-def]
    return with_outcomes(seed_digest(), {PUBLISHED.preprint_id: PUBLISHED}, date(2026, 3, 2),
                         EARLIER)  # fmt: skip


def test_the_line_counts_what_was_published_in_the_followed_journal() -> None:
    assert outcome_line(date(2026, 3, 2), EARLIER) == (
        "Since March 2026, 3 preprints from these digests were published in Medical Image Analysis."
    )
    assert outcome_line(date(2026, 3, 2), []) is None


def test_email_text_with_outcomes_matches_the_golden_file() -> None:
    _golden("digest_outcomes_email.txt", render_email(_email(_digest())).text)


def test_email_html_with_outcomes_matches_the_golden_file() -> None:
    _golden("digest_outcomes_email.html", render_email(_email(_digest())).html or "")


def test_slack_blocks_with_outcomes_match_the_golden_file() -> None:
    posts = digest_posts(_digest())
    for post in posts:
        check_blocks(list(post.blocks))
    payload = [{"text": p.text, "blocks": list(p.blocks)} for p in posts]
    _golden("digest_outcomes_slack.json", json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


def test_a_digest_without_outcomes_has_neither_line_nor_label() -> None:
    plain = with_outcomes(seed_digest(), {}, date(2026, 3, 2), [])
    assert plain == seed_digest()


def test_the_next_digest_says_what_the_last_one_sent_was_published(store: Store) -> None:
    now = datetime.now(UTC)
    mia = factories.journal(store, "Medical Image Analysis")
    old = factories.scored(
        store, mia, "10.1101/2026.01.01.000001", 0.5, (now - timedelta(days=40)).date()
    )
    new = factories.scored(
        store, mia, "10.1101/2026.01.01.000002", 0.4, (now - timedelta(days=1)).date()
    )
    with store.session() as session:
        person = ensure_subscriber(session, Target("email", "ada@example.org"), True)
        sub = create_subscription(
            session, person, [mia], DigestRules(), "cli", now - timedelta(days=60)
        )
        sent_at = now - timedelta(days=35)
        digest = DigestRow(subscription_id=sub, period="p", slot_at=sent_at, window_start=sent_at,
                           window_end=sent_at, status="sent", n_items=1)  # fmt: skip
        session.add(digest)
        session.flush()
        session.add(DigestItem(digest_id=digest.id, subscriber_id=person.id, preprint_id=old,
                               profile_id=mia, position=1, probability=0.5, text_fingerprint="f",
                               delivered_at=sent_at))  # fmt: skip
        day = (now - timedelta(days=3)).date()
        record_publications(session, [
            Publication(old, "10.1016/j.media.1", "Medical Image Analysis", day, "biorxiv-pubs"),
            Publication(new, "10.1016/j.media.2", "Medical Image Analysis", day, "biorxiv-pubs"),
        ], RecordCounts())  # fmt: skip
        record = subscription(session, sub)
    assert record is not None
    built = load_digest(store, record, "preview", now)
    assert built.outcome_line == (
        f"Since {sent_at:%B %Y}, 1 preprint from these digests was published in "
        "Medical Image Analysis."
    )
    assert built.outcome_links == (("10.1016/j.media.1", "https://doi.org/10.1016/j.media.1"),)
    (entry,) = built.entries
    assert entry.published_text == f"published in Medical Image Analysis on {day:%-d %B %Y}"


def test_webhook_text_with_outcomes_matches_the_golden_file() -> None:
    from bot.channels.base import DigestBody, DigestLinks, Message
    from bot.channels.webhook import payloads

    body = DigestBody(_digest(), DigestLinks("http://rxradar.test/unsubscribe/TOKEN"))
    message = Message(Target("webhook", "https://hooks.example.org/x"), body, "<id@x>")
    _golden("digest_outcomes_webhook.txt", payloads(message)[0]["text"] + "\n")
