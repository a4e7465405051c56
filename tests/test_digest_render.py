"""What users get, as golden files: email HTML, email text and Slack blocks.

The goldens in tests/golden/ are the review surface for wording and layout. After an
intended change, regenerate them and read the diff:

    RXRADAR_UPDATE_GOLDEN=1 python -m pytest tests/test_digest_render.py
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from bot.channels.base import DigestBody, DigestLinks, Message
from bot.channels.email import render_email
from bot.channels.slack import MAX_BLOCKS, digest_posts
from bot.digest.build import build_digest
from bot.records.digest import Candidate, Digest, History, ProfileWindow
from bot.records.feedback import VotedPreprint
from bot.records.rules import DigestRules
from bot.records.target import Target
from bot.templating import escape_mrkdwn
from tests.peers.slack_fake import check_blocks

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 4, 20, 7, 0, tzinfo=UTC)
LINKS = DigestLinks(
    "http://rxradar.test/unsubscribe/TOKEN",
    {
        "10.64898/2026.04.01.26349955": (
            "http://rxradar.test/feedback/vote/UP1",
            "http://rxradar.test/feedback/vote/DOWN1",
        ),
    },
    "http://rxradar.test/feedback/reset/TOKEN",
)
QUANTILES = (*(round(0.000001 * i, 9) for i in range(1000)), 0.6)
MIA = ProfileWindow(7, "Medical Image Analysis", "journal", 33, 0.0006, QUANTILES)
RAD = ProfileWindow(9, "Radiology: Artificial Intelligence", "journal", 120, 0.0011, QUANTILES)

SEED = [
    (
        "10.64898/2026.04.01.26349955",
        0.523,
        date(2026, 4, 14),
        "CorSeg-CineSAX: An Open-Source Deep Learning Framework for Fully Automatic "
        "Segmentation of Short-Axis Cine Cardiac MRI Across Multiple Cardiac Diseases",
        ("Xu, R.", "Jiang, S.", "Zhai, Y.", "Chen, Y."),
        "Background: Segmentation of the left ventricular myocardium, left ventricular cavity, "
        "and right ventricular cavity on short-axis cine cardiac magnetic resonance (CMR) images "
        "is essential for quantifying cardiac structure and function. Methods: We constructed "
        "the largest annotated CMR short-axis segmentation dataset to date (ACDC, M&Ms1, M and "
        "Ms2). Post-processing eliminated all containment violations (7.5% [->] 0%).",
    ),
    (
        "10.64898/2026.03.16.26348547",
        0.434,
        date(2026, 4, 15),
        "Differential Network-Based Causal Graph Learning for Cardiovascular Recurrence Risk "
        "Prediction and Factor Discovery",
        ("Zhou, M.", "Zhang, M.", "Wang, J.", "Shao, C.", "Yan, G."),
        "Cardiovascular disease is one of the leading causes of death worldwide, with "
        "myocardial infarction (MI) being a major cause of both morbidity and mortality.",
    ),
    (
        "10.64898/2026.04.09.26350502",
        0.403,
        date(2026, 4, 16),
        "Quantum-Refined Latent Diffusion: A Hybrid Generative Framework for Imbalanced ECG "
        "Classification <with> *markup* & friends",
        ("Kritopoulos, G.", "Neofotistos, G.", "Barmparis, G. D.", "Tsironis, G. P."),
        "Class imbalance in clinical electrocardiogram (ECG) datasets limits the diagnostic "
        "sensitivity of automated arrhythmia classifiers <b>for rare beats</b>.",
    ),
]


def _candidates(profile: int = 7) -> list[Candidate]:
    return [
        Candidate(
            pid,
            profile,
            p,
            title,
            abstract,
            authors,
            ("cardiovascular medicine",),
            "medRxiv",
            posted,
            posted,
            pid,
            None,
        )
        for pid, p, posted, title, authors, abstract in SEED
    ]


def seed_digest() -> Digest:
    return build_digest(3, DigestRules(), [MIA], _candidates(), History(), NOW, "2026-04-20", 3412)


def _email(digest: Digest) -> Message:
    return Message(Target("email", "ada@example.org"), DigestBody(digest, LINKS), "<id@x>")


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("RXRADAR_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), f"{name} changed; see module docstring"


def test_email_html_matches_the_golden_file() -> None:
    _golden("digest_email.html", render_email(_email(seed_digest())).html or "")


def test_email_text_matches_the_golden_file() -> None:
    _golden("digest_email.txt", render_email(_email(seed_digest())).text)


def test_slack_blocks_match_the_golden_file() -> None:
    posts = digest_posts(seed_digest())
    payload = [{"text": p.text, "blocks": list(p.blocks)} for p in posts]
    _golden("digest_slack.json", json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


def test_a_digest_following_two_journals_is_grouped() -> None:
    candidates = _candidates(7)[:2] + _candidates(9)[2:]
    digest = build_digest(
        3, DigestRules(), [MIA, RAD], candidates, History(), NOW, "2026-04-20", 3412
    )
    _golden("digest_grouped_email.txt", render_email(_email(digest)).text)


def test_mrkdwn_escapes_only_ampersand_and_angle_brackets() -> None:
    assert escape_mrkdwn('<@U123> & "quotes" *bold*') == '&lt;@U123&gt; &amp; "quotes" *bold*'


def test_every_slack_message_passes_the_block_kit_checks() -> None:
    many = [
        Candidate(
            f"10.1/{i}",
            7,
            0.5 - i / 1000,
            "T" * 400,
            "A" * 5000,
            ("X, Y.",),
            (),
            "bioRxiv",
            date(2026, 4, 15),
            date(2026, 4, 15),
            f"10.1/{i}",
            None,
        )
        for i in range(60)
    ]
    digest = build_digest(3, DigestRules(top=None), [MIA], many, History(), NOW, "p", 60)
    posts = digest_posts(digest)
    assert len(posts) > 1 and sum(len(p.blocks) for p in posts) > MAX_BLOCKS
    for post in posts:
        check_blocks(list(post.blocks))
        assert post.text


LIKED_ECG = VotedPreprint(
    "10.64898/2026.02.01.00000001",
    1,
    "Electrocardiogram arrhythmia classification for rare beats",
    "Automated electrocardiogram (ECG) arrhythmia classifiers miss rare beats; class "
    "imbalance in ECG datasets is corrected with generative augmentation.",
    0.2,
)


def feedback_digest() -> Digest:
    return build_digest(
        3, DigestRules(), [MIA], _candidates(), History(), NOW, "2026-04-20", 3412,
        votes=[LIKED_ECG],
    )  # fmt: skip


def test_a_liked_topic_moves_its_preprint_up_with_a_marker_and_the_journals_numbers() -> None:
    plain, liked = seed_digest().entries, feedback_digest().entries
    assert liked[0].preprint_id == "10.64898/2026.04.09.26350502"
    assert liked[0].feedback == 1 and "ecg" in liked[0].feedback_terms
    by_id = {e.preprint_id: e for e in plain}
    for entry in liked:  # the match shown stays the journal's calibrated probability
        assert entry.probability_text == by_id[entry.preprint_id].probability_text


def test_feedback_email_text_matches_the_golden_file() -> None:
    _golden("digest_feedback_email.txt", render_email(_email(feedback_digest())).text)


def near_digest() -> Digest:
    """The feedback digest as it reads when the moved entry shares no named word with the
    liked preprint (its topic or category moved it): "why" names the nearest one."""
    digest = feedback_digest()
    entries = tuple(
        replace(e, feedback_terms="", feedback_like="Electrocardiogram arrhythmia "
                "classification for rare beats") if e.feedback else e
        for e in digest.sections[0].entries
    )  # fmt: skip
    return replace(digest, sections=(replace(digest.sections[0], entries=entries),))


def test_an_entry_moved_by_its_topic_names_the_nearest_liked_preprint_in_every_channel() -> None:
    line = (
        "↑ from your feedback: close to “Electrocardiogram arrhythmia classification for rare "
        "beats”, which you liked"
    )
    email = render_email(_email(near_digest()))
    _golden("digest_feedback_near_email.txt", email.text)
    assert line in " ".join(email.text.split())
    assert email.html is not None and html.escape(line, quote=False) in email.html
    blocks = json.dumps([list(p.blocks) for p in digest_posts(near_digest())], ensure_ascii=False)
    assert line in blocks


def test_feedback_slack_blocks_match_the_golden_file() -> None:
    posts = digest_posts(feedback_digest())
    payload = [{"text": p.text, "blocks": list(p.blocks)} for p in posts]
    _golden("digest_feedback_slack.json", json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
