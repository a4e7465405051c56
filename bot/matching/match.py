"""One paper against every journal and custom profile: "where might this land?"

Shared by `rxradar match`, Slack's `match` and the web pages, so each shows the same ranks
and numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.digest.numbers import Shown
from bot.matching.scorer import ActiveModel, columns, predict_columns
from bot.matching.window import shown_in_window
from bot.records.paper import Paper
from bot.records.plain import plain
from bot.store.db import Store
from bot.store.profiles import list_profiles
from bot.store.scores import profile_stats

_NAMES = {"name": "journal"}
# Fewer known terms than this and the ranking is mostly the journals' sizes: "hi" came out
# as "Nature Methods 9.8% · Top 0.1%". Below it, matching is refused with a hint.
MIN_KNOWN_TERMS = 3


class TooFewKnownWords(ValueError):
    def __init__(self, known: int) -> None:
        self.known = known
        super().__init__(
            f"the text has {known} word{'' if known == 1 else 's'} the model knows (at least "
            f"{MIN_KNOWN_TERMS} are needed); paste the title and abstract"
        )


@dataclass(frozen=True)
class MatchRow:
    rank: int  # among journals (a custom profile: 1 + the journals scoring higher)
    name: str
    profile_id: int | None
    kind: str
    papers: int | None
    numbers: Shown

    def to_json(self) -> dict[str, Any]:
        row = plain(self, only=("rank", "name", "profile_id", "kind", "papers"), names=_NAMES)
        return {**row, **self.numbers.to_json()}


def match_rows(store: Store, active: ActiveModel, paper: Paper) -> list[MatchRow]:
    """Every journal and custom profile for one paper, journals in rank order first.

    Raises TooFewKnownWords when a pasted text (no DOI or id: not a known preprint) has
    too little the model knows to rank by (checked after predicting, so a model that
    cannot embed still says so first).
    """
    with store.session() as session:
        cols = columns(session, active)
        probabilities = predict_columns(active, cols, [paper])[0]
    if paper.id is None and paper.doi is None:
        known = active.model.known_terms(paper.text)
        if known < MIN_KNOWN_TERMS:
            raise TooFewKnownWords(known)
    with store.session() as session:
        profiles = {p.id: p for p in list_profiles(session)}
        window = profile_stats(session)
    journals = probabilities[: cols.n_journals]
    order = [*np.argsort(-journals, kind="stable"), *range(cols.n_journals, len(probabilities))]
    rows = []
    for position, column in enumerate(order, start=1):
        profile = profiles.get(int(cols.profile_ids[column]))
        p = float(probabilities[column])
        is_journal = column < cols.n_journals
        rows.append(
            MatchRow(
                rank=position if is_journal else int((journals > p).sum()) + 1,
                name=profile.name if profile else active.model.journals[int(column)],
                profile_id=profile.id if profile else None,
                kind="journal" if is_journal else "custom",
                papers=profile.n_papers if profile else None,
                numbers=shown_in_window(p, window.get(profile.id) if profile else None),
            )
        )
    return rows
