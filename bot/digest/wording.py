"""The sentences every rendering of a digest shares (email, Slack, webhooks, pages).

Each channel lays them out in its own format; what they say is decided once, here.
"""

from __future__ import annotations

from bot.records.digest import Digest, Section


def count(n: int, word: str) -> str:
    """`1 preprint`, `1,204 preprints`."""
    return f"{n:,d} {word}{'' if n == 1 else 's'}"


def journals(digest: Digest) -> str:
    """`A`, `A and B`, `A, B and C`; "your profiles" when the digest follows none."""
    names = [section.name for section in digest.sections]
    if not names:
        return "your profiles"
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


TEST_NOTE = (
    "This is a test digest, sent on request; the scheduled one still comes at its usual time."
)


def heading(digest: Digest) -> str:
    prefix = "[Test] " if digest.test else ""
    if digest.is_alert:
        return f"{prefix}New match for {journals_with_entries(digest)}"
    if digest.is_rollup:
        return f"{prefix}Today's other matches for {journals(digest)}"
    return f"{prefix}New preprints for {journals(digest)}"


def journals_with_entries(digest: Digest) -> str:
    """The profile an alert's preprint matched (its one section with an entry)."""
    names = [section.name for section in digest.sections if section.entries]
    return " and ".join(names) or journals(digest)


def kind(digest: Digest, cadence: str) -> str:
    """What the message is, for its footer: `weekly digest`, `instant alert`, …"""
    if digest.is_alert:
        return "instant alert"
    if digest.is_rollup:
        return "daily roll-up of instant alerts"
    return f"{cadence} digest"


def subject(digest: Digest) -> str:
    if digest.is_alert and digest.entries:
        entry = digest.entries[0]
        title = entry.title if len(entry.title) <= 80 else entry.title[:79].rstrip() + "…"
        return f"{heading(digest)} ({entry.probability_text}): {title}"
    return f"{heading(digest)}: {count(len(digest.entries), 'preprint')}"


def window(digest: Digest) -> str:
    return f"{digest.window_start.date().isoformat()} to {digest.window_end.date().isoformat()}"


def section_note(section: Section) -> str:
    where = "previously published there" if section.kind == "journal" else "in this profile"
    note = f"based on {count(section.n_papers, 'paper')} {where}"
    if section.average_text:
        note += f"; the average preprint has a {section.average_text} match score"
    return note


def intro(digest: Digest) -> str:
    text = _alert_intro(digest) if digest.is_alert else _intro(digest)
    return f"{text} {digest.note}" if digest.note else text


def _alert_intro(digest: Digest) -> str:
    entry = digest.entries[0] if digest.entries else None
    if entry is None:
        return "No preprint in this alert."
    numbers = ", ".join(t for t in (entry.probability_text + " match", entry.top_text,
                                    entry.lift_text) if t)  # fmt: skip
    return (
        f"Just scored: a preprint that passes your alert threshold for "
        f"{journals_with_entries(digest)} ({numbers})."
    )


def _intro(digest: Digest) -> str:
    head = (
        (f"{TEST_NOTE} " if digest.test else "")
        + f"{count(len(digest.entries), 'preprint')} from {window(digest)}, picked from "
        f"{count(digest.considered, 'preprint')} posted in that window"
    )
    if len(digest.sections) != 1:
        return head + ", ranked by how well they match each journal's content profile."
    section = digest.sections[0]
    return (
        f"{head}, ranked by how well they match {section.name}'s content profile, "
        f"{section_note(section)}."
    )


def empty_note(digest: Digest) -> str:
    return f"Nothing new for {journals(digest)} in this period."


def shown_sections(digest: Digest) -> tuple[Section, ...]:
    """Every followed profile once anything is in the digest, so one that had nothing this
    period says so (`section_empty`) instead of vanishing; none when all are empty."""
    return digest.sections if digest.entries else ()


def section_empty(section: Section) -> str:
    return f"No new preprint for {section.name} passed this digest's settings in this period."
