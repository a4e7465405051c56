"""/feedback/vote/<token> and /feedback/reset/<token>: the emailed 👍/👎 and reset links.

GET shows one button and changes nothing (mail scanners follow links); the button's POST,
with the form's CSRF value, acts. A vote link counts once: used again (a replay, or
after a reset) it changes nothing. A damaged, forged, expired or wrong-purpose token gets
400 and changes nothing either.
"""

from __future__ import annotations

from starlette.routing import Route

from bot import subscribing
from bot.delivery.links import FEEDBACK_RESET_PATH, VOTE_PATH
from bot.store.subscriptions import SubscriptionRecord
from bot.tokens import TokenError
from bot.web.context import Site
from bot.web.link_pages import damaged, link_endpoint
from bot.web.render import View, message

WORDS = {1: "👍 more like this", -1: "👎 less like this"}


def routes(site: Site) -> list[Route]:
    return [
        Route(f"{VOTE_PATH}{{token}}", link_endpoint(site, vote_page), methods=["GET", "POST"]),
        Route(
            f"{FEEDBACK_RESET_PATH}{{token}}",
            link_endpoint(site, reset_page),
            methods=["GET", "POST"],
        ),
    ]


def _invalid(exc: TokenError) -> View:
    return message(400, "Link not valid", f"{str(exc).capitalize()}.")


def _digest_of(record: SubscriptionRecord) -> str:
    return f"your {record.rules.cadence.kind} digest for {record.names}"


def vote_page(site: Site, token: str, post: bool) -> View:
    if (bad := damaged(token)) is not None:
        return bad
    try:
        link = subscribing.open_vote_link(site.store, site.links, token, site.now())
    except TokenError as exc:
        return _invalid(exc)
    word, where = WORDS[link.value], _digest_of(link.record)
    if not post:
        return View("ask.html.j2", {
            "title": "Your feedback",
            "question": f"Record {word} for “{link.title}” in {where}?",
            "button": f"Yes: {word}",
            "note": "Your votes re-rank this digest for you only: similar preprints move up "
            "(or down). The match percentages stay the journal's.",
        })  # fmt: skip
    if not subscribing.use_vote_link(site.store, link, token, site.now()):
        return message(200, "Already recorded", "This link was used before, so nothing "
                       "changed. Use the links in your newest digest to vote again.")  # fmt: skip
    return message(
        200, "Thanks", f"Recorded {word} for “{link.title}”. {where.capitalize()} will rank "
        "similar preprints accordingly, starting with the next one.",
    )  # fmt: skip


def reset_page(site: Site, token: str, post: bool) -> View:
    if (bad := damaged(token)) is not None:
        return bad
    try:
        record = subscribing.open_reset_link(site.store, site.links, token, site.now())
    except TokenError as exc:
        return _invalid(exc)
    where = _digest_of(record)
    if not post:
        return View("ask.html.j2", {
            "title": "Reset your feedback",
            "question": f"Forget every 👍/👎 given on {where}?",
            "button": "Yes, reset my feedback",
            "note": "The digest will be ranked by the journal's match alone, as for a new "
            "subscriber. Nothing changes until you press the button.",
        })  # fmt: skip
    forgotten = subscribing.reset_feedback(site.store, record.id)
    votes = f"{forgotten} vote{'' if forgotten == 1 else 's'}"
    return message(200, "Feedback reset", f"Forgot {votes}: {where} is ranked by the "
                   "journal's match alone again.")  # fmt: skip
