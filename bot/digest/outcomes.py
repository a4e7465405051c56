"""What became of earlier matches, as digests say it (pure: outcomes in, wording out).

- an entry already published is labelled "published in X on DATE", so it is not sold as
  a fresh preprint;
- a digest gets one line once any preprint it (or an earlier digest of the same
  subscription) sent was published in a followed journal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

from bot.records.digest import Digest, Section
from bot.records.outcome import Outcome

MAX_LINKS = 5  # links under the outcome line; the count says how many there are


def published_text(outcome: Outcome) -> str:
    when = f" on {outcome.published_date:%-d %B %Y}" if outcome.published_date else ""
    return f"published in {outcome.journal}{when}"


def outcome_line(since: date, published: Sequence[Outcome]) -> str | None:
    """ "Since March 2026, 3 preprints from these digests were published in X"."""
    if not published:
        return None
    counts = Counter(o.journal for o in published)
    n = len(published)
    noun = "preprint from these digests was" if n == 1 else "preprints from these digests were"
    if len(counts) == 1:
        where = next(iter(counts))
    else:
        where = ", ".join(f"{journal} ({k})" for journal, k in counts.most_common())
    return f"Since {since:%B %Y}, {n} {noun} published in {where}."


def outcome_links(published: Sequence[Outcome]) -> tuple[tuple[str, str], ...]:
    newest = sorted(published, key=lambda o: o.published_date or date.min, reverse=True)
    return tuple(
        (o.published_doi, f"https://doi.org/{o.published_doi}")
        for o in newest[:MAX_LINKS]
        if o.published_doi
    )


def _label(section: Section, outcomes: Mapping[str, Outcome]) -> Section:
    entries = tuple(
        replace(e, published_text=published_text(outcomes[e.preprint_id]))
        if e.preprint_id in outcomes
        else e
        for e in section.entries
    )
    return replace(section, entries=entries)


def with_outcomes(
    digest: Digest,
    entry_outcomes: Mapping[str, Outcome],
    since: date | None,
    published: Sequence[Outcome],
) -> Digest:
    """The digest with published entries labelled and the outcome line (when any)."""
    sections = tuple(_label(s, entry_outcomes) for s in digest.sections)
    line = outcome_line(since, published) if since is not None else None
    return replace(
        digest,
        sections=sections,
        outcome_line=line,
        outcome_links=outcome_links(published) if line else (),
    )
