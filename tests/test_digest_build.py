"""The pure digest builder: window, cut, filters, never twice, ranking and grouping."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from bot.digest import wording
from bot.digest.build import build_digest, fingerprint
from bot.digest.numbers import format_lift, format_probability, format_top, percentile
from bot.records.digest import Candidate, Digest, History, ProfileWindow
from bot.records.rules import DigestRules

NOW = datetime(2026, 10, 26, 8, tzinfo=UTC)
QUANTILES = (*(round(0.000001 * i, 9) for i in range(1000)), 0.6)  # 1,001 levels
MIA = ProfileWindow(1, "Medical Image Analysis", "journal", 33, 0.0006, QUANTILES)
RAD = ProfileWindow(2, "Radiology", "journal", 120, 0.001, QUANTILES)


def _c(
    pid: str, p: float, posted: date = date(2026, 10, 22), profile: int = 1, **kw: object
) -> Candidate:
    base = Candidate(
        preprint_id=pid,
        profile_id=profile,
        probability=p,
        title=f"Title {pid}",
        abstract="Cardiac MRI segmentation with deep learning.",
        authors=("A, B.",),
        categories=("radiology and imaging",),
        server="medRxiv",
        posted=posted,
        updated=posted,
        doi=f"10.1101/{pid}",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def _build(
    rules: DigestRules,
    cands: list[Candidate],
    history: History | None = None,
    profiles: tuple[ProfileWindow, ...] = (MIA,),
) -> Digest:
    return build_digest(1, rules, profiles, cands, history or History(), NOW, "2026-10-26", 5000)


def test_entries_are_ranked_by_probability_and_cut_to_top_n() -> None:
    digest = _build(DigestRules(top=2), [_c("a", 0.1), _c("b", 0.5), _c("c", 0.3)])

    assert [e.preprint_id for e in digest.entries] == ["b", "c"]
    assert [e.rank for e in digest.entries] == [1, 2]


def test_the_first_window_is_the_look_back_and_later_ones_start_at_the_last_digest() -> None:
    old, recent = _c("old", 0.9, date(2026, 10, 10)), _c("new", 0.2, date(2026, 10, 25))
    future = _c("future", 0.9, date(2026, 10, 27))
    first = _build(DigestRules(lookback_days=7), [old, recent, future])
    later = _build(
        DigestRules(), [old, recent], History(last_window_end=datetime(2026, 10, 24, tzinfo=UTC))
    )
    journal_view = _build(DigestRules(lookback_days=90), [old, recent])

    assert [e.preprint_id for e in first.entries] == ["new"]
    assert first.window_start == datetime(2026, 10, 19, 8, tzinfo=UTC)
    assert [e.preprint_id for e in later.entries] == ["new"]
    assert later.window_start == datetime(2026, 10, 22, tzinfo=UTC)  # two days' grace
    assert [e.preprint_id for e in journal_view.entries] == ["old", "new"]


def test_minimum_probability_and_percentile_cut() -> None:
    cands = [_c("high", 0.5), _c("mid", 0.005), _c("low", 0.00005)]

    by_probability = _build(DigestRules(min_probability=0.01), cands)
    by_percentile = _build(DigestRules(min_percentile=50), cands)

    assert [e.preprint_id for e in by_probability.entries] == ["high"]
    assert [e.preprint_id for e in by_percentile.entries] == ["high", "mid"]


def test_keywords_servers_and_categories_filter() -> None:
    cands = [
        _c("mri", 0.5, title="Cardiac MRI atlas"),
        _c("ct", 0.4, title="CT of the chest", abstract="Lung nodules."),
        _c("bio", 0.3, server="bioRxiv", title="MRI in mice"),
    ]

    assert [e.preprint_id for e in _build(DigestRules(keywords=("mri",)), cands).entries] == [
        "mri",
        "bio",
    ]
    assert [e.preprint_id for e in _build(DigestRules(exclude=("mice",)), cands).entries] == [
        "mri",
        "ct",
    ]
    assert [e.preprint_id for e in _build(DigestRules(servers=("biorxiv",)), cands).entries] == [
        "bio"
    ]
    none = _build(DigestRules(categories=("neuroscience",)), cands)
    assert none.is_empty


def test_already_delivered_preprints_are_left_out_unless_their_text_changed() -> None:
    same = _c("same", 0.5)
    retitled = _c("edited", 0.4, title="A new title", updated=date(2026, 10, 24))
    cosmetic = _c("cosmetic", 0.3, title="title  COSMETIC!", updated=date(2026, 10, 24))
    history = History(
        delivered={
            "same": fingerprint(same.title, same.abstract),
            "edited": fingerprint("The old title", retitled.abstract),
            "cosmetic": fingerprint("Title cosmetic", cosmetic.abstract),
        }
    )

    digest = _build(DigestRules(), [same, retitled, cosmetic], history)

    [entry] = digest.entries
    assert entry.preprint_id == "edited" and entry.updated and entry.date == "2026-10-24"


def test_several_journals_are_grouped_and_a_shared_preprint_appears_once() -> None:
    cands = [_c("both", 0.3, profile=1), _c("both", 0.6, profile=2), _c("mia", 0.5, profile=1)]

    digest = _build(DigestRules(), cands, profiles=(MIA, RAD))

    assert [(s.name, [e.preprint_id for e in s.entries]) for s in digest.sections] == [
        ("Medical Image Analysis", ["mia"]),
        ("Radiology", ["both"]),
    ]
    assert wording.journals(digest) == "Medical Image Analysis and Radiology"


def test_each_entry_carries_the_seed_page_numbers() -> None:
    [entry] = _build(
        DigestRules(),
        [_c("a", 0.523, authors=("Xu, R.", "Jiang, S.", "Zhai, Y.", "Chen, Y.", "Li, Q."))],
    ).entries

    assert (entry.probability_text, entry.top_text, entry.lift_text) == (
        "52.3%",
        "Top 0.1%",
        "872× the average preprint",
    )
    assert entry.authors == "Xu, R.; Jiang, S.; Zhai, Y. et al."
    assert entry.authors_all == 5  # the email and Slack link "all 5" to the preprint page
    assert entry.url == "https://doi.org/10.1101/a"


def test_the_digest_survives_a_round_trip_through_its_stored_payload() -> None:
    digest = _build(DigestRules(), [_c("a", 0.5), _c("b", 0.2)])

    assert Digest.from_payload(digest.to_payload()) == digest


def test_number_formats_match_the_seed_page() -> None:
    assert format_probability(0.523) == "52.3%"
    assert format_probability(0.0006) == "0.06%"
    assert format_top(0.9995) == "Top 0.1%"
    assert format_top(0.95) == "Top 5%"
    assert format_lift(870.4) == "870× the average preprint"
    assert percentile(0.00005, QUANTILES) == 0.05
    assert percentile(0.5, ()) is None
    assert percentile(0.9, QUANTILES) == 1.0
