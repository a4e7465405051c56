"""How counts read in every message: "1 new profile", "2 failures", "1,500 papers"."""

from __future__ import annotations

# Nouns whose plural is not noun + "s"; add one here rather than writing "(s)" anywhere.
_IRREGULAR = {"entry": "entries", "reply": "replies", "was": "were", "is": "are", "has": "have"}


def plural(noun: str, n: int) -> str:
    """The noun for `n` things: the last word takes the plural ("new profile" → "new profiles")."""
    if n == 1:
        return noun
    head, _, last = noun.rpartition(" ")
    many = _IRREGULAR.get(last) or (
        last + "es" if last.endswith(("s", "x", "ch", "sh")) else last + "s"
    )
    return f"{head} {many}" if head else many


def counted(n: int, noun: str) -> str:
    """`n` and its noun, with a thousands separator: counted(1, "failure") == "1 failure"."""
    return f"{n:,} {plural(noun, n)}"
