"""The slash-command parser (pure): what people type, and what they are told when it is wrong."""

from __future__ import annotations

import pytest

from bot.records.rules import Cadence, DigestRules
from bot.slack_app.commands import (
    CommandError,
    Email,
    Help,
    Journals,
    Link,
    ListSubscriptions,
    Match,
    Subscribe,
    Top,
    Unsubscribe,
    parse,
    to_text,
)
from bot.slack_app.options import rules_from_words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("HELP top", Help("top")),
        ("subscribe Nucleic Acids Research", Subscribe(("Nucleic Acids Research",))),
        ('subscribe "Nucleic Acids Research"', Subscribe(("Nucleic Acids Research",))),
        ("subscribe “Nucleic Acids Research” daily", Subscribe(("Nucleic Acids Research",),
                                                              ("daily",))),
        ("subscribe Nature, Cell", Subscribe(("Nature", "Cell"))),
        ("subscribe Alzheimer's &amp; Dementia", Subscribe(("Alzheimer's & Dementia",))),
        ("subscribe Advances in Physics weekly", Subscribe(("Advances in Physics",),
                                                           ("weekly",))),
        ("unsubscribe", Unsubscribe()),
        ("unsubscribe ALL", Unsubscribe(everything=True)),
        ('unsubscribe "all"', Unsubscribe(journal="all")),
        ("unsubscribe eLife", Unsubscribe(journal="eLife")),
        ("list", ListSubscriptions()),
        ("top eLife", Top("eLife", 30)),
        ("top Genome Research 7", Top("Genome Research", 7)),
        ("journals genome biology", Journals("genome biology")),
        ("match 10.1101/2024.01.02.573902v2", Match(doi="10.1101/2024.01.02.573902")),
        ("match doi:10.1093/NAR/gkad123", Match(doi="10.1093/nar/gkad123")),
        ("match Spike timing in the cortex", Match(text="Spike timing in the cortex")),
        ("email <mailto:Ada@Lab.org|Ada@Lab.org> eLife", Email("ada@lab.org", ("eLife",))),
        ('link "Smith lab"', Link("Smith lab")),
    ],
)  # fmt: skip
def test_what_people_type_is_understood(text: str, expected: object) -> None:
    assert parse(text) == expected


def test_options_in_any_order_after_the_name() -> None:
    command = parse("subscribe Genome Research at 7:30 tue europe/london min 99.9% top 5")
    assert isinstance(command, Subscribe) and command.journals == ("Genome Research",)
    assert rules_from_words(command.options) == DigestRules(
        cadence=Cadence("weekly", "tue", "07:30", "Europe/London"), top=5, min_percentile=99.9
    )


def test_a_biorxiv_link_becomes_its_doi() -> None:
    url = "https://www.biorxiv.org/content/10.1101/2024.01.02.573902v3.full.pdf+html"
    command = parse(f"match <{url}>")
    assert isinstance(command, Match) and command.url is not None
    assert command.doi is not None and command.doi.startswith("10.1101/2024.01.02.573902")


@pytest.mark.parametrize(
    "command",
    [
        Subscribe(("Nucleic Acids Research", "eLife"), ("daily", "07:30", "UTC", "top", "5")),
        Email("a@b.org", ("Genes & Development",), ("tz", "Europe/Berlin")),
        Top("Nature Methods", 14),
        Unsubscribe(journal="Cell Reports"),
        Unsubscribe(everything=True),
        Journals("genome"),
        Link("Smith lab"),
    ],
)  # fmt: skip
def test_to_text_parses_back_to_the_same_command(command: object) -> None:
    assert parse(to_text(command)) == command  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("frobnicate", "Try `/preprints help`"),
        ("subscribe", "Type `/preprints subscribe JOURNAL`"),
        ("subscribe daily", "Type `/preprints subscribe JOURNAL`"),
        ("subscribe eLife 24:00", "24-hour HH:MM"),
        ("subscribe eLife top 500", "between 1 and 100"),
        ("subscribe eLife min 100%", "percentile between 0 and 100"),
        ("subscribe eLife Moon/Base", "time zone 'Moon/Base' is unknown"),
        ("top", "`/preprints top JOURNAL [DAYS]`"),
        ("top eLife 0", "DAYS must be between 1 and 365"),
        ("journals", "`/preprints journals QUERY`"),
        ("match", "`/preprints match DOI`"),
        ("match hello", "too short to match"),
        ("match https://example.org/paper", "can't find a DOI"),
        ("email someone eLife", "is not an email address"),
        ("email a@b.org", "Which journal should a@b.org get?"),
        ("list everything", "type `/preprints list`"),
    ],
)
def test_mistakes_say_what_to_type_instead(text: str, hint: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse(text)
    assert hint in str(caught.value)


def test_the_configured_command_name_is_used_in_hints() -> None:
    with pytest.raises(CommandError, match="`/rx help`"):
        parse("nope", command="/rx")
