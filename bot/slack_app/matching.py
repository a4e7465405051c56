"""`match DOI|URL|TEXT`: the journals one preprint fits best, scored by the active model.

A DOI already in the database is scored from its stored text; an unknown one is looked up
through the configured bioRxiv/medRxiv API (`details/<server>/<doi>`) — after the
acknowledgement, with a "looking it up" note first since that can take seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from bot.config import Settings
from bot.feeds.normalise import api_record
from bot.profiles.harvest import HarvestError, get_json, http_client
from bot.profiles.records import Paper
from bot.profiles.scorer import ActiveModel, load_active_model, predict
from bot.slack_app import commands as c
from bot.slack_app.answers import Deps, score_text
from bot.slack_app.replies import Listed, Page, Reply, escape, message, mrkdwn, page
from bot.store.profiles import list_profiles
from bot.store.scores import find_preprint, preprint_as_paper, profile_stats

log = logging.getLogger(__name__)

SERVERS = ("biorxiv", "medrxiv")
MATCH_LIMIT = 10


def fetch_paper(settings: Settings, doi: str) -> Paper | None:
    """The latest version of `doi` from the bioRxiv/medRxiv details API; None if unknown."""
    with http_client(settings) as client:
        for server in SERVERS:
            url = f"{settings.biorxiv_api_url}/details/{server}/{doi}/na/json"
            payload = get_json(client, url, delay=0.5, what=f"the {server} API")
            records = payload.get("collection") if isinstance(payload, dict) else None
            parsed = [api_record(r, server) for r in records or [] if isinstance(r, dict)]
            found = [p for p in parsed if p is not None]
            if found:
                latest = max(found, key=lambda p: p.version)
                return Paper(title=latest.title, abstract=latest.abstract, id=latest.id,
                             doi=latest.doi, server=server, posted_date=latest.posted)  # fmt: skip
    return None


def _stored_paper(deps: Deps, doi: str) -> Paper | None:
    with deps.store.session() as session:
        found = find_preprint(session, doi)
        return preprint_as_paper(found) if found else None


def _paper(deps: Deps, command: c.Match, progress: Callable[[Reply], Any]) -> Paper | Reply:
    if command.doi is None:
        return Paper(title="", abstract=command.text or "")
    stored = _stored_paper(deps, command.doi)
    if stored is not None:
        return stored
    progress(message(f"Looking up {command.doi} on bioRxiv and medRxiv…"))
    try:
        fetched = fetch_paper(deps.settings, command.doi)
    except HarvestError as exc:
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
    probabilities = predict(active, [paper])[0]
    order = np.argsort(-probabilities, kind="stable")[:MATCH_LIMIT]
    with deps.store.session() as session:
        profiles = {p.key: p for p in list_profiles(session, kind="journal")}
        window = profile_stats(session)
    items = []
    for column in order:
        key = active.model.journals[int(column)]
        profile = profiles.get(key)
        stats = window.get(profile.id) if profile else None
        items.append(
            Listed(
                title=profile.name if profile else key,
                details=f"based on {profile.n_papers:,} papers" if profile else "",
                numbers=score_text(float(probabilities[column]), stats),
            )
        )
    about = f"*{escape(paper.title)}*" if paper.title else "the text you pasted"
    return page(
        Page(
            heading=f"Journals that best fit {about}",
            note=f"Follow one with `{deps.command} subscribe NAME`; model {active.version}.",
            items=tuple(items),
        )
    )
