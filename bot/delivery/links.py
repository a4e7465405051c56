"""The signed links rxradar hands out: unsubscribe (digests), confirm (email addresses and
web sign-ups), and the private pages of custom profiles (CLI, Slack and the web).

A custom profile is never listed or served by the public site: its page and feeds are at
`/profiles/<token>`, a token naming the profile and bound to its key, so the link stops
working if the profile is removed and another one later takes its id.

Custom profiles have no owner yet: whoever can name one (the operator's CLI, anyone in a
Slack workspace of this installation) gets its link. Scoping them to a workspace means
checking the asker in `profile_link`'s callers and the profile's owner here, nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.config import LinkSettings
from bot.store.profiles import ProfileSummary
from bot.store.subscriptions import SubscriptionRecord
from bot.tokens import (
    CONFIRM,
    CONFIRM_SUBSCRIPTION,
    FEEDBACK_RESET,
    PROFILE,
    PROFILE_EDIT,
    UNSUBSCRIBE,
    VOTE,
    binding_for,
    make_token,
    verify_token,
)

PROFILE_PATH = "/profiles/"
SIGNUP_PATH = "/subscriptions/confirm/"
VOTE_PATH = "/feedback/vote/"
PROFILE_EDIT_PATH = "/profiles/edit/"
FEEDBACK_RESET_PATH = "/feedback/reset/"


def unsubscribe_url(links: LinkSettings, record: SubscriptionRecord, now: datetime) -> str:
    token = make_token(links.secret.get(), UNSUBSCRIBE, record.id, record.target.key, now)
    return f"{links.public_url}/unsubscribe/{token}"


def confirm_url(links: LinkSettings, record: SubscriptionRecord, now: datetime) -> str:
    token = make_token(links.secret.get(), CONFIRM, record.subscriber_id, record.target.key, now)
    return f"{links.public_url}/confirm/{token}"


def signup_url(links: LinkSettings, record: SubscriptionRecord, now: datetime) -> str:
    """The link that starts one subscription asked for on the web (and confirms its address)."""
    secret = links.secret.get()
    token = make_token(secret, CONFIRM_SUBSCRIPTION, record.id, record.target.key, now)
    return f"{links.public_url}{SIGNUP_PATH}{token}"


def vote_url(
    links: LinkSettings, record: SubscriptionRecord, preprint_id: str, vote: str, now: datetime
) -> str:
    """An email's "more like this" (vote `up`) / "less like this" (`down`) link."""
    item = f"{vote}:{preprint_id}"
    token = make_token(links.secret.get(), VOTE, record.id, record.target.key, now, item)
    return f"{links.public_url}{VOTE_PATH}{token}"


def feedback_reset_url(links: LinkSettings, record: SubscriptionRecord, now: datetime) -> str:
    token = make_token(links.secret.get(), FEEDBACK_RESET, record.id, record.target.key, now)
    return f"{links.public_url}{FEEDBACK_RESET_PATH}{token}"


class NotCustom(ValueError):
    """Journals are public: only custom profiles get private links."""


@dataclass(frozen=True)
class ProfileLink:
    name: str
    page: str
    rss: str
    json_feed: str


def profile_token(secret: str, profile: ProfileSummary, now: datetime) -> str:
    if profile.kind != "custom":
        raise NotCustom(
            f"{profile.name} is a journal: its page is public, no private link is needed"
        )
    return make_token(secret, PROFILE, profile.id, profile.key, now)


def profile_link(links: LinkSettings, profile: ProfileSummary, now: datetime) -> ProfileLink:
    token = profile_token(links.secret.get(), profile, now)
    page = f"{links.public_url}{PROFILE_PATH}{token}"
    return ProfileLink(profile.name, page, f"{page}/feed.rss", f"{page}/feed.json")


def profile_id_of(secret: str, token: str, now: datetime) -> tuple[int, str]:
    """The profile id a token names and the binding it must match; TokenError otherwise."""
    claims = verify_token(secret, PROFILE, token, now)
    return claims.subject, claims.binding


def binding_matches(profile: ProfileSummary, binding: str) -> bool:
    return profile.kind == "custom" and binding_for(profile.key) == binding


def profile_edit_url(links: LinkSettings, profile: ProfileSummary, now: datetime) -> str:
    """The owner's link to the web form that adds papers to a custom profile (7 days)."""
    if profile.kind != "custom":
        raise NotCustom(f"{profile.name} is a journal: only custom profiles can be edited")
    token = make_token(links.secret.get(), PROFILE_EDIT, profile.id, profile.key, now)
    return f"{links.public_url}{PROFILE_EDIT_PATH}{token}"


def profile_edit_id_of(secret: str, token: str, now: datetime) -> tuple[int, str]:
    """The profile id an edit token names and the binding it must match; TokenError else."""
    claims = verify_token(secret, PROFILE_EDIT, token, now)
    return claims.subject, claims.binding
