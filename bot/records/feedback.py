"""What a subscription's votes say, as the digest builder reads them (storage-free)."""

from __future__ import annotations

from dataclasses import dataclass

UP = 1
DOWN = -1
VALUES = {"up": UP, "down": DOWN}  # how the CLI, email links and Slack name a vote


@dataclass(frozen=True, slots=True)
class VotedPreprint:
    """One preprint a subscription voted on: the net of its voters' votes (a channel's
    members combine; a tie cancels), its text, and the journal's probability for it."""

    preprint_id: str
    value: int  # +1 more like this, -1 less like this
    title: str
    abstract: str
    probability: float | None  # the calibrated probability it was sent with, if known
    category: str = ""  # its subject category (the first one)


def parse_value(text: str) -> int:
    """`up`/`down` (also +1/-1) as a vote; ValueError saying what to write otherwise."""
    word = text.strip().lower()
    if word in VALUES:
        return VALUES[word]
    if word in {"+1", "1"}:
        return UP
    if word == "-1":
        return DOWN
    raise ValueError(f"{text!r} is not a vote: write up (more like this) or down (less like this)")
