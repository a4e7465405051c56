"""The records a digest is built from and the built digest itself (frozen, storage-free)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

# period keys of instant alerts: one per preprint (never twice), and the daily roll-up of
# what was past a subscription's daily cap
ALERT_PREFIX = "alert:"
ROLLUP_PREFIX = "rollup:"


@dataclass(frozen=True)
class ProfileWindow:
    """A followed profile with its score distribution over the window (for percentile/lift)."""

    id: int
    name: str
    kind: str = "journal"
    n_papers: int = 0
    mean_probability: float | None = None
    quantiles: tuple[float, ...] = ()
    n_preprints: int = 0  # in the window (0: unknown); bounds the percentile shown


@dataclass(frozen=True, slots=True)
class Candidate:
    """A scored preprint for one followed profile."""

    preprint_id: str
    profile_id: int
    probability: float
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    server: str
    posted: date
    updated: date
    doi: str | None = None
    url: str | None = None

    @property
    def category(self) -> str:
        return self.categories[0] if self.categories else ""


@dataclass(frozen=True)
class History:
    """What this subscriber already received: preprint id → fingerprint of the text sent."""

    delivered: Mapping[str, str] = field(default_factory=dict)
    last_window_end: datetime | None = None  # of the last digest sent (or empty)
    # where an undelivered (failed) first digest began, so its preprints are not lost
    unsent_since: datetime | None = None


@dataclass(frozen=True)
class Entry:
    preprint_id: str
    profile_id: int
    title: str
    url: str
    authors: str  # first authors + "et al."
    date: str  # ISO date shown (posted, or updated for an updated entry)
    server: str
    category: str
    doi: str | None
    probability: float
    probability_text: str  # "52.3%"
    top_text: str | None  # "Top 0.1%"
    lift_text: str | None  # "870× the average preprint"
    abstract: str
    updated: bool
    fingerprint: str
    rank: int  # position within its section (what the reader sees), 1-based
    published_text: str | None = None  # "published in X on DATE" once we know it was
    authors_all: int = 0  # how many authors there are, when `authors` shows only the first
    # +1 when the subscription's votes moved it up (or into the digest), -1 down, 0 not
    feedback: int = 0
    feedback_terms: str = ""  # "segmentation, cardiac": shared with the preprints voted so
    # else the (shortened) title of the preprint voted so that is nearest to it
    feedback_like: str = ""


@dataclass(frozen=True)
class Section:
    """One followed journal/profile with its entries."""

    profile_id: int
    name: str
    kind: str
    n_papers: int
    average_text: str | None  # "0.06%"
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Digest:
    subscription_id: int
    period: str
    window_start: datetime
    window_end: datetime
    considered: int  # preprints in the window
    sections: tuple[Section, ...]
    # "Since March 2026, 3 preprints from these digests were published in X" + (label, url)
    outcome_line: str | None = None
    outcome_links: tuple[tuple[str, str], ...] = ()
    test: bool = False  # sent on demand (`digest ID --send`), not the scheduled one
    note: str = ""  # said after the intro (an alert's "last one today" notice)

    @property
    def is_alert(self) -> bool:
        return self.period.startswith(ALERT_PREFIX)

    @property
    def is_rollup(self) -> bool:
        return self.period.startswith(ROLLUP_PREFIX)

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(entry for section in self.sections for entry in section.entries)

    @property
    def is_empty(self) -> bool:
        return not self.entries

    def to_payload(self) -> dict[str, Any]:
        """JSON-safe form stored with the digest, so a retry sends exactly the same text."""
        data = asdict(self)
        data["window_start"] = self.window_start.isoformat()
        data["window_end"] = self.window_end.isoformat()
        return data

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Digest:
        sections = tuple(
            Section(
                **{k: v for k, v in section.items() if k != "entries"},
                entries=tuple(Entry(**entry) for entry in section["entries"]),
            )
            for section in data["sections"]
        )
        return cls(
            subscription_id=data["subscription_id"],
            period=data["period"],
            window_start=datetime.fromisoformat(data["window_start"]),
            window_end=datetime.fromisoformat(data["window_end"]),
            considered=data["considered"],
            sections=sections,
            outcome_line=data.get("outcome_line"),
            outcome_links=tuple((label, url) for label, url in data.get("outcome_links") or ()),
            test=bool(data.get("test", False)),
            note=str(data.get("note") or ""),
        )
