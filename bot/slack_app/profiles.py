"""`/preprints profile …`: define your own journal from Slack, for this workspace only.

`profile create NAME` opens a modal; its signed `view_submission` carries the pasted
DOIs, arXiv ids, ORCID iDs or BibTeX/RIS text. The submission is checked in the
acknowledgement (nothing recognisable: the modal stays open with the error under the
field); the papers are then resolved and stored in a lazy listener, and the result is
posted to the person who asked (ephemeral, in the channel they asked in).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery.links import profile_edit_url
from bot.ingest.pasted import NOTHING_FOUND, Pasted, fill_from_pasted, read_pasted
from bot.ingest.profile_fill import MIN_PROFILE_PAPERS, FillReport, too_few
from bot.slack_app import commands as c
from bot.slack_app.answers import Caller, Deps, resolve, score_text
from bot.slack_app.replies import Reply, escape, mrkdwn
from bot.store.custom_profiles import delete_profile, last_scored, paper_titles
from bot.store.profiles import ProfileError, ProfileSummary
from bot.store.scores import profile_stats, top_preprints
from bot.tokens import LIFETIMES, PROFILE_EDIT

log = logging.getLogger(__name__)

CALLBACK_CREATE = "rxradar_profile_create"
INPUT_BLOCK = "papers"
INPUT_ACTION = "text"
MAX_PASTE = 3000  # Slack's limit for a plain-text input
SHOWN_PAPERS = 5
SHOWN_MATCHES = 5
MATCH_DAYS = 30


# ---------------------------------------------------------------- the modal


def create_view(name: str, caller: Caller) -> dict[str, Any]:
    meta = {"name": name, "channel": caller.channel_id}
    return {
        "type": "modal",
        "callback_id": CALLBACK_CREATE,
        "private_metadata": json.dumps(meta, separators=(",", ":")),
        "title": {"type": "plain_text", "text": "New profile"},
        "submit": {"type": "plain_text", "text": "Create"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": (
                f"*{escape(name)}*: a profile of your own, scored like a journal and seen "
                "only in this workspace. Paste the papers that define it."
            )}},
            {
                "type": "input",
                "block_id": INPUT_BLOCK,
                "label": {"type": "plain_text",
                          "text": "DOIs, arXiv ids, an ORCID iD, or BibTeX/RIS text"},
                "element": {"type": "plain_text_input", "action_id": INPUT_ACTION,
                            "multiline": True, "max_length": MAX_PASTE},
            },
        ],
    }  # fmt: skip


def open_create_modal(
    deps: Deps, command: c.ProfileCommand, caller: Caller, client: WebClient, trigger_id: str
) -> Reply | None:
    try:
        client.views_open(trigger_id=trigger_id, view=create_view(command.name, caller))
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        return mrkdwn(
            "I couldn't open the form. Add papers directly instead: "
            f'`{deps.command} profile add "{escape(command.name)}" DOI …`.'
        )
    return None


def _submitted(body: dict[str, Any]) -> str:
    values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    return str(((values.get(INPUT_BLOCK) or {}).get(INPUT_ACTION) or {}).get("value") or "")


def register(app: App, deps: Deps) -> None:
    app.view(CALLBACK_CREATE)(ack=_check, lazy=[_create(deps)])


def _check(ack: Ack, body: dict[str, Any]) -> None:
    if read_pasted(_submitted(body)).empty:
        ack(response_action="errors", errors={INPUT_BLOCK: NOTHING_FOUND})
        return
    ack()


def _create(deps: Deps) -> Callable[..., None]:
    def create(body: dict[str, Any], client: WebClient) -> None:
        view = body.get("view") or {}
        meta = json.loads(view.get("private_metadata") or "{}")
        team = (body.get("team") or {}).get("id") or view.get("team_id") or ""
        user = (body.get("user") or {}).get("id") or ""
        caller = Caller(team, str(meta.get("channel") or user), user)
        try:
            reply = add_papers(deps, str(meta.get("name") or ""), read_pasted(_submitted(body)),
                               caller, created=True)  # fmt: skip
        except Exception:
            log.exception("profile creation from Slack failed")
            reply = mrkdwn("Something went wrong while creating the profile; try again later.")
        _tell(client, caller, reply)

    return create


def _tell(client: WebClient, caller: Caller, reply: Reply) -> None:
    try:
        client.chat_postEphemeral(channel=caller.channel_id, user=caller.user_id,
                                  text=reply.text, blocks=list(reply.blocks))  # fmt: skip
    except SlackApiError as exc:
        log.warning("could not tell %s: %s", caller.user_id, exc.response.get("error"))


# ---------------------------------------------------------------- filling


def add_papers(
    deps: Deps, name: str, pasted: Pasted, caller: Caller, created: bool = False
) -> Reply:
    """Resolve and store the papers in the workspace's profile `name`; say what came of it."""
    team = caller.team_id or None
    try:
        report = fill_from_pasted(deps.store, deps.settings, name, pasted, source="slack",
                                  team=team, created_by=caller.user_id)  # fmt: skip
    except ProfileError as exc:
        return mrkdwn(escape(str(exc)))
    _score(deps)
    return mrkdwn(_filled_text(deps, report, len(pasted.citations), created))


def _score(deps: Deps) -> None:
    """Score the window for the changed profile now; the next poll will, if this fails."""
    from bot.matching.scorer import refresh_scores  # scikit-learn: only when scoring

    try:
        refresh_scores(deps.store, deps.settings.model)
    except Exception as exc:  # a missing or broken model must not lose the papers
        log.warning("could not score custom profiles now: %s", exc)


def _filled_text(deps: Deps, report: FillReport, n_citations: int, created: bool) -> str:
    name = escape(report.profile)
    verb = "Created" if created else "Updated"
    parts = [f"{verb} *{name}* (this workspace only): {report.n_papers} papers."]
    if report.n_works:
        parts.append(f"Of {report.n_works} works, {report.n_added} were added, "
                     f"{report.n_duplicates} were there already and "
                     f"{len(report.without_abstract)} have no abstract anywhere.")  # fmt: skip
    if report.without_abstract:
        shown = "; ".join(f"“{escape(t)}”" for t in report.without_abstract[:5])
        more = len(report.without_abstract) - 5
        parts.append(f"Without an abstract: {shown}" + (f" and {more} more." if more > 0 else "."))
    if n_citations:
        parts.append(f"{n_citations} papers came from the pasted citations.")
    if report.n_papers < MIN_PROFILE_PAPERS:
        parts.append(escape(too_few(report.profile, report.n_papers)) +
                     f': `{deps.command} profile add "{name}" DOI …`.')  # fmt: skip
    else:
        parts.append(f'Follow it with `{deps.command} subscribe "{name}"`.')
    return " ".join(parts)


# ---------------------------------------------------------------- add / show / delete


def _own(deps: Deps, name: str, caller: Caller, action: str) -> ProfileSummary | Reply:
    found = resolve(deps, name, lambda n: c.to_text(c.ProfileCommand(action, n)),
                    caller.team_id)  # fmt: skip
    if isinstance(found, Reply):
        return found
    if found.kind != "custom":
        return mrkdwn(f"*{escape(found.name)}* is a journal, not a profile of yours.")
    return found


def answer_profile(
    deps: Deps, command: c.ProfileCommand, caller: Caller, client: WebClient,
    trigger_id: str = "",
) -> Reply | None:  # fmt: skip
    if command.action == "create":
        return open_create_modal(deps, command, caller, client, trigger_id)
    if command.action == "add":
        found = _own(deps, command.name, caller, "add")
        if isinstance(found, Reply):
            return found
        if found.team != (caller.team_id or None):
            return mrkdwn(f"*{escape(found.name)}* is shared by whoever runs rxradar; only "
                          "they can change it.")  # fmt: skip
        return add_papers(deps, found.name, read_pasted(command.ids), caller)
    found = _own(deps, command.name, caller, command.action)
    if isinstance(found, Reply):
        return found
    if command.action == "show":
        return _show(deps, found, own=found.team == (caller.team_id or None))
    if found.team != (caller.team_id or None):
        return mrkdwn(f"*{escape(found.name)}* is shared by whoever runs rxradar; only they "
                      "can delete it.")  # fmt: skip
    with deps.store.session() as session:
        delete_profile(session, found.id)
    return mrkdwn(f"Deleted *{escape(found.name)}*, its papers and the subscriptions' "
                  "follows of it.")  # fmt: skip


def _show(deps: Deps, profile: ProfileSummary, own: bool) -> Reply:
    since = (deps.now() - timedelta(days=MATCH_DAYS)).date()
    with deps.store.session() as session:
        titles = paper_titles(session, profile.id, SHOWN_PAPERS)
        scored = last_scored(session, profile.id)
        ranked = top_preprints(session, profile.id, since, limit=SHOWN_MATCHES)
        stats = profile_stats(session, [profile.id]).get(profile.id)
    lines = [f"*{escape(profile.name)}*: {profile.n_papers} papers"
             + (" (this workspace only)" if profile.team else " (shared)")]  # fmt: skip
    lines += [f"• {escape(title)}" for title in titles]
    if profile.n_papers > len(titles):
        lines.append(f"… and {profile.n_papers - len(titles)} more")
    if profile.n_papers < MIN_PROFILE_PAPERS:
        lines.append(escape(too_few(profile.name, profile.n_papers)) + ".")
    lines.append(f"Last scored: {scored:%Y-%m-%d %H:%M} UTC" if scored else "Not scored yet.")
    if ranked:
        lines.append(f"Top matches of the last {MATCH_DAYS} days:")
        lines += [f"• {escape(p.title)} — {score_text(p.probability, stats)}" for p in ranked]
    if own:
        url = profile_edit_url(deps.settings.links(), profile, deps.now())
        days = LIFETIMES[PROFILE_EDIT].days
        lines.append(f"<{url}|Add papers on the web> (this link works for {days} days; "
                     "anyone who has it can add papers)")  # fmt: skip
    return mrkdwn("\n".join(lines))
