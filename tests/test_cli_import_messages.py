"""What `profiles import` says: one summary for skipped rows, counts that read right, tidy names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.records.names import clean_name, display_name
from bot.records.wording import counted
from tests.e2e_world import rxradar
from tests.golden_cli import assert_golden, normalised


def _file(tmp_path: Path, n_bad: int) -> Path:
    good = {
        "title": "Kinase",
        "abstract": "A kinase.",
        "journal": "The Journal Of Biological Chemistry",
    }
    bad = [{"title": f"Row {n}", "abstract": "", "journal": "Cell"} for n in range(n_bad)]
    rows = [good, *bad]
    path = tmp_path / "papers.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_skipped_rows_are_summarised_and_counted(env: dict[str, str], tmp_path: Path) -> None:
    path = _file(tmp_path, 78)
    result = rxradar(["profiles", "import", str(path), "--skip-bad-rows"], env)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1  # was one WARNING per row (78)
    output = (
        f"$ rxradar profiles import papers.jsonl --skip-bad-rows\n{result.stdout}{result.stderr}"
    )
    assert_golden("cli_import_skip_bad_rows.txt", normalised(output, tmp_path))


def test_the_json_report_counts_skipped_rows(env: dict[str, str], tmp_path: Path) -> None:
    path = _file(tmp_path, 2)
    result = rxradar(["profiles", "import", str(path), "--skip-bad-rows", "--json"], env)
    report = json.loads(result.stdout)
    assert (report["read"], report["skipped"], report["profiles_created"]) == (1, 2, 1)


def test_every_bad_row_is_still_listed_with_verbose(env: dict[str, str], tmp_path: Path) -> None:
    path = _file(tmp_path, 5)
    result = rxradar(["-v", "profiles", "import", str(path), "--skip-bad-rows"], env)
    assert result.stderr.count("skipping ") == 5


def test_imported_journal_names_are_shown_in_journal_casing(
    env: dict[str, str], tmp_path: Path
) -> None:
    rxradar(["profiles", "import", str(_file(tmp_path, 0))], env)
    listed = json.loads(rxradar(["journals", "list", "--json"], env).stdout)
    assert [row["name"] for row in listed] == ["The Journal of Biological Chemistry"]


@pytest.mark.parametrize(
    ("spelling", "shown"),
    [
        ("The Journal Of Biological Chemistry", "The Journal of Biological Chemistry"),
        ("Frontiers In Neuroscience", "Frontiers in Neuroscience"),
        ("Proceedings Of The Royal Society A", "Proceedings of the Royal Society A"),
        ("PLOS ONE", "PLOS ONE"),
        ("On Biology", "On Biology"),
        ("Genes &amp; Development", "Genes & Development"),
    ],
)  # fmt: skip
def test_small_words_are_not_capitalised_in_names(spelling: str, shown: str) -> None:
    assert clean_name(spelling) == shown


def test_the_most_common_spelling_still_wins_once_tidied() -> None:
    spellings = ["The Journal Of Biological Chemistry"] * 3 + ["Journal of Biological Chemistry"]
    assert display_name(spellings) == "The Journal of Biological Chemistry"


@pytest.mark.parametrize(
    ("n", "noun", "text"),
    [
        (1, "new profile", "1 new profile"),
        (2, "new profile", "2 new profiles"),
        (0, "failure", "0 failures"),
        (1, "failure", "1 failure"),
        (1500, "paper", "1,500 papers"),
        (2, "match", "2 matches"),
        (3, "entry", "3 entries"),
    ],
)
def test_counts_agree_with_their_noun(n: int, noun: str, text: str) -> None:
    assert counted(n, noun) == text
