"""Digests as a newcomer meets them: `digest --show` output that can be piped, and
digests that follow several journals (goldens: `RXRADAR_UPDATE_GOLDEN=1`, as in
tests/test_digest_render.py)."""

from __future__ import annotations

import json
from dataclasses import replace

from bot.channels.base import DigestBody
from bot.channels.email import digest_context, render_email
from bot.channels.slack import digest_posts
from bot.digest.build import build_digest
from bot.records.digest import Digest, History, ProfileWindow
from bot.records.rules import DigestRules
from bot.templating import render
from tests.test_delivery_cli import MONDAY_SLOT, _run, _subscribe, journal  # noqa: F401
from tests.test_digest_render import LINKS, MIA, NOW, QUANTILES, RAD, _candidates, _email, _golden


def test_digest_show_prints_only_the_rendering_on_stdout(
    env: dict[str, str],
    journal: int,  # noqa: F811
) -> None:
    sub = str(_subscribe(env)["id"])
    for show in ("slack", "webhook"):
        code, out, err = _run(env, "digest", sub, "--now", MONDAY_SLOT, "--dry-run", "--show", show)
        assert code == 0, err
        assert json.loads(out)  # pipes into jq: nothing but the payload
        assert "=== to ada@example.org: New preprints" in err and "===" not in out
    code, out, err = _run(env, "digest", sub, "--now", MONDAY_SLOT, "--dry-run", "--show", "html")
    assert code == 0 and out.lstrip().startswith("<!DOCTYPE html") and "===" not in out
    code, out, err = _run(env, "digest", sub, "--now", MONDAY_SLOT, "--dry-run", "--show", "pdf")
    assert code == 2 and out == ""
    assert "--show 'pdf' is not one of: text, html, slack, webhook" in err


# ---------------------------------------------------------------- several journals


def _three_journal_digest(top: int) -> Digest:
    """Medical Image Analysis has 8 strong candidates, Radiology 2 weaker ones, a third
    journal none: before, `--top 5` gave all five slots to the first and the others
    vanished, and `--top 15` numbered the sections 1 2 3 4 5 15 / 7 / 6 8 …"""
    mia = [replace(c, preprint_id=f"{c.preprint_id}-{i}", doi=f"{c.doi}-{i}",
                   probability=c.probability - i / 100)
           for i in range(3) for c in _candidates(7)][:8]  # fmt: skip
    rad = [replace(c, probability=c.probability / 10) for c in _candidates(9)[:2]]
    rad = [replace(c, preprint_id=c.preprint_id + "-rad", doi=f"{c.doi}-rad") for c in rad]
    third = ProfileWindow(11, "Journal of Nothing Today", "journal", 40, 0.001, QUANTILES)
    return build_digest(
        3, DigestRules(top=top), [MIA, RAD, third], mia + rad, History(), NOW, "2026-04-20", 3412
    )


def test_each_followed_journal_gets_its_own_top_n_numbered_from_one() -> None:
    digest = _three_journal_digest(top=5)
    mia, rad, third = digest.sections
    assert [e.rank for e in mia.entries] == [1, 2, 3, 4, 5]
    assert [e.rank for e in rad.entries] == [1, 2]  # not crowded out by the stronger journal
    assert third.entries == ()
    wide = _three_journal_digest(top=15)
    assert [[e.rank for e in s.entries] for s in wide.sections] == [list(range(1, 9)), [1, 2], []]


def test_a_multi_journal_digest_matches_the_golden_files() -> None:
    digest = _three_journal_digest(top=5)
    email = render_email(_email(digest))
    _golden("digest_three_journals_email.txt", email.text)
    assert "No new preprint for Journal of Nothing Today passed" in (email.html or "")
    sent = digest_posts(digest)
    posts = [{"text": p.text, "blocks": list(p.blocks)} for p in sent]
    _golden(
        "digest_three_journals_slack.json", json.dumps(posts, ensure_ascii=False, indent=2) + "\n"
    )
    ids = [b["block_id"] for post in sent for b in post.blocks if "block_id" in b]
    assert len(ids) == len(set(ids))  # Slack rejects a message with a repeated block_id
    _golden(
        "digest_three_journals_webhook.txt",
        render("webhook/digest.txt.j2", **digest_context(DigestBody(digest, LINKS))),
    )
