"""`match DOI|URL|TEXT`: the journals one preprint fits best, scored by the active model.

A DOI already in the database is scored from its stored text; an unknown one is looked up
through the configured bioRxiv/medRxiv API (`details/<server>/<doi>`) — after the
acknowledgement, with a "looking it up" note first since that can take seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.feeds.fetch import FetchError
from bot.jobs import biorxiv_api
from bot.matching.lookup import fetched_paper, stored_paper
from bot.matching.match import TooFewKnownWords, match_rows
from bot.matching.scorer import ActiveModel, load_active_model
from bot.records.doi import OPENRXIV_PREFIXES
from bot.records.paper import Paper
from bot.slack_app import commands as c
from bot.slack_app.answers import Deps, numbers_text
from bot.slack_app.replies import Listed, Page, Reply, escape, message, mrkdwn, page

log = logging.getLogger(__name__)

MATCH_LIMIT = 10


def _paper(deps: Deps, command: c.Match, progress: Callable[[Reply], Any]) -> Paper | Reply:
    if command.doi is None:
        return Paper(title="", abstract=command.text or "")
    stored = stored_paper(deps.store, command.doi)
    if stored is not None:
        return stored
    if not command.doi.startswith(OPENRXIV_PREFIXES):  # arXiv and others: only what is stored
        return mrkdwn(
            f"{escape(command.doi)} is not among the preprints rxradar has read yet. Paste its "
            f"title and abstract instead: `{deps.command} match TITLE AND ABSTRACT`."
        )
    progress(message(f"Looking up {command.doi} on bioRxiv and medRxiv…"))
    try:
        with biorxiv_api(deps.settings) as api:
            fetched = fetched_paper(api, command.doi)
    except FetchError as exc:
        log.warning("fetching %s failed: %s", command.doi, exc)
        return message(f"I couldn't reach bioRxiv to look up {command.doi} ({exc}). "
                       "Try again later, or paste the title and abstract instead.")  # fmt: skip
    if fetched is None:
        return mrkdwn(
            f"{escape(command.doi)} is not a bioRxiv or medRxiv preprint I can find. Paste its "
            f"title and abstract instead: `{deps.command} match TITLE AND ABSTRACT`."
        )
    return fetched


def answer_match(deps: Deps, command: c.Match, progress: Callable[[Reply], Any]) -> Reply:
    try:
        active = load_active_model(deps.store)
    except (OSError, ValueError) as exc:
        log.error("the active model cannot be loaded: %s", exc)
        return message(
            "The trained model cannot be loaded right now, so I can't match. Whoever runs "
            "rxradar should check its log, or run `rxradar train` again."
        )
    if active is None:
        return message(
            "There is no trained model to match with yet: whoever runs rxradar needs to run "
            "`rxradar train` (see the README)."
        )
    paper = _paper(deps, command, progress)
    if isinstance(paper, Reply):
        return paper
    return _ranked_journals(deps, active, paper)


def _ranked_journals(deps: Deps, active: ActiveModel, paper: Paper) -> Reply:
    try:
        rows = [r for r in match_rows(deps.store, active, paper) if r.kind == "journal"]
    except TooFewKnownWords as exc:
        return mrkdwn(
            f"I can't match that: {escape(str(exc))} (`{deps.command} match TITLE AND ABSTRACT`), "
            f"or a DOI (`{deps.command} match 10.1101/…`)."
        )
    items = tuple(
        Listed(
            title=row.name,
            details=f"based on {row.papers:,} papers" if row.papers else "",
            numbers=numbers_text(row.numbers),
        )
        for row in rows[:MATCH_LIMIT]
    )
    about = f"*{escape(paper.title)}*" if paper.title else "the text you pasted"
    return page(
        Page(
            heading=f"Journals that best fit {about}",
            note=f"Follow one with `{deps.command} subscribe NAME`; model {active.version}.",
            items=items,
        )
    )
