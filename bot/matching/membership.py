"""Which followed journals the active model scores, and what to tell someone who follows
one it does not: such a journal gets no digest (every period "skipped, 0 items") until it
has enough papers and the model is retrained.

Light on purpose (no model loading): `subscribe`, `journals list/search` and Slack use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.store import Store
from bot.store.profiles import paper_counts
from bot.store.scores import active_model_version, profiles_in_model
from bot.store.subscriptions import FollowedProfile


@dataclass(frozen=True)
class NotInModel:
    """A followed journal the active model does not score."""

    name: str
    n_papers: int
    trained: bool  # is there an active model at all
    min_papers: int | None  # what the active model was trained with (None: not recorded)

    def sentence(self) -> str:
        if not self.trained:
            return (
                f"no model is trained yet, so {self.name} gets no digest until "
                "`rxradar train` has run"
            )
        needs = f"{self.min_papers}" if self.min_papers else "more"
        return (
            f"{self.name} is not in the model yet ({self.n_papers} papers; training needs "
            f"{needs}): its digests will start once it has {needs} papers and the model is "
            "retrained"
        )


def not_in_model(store: Store, followed: Iterable[FollowedProfile]) -> list[NotInModel]:
    """The followed journals the active model leaves out (custom profiles are always in)."""
    journals = [p for p in followed if p.kind == "journal"]
    if not journals:
        return []
    with store.session() as session:
        active = active_model_version(session)
        scored = profiles_in_model(session) if active is not None else set()
        counts = paper_counts(session)
    threshold = active.manifest.get("min_papers") if active is not None else None
    min_papers = threshold if isinstance(threshold, int) else None
    return [
        NotInModel(p.name, counts.get(p.id, 0), active is not None, min_papers)
        for p in journals
        if p.id not in scored
    ]
