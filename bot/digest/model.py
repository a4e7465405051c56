"""The records digest building reads and returns (frozen, storage-free)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Target:
    """Where a digest goes: an email address or a Slack channel (or user, for notices)."""

    kind: str  # "email" | "slack"
    address: str | None = None
    team: str | None = None
    channel: str | None = None

    @property
    def key(self) -> str:
        if self.kind == "email":
            return f"email:{(self.address or '').strip().lower()}"
        return f"slack:{self.team or ''}:{self.channel}"

    def describe(self) -> str:
        if self.kind == "email":
            return self.address or ""
        return f"slack {self.team}/{self.channel}" if self.team else f"slack {self.channel}"

    def to_json(self) -> dict[str, Any]:
        if self.kind == "email":
            return {"kind": "email", "address": self.address}
        return {"kind": "slack", "team": self.team, "channel": self.channel}


@dataclass(frozen=True)
class Rules:
    """What a subscription wants: the cut and the filters."""

    subscription_id: int
    top: int | None = 10
    min_percentile: float | None = None  # 0–100: 99 keeps the top 1%
    min_probability: float | None = None  # 0–1
    keywords: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    servers: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    lookback_days: int = 7


@dataclass(frozen=True)
class ProfileSummary:
    id: int
    name: str
    kind: str = "journal"
    n_papers: int = 0
    mean_probability: float | None = None
    quantiles: tuple[float, ...] = ()


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
    rank: int  # position in the digest, 1-based


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

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(entry for section in self.sections for entry in section.entries)

    @property
    def is_empty(self) -> bool:
        return not self.entries

    @property
    def journals(self) -> str:
        names = [section.name for section in self.sections]
        if len(names) <= 2:
            return " and ".join(names)
        return ", ".join(names[:-1]) + " and " + names[-1]

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
        )
