"""`profiles import` of a hostile file: `file:line: what is wrong`, exit 2, nothing imported.

And what feeds or files put in titles and names never reaches the terminal as escape codes.
"""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

from sqlalchemy import select

from bot.profiles.files import MAX_LINE_CHARS
from bot.records.paper import FIELD_MAX
from bot.store import Store
from bot.store.profile_models import ProfilePaper
from tests import factories
from tests.e2e_world import rxradar

GOOD = {"title": "Kinase", "abstract": "A kinase.", "journal": "Cell"}
ESCAPES = "\x1b[2J\x1b]0;owned\x07\x9b31m"


def _no_controls(text: str) -> None:
    assert not {"\x1b", "\x07", "\x9b"} & set(text), repr(text)


def _jsonl(tmp_path: Path, bad_line: str, name: str = "papers.jsonl") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(GOOD) + "\n" + bad_line + "\n", encoding="utf-8")
    return path


def _refused(env: dict[str, str], path: Path, line: int, *extra: str) -> str:
    """The import failed with `path:line:` and exit 2; no profile (so no paper) was made."""
    result = rxradar(["profiles", "import", str(path), *extra], env)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert f"{path}:{line}: " in result.stderr.replace("\n", "")
    listed = rxradar(["journals", "list", "--json"], env)
    assert json.loads(listed.stdout) == []
    return result.stderr


def test_a_lone_surrogate_is_imported_as_a_replacement_character(
    env: dict[str, str], tmp_path: Path
) -> None:
    row = {"title": "Kin\\ud800ase", "abstract": "A \\udfff kinase.", "journal": "Cell"}
    line = json.dumps(row).replace("\\\\", "\\")  # the JSON escape of a lone surrogate
    path = tmp_path / "papers.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    result = rxradar(["profiles", "import", str(path), "--json"], env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["added"] == 1


def test_200000_deep_json_is_a_line_error(env: dict[str, str], tmp_path: Path) -> None:
    deep = '{"title": "x", "abstract": "y", "extra": ' + "[" * 200_000 + "]" * 200_000 + "}"
    assert "nested too deeply" in _refused(env, _jsonl(tmp_path, deep), 2)


def test_a_5000_digit_integer_is_a_line_error(env: dict[str, str], tmp_path: Path) -> None:
    huge = '{"title": "x", "abstract": "y", "journal": "Cell", "n": ' + "9" * 5000 + "}"
    _refused(env, _jsonl(tmp_path, huge), 2)


def test_nul_in_a_row_is_dropped_not_a_database_error(env: dict[str, str], tmp_path: Path) -> None:
    row = {"title": "Ki\x00nase 2", "abstract": "A\x00 kinase.", "journal": "Ce\x00ll", "x": "\x00"}
    path = _jsonl(tmp_path, json.dumps(row))
    result = rxradar(["profiles", "import", str(path), "--json"], env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["added"] == 2
    listed = json.loads(rxradar(["journals", "list", "--json"], env).stdout)
    assert [row["name"] for row in listed] == ["Cell"]


def test_a_600_character_journal_name_is_a_line_error(env: dict[str, str], tmp_path: Path) -> None:
    row = {**GOOD, "journal": "Journal of " + "x" * 600}
    problem = _refused(env, _jsonl(tmp_path, json.dumps(row)), 2)
    assert f"at most {FIELD_MAX['journal']}" in problem


# A cross-listed arXiv paper's categories as the shared data spells them: 230 characters.
CROSS_LISTED = (
    "Mathematical Physics (math-ph); Mathematics - Mathematical Physics (math.MP); Quantum "
    "Physics (quant-ph); High Energy Physics - Theory (hep-th); Exactly Solvable and "
    "Integrable Systems (nlin.SI); Quantum Gases (cond-mat.quant-gas)"
)


def test_a_long_cross_listed_category_list_is_stored_with_its_leading_categories(
    store: Store, env: dict[str, str], tmp_path: Path
) -> None:
    assert len(CROSS_LISTED) == 230
    path = _jsonl(tmp_path, json.dumps({**GOOD, "title": "Spin chains", "category": CROSS_LISTED}))
    result = rxradar(["profiles", "import", str(path), "--json"], env)
    assert result.returncode == 0, result.stderr  # was: exit 2, "category is 230 characters"
    assert json.loads(result.stdout)["added"] == 2
    with store.session() as session:
        stored = set(session.scalars(select(ProfilePaper.category)))
    kept = CROSS_LISTED[: CROSS_LISTED.index("; Quantum Gases")]  # 195 characters
    assert stored == {None, kept}


def test_one_category_longer_than_the_column_is_a_line_error(
    env: dict[str, str], tmp_path: Path
) -> None:
    row = {**GOOD, "category": "cell biology " + "x" * 300}
    problem = _refused(env, _jsonl(tmp_path, json.dumps(row)), 2)
    assert f"category is 313 characters; at most {FIELD_MAX['category']}" in problem


def test_an_unterminated_csv_quote_is_an_error(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "papers.csv"
    path.write_text(
        'title,abstract,journal\nKinase,A kinase.,Cell\nThird,A third.,"Nature\n'
        "Fourth,A fourth.,Science\nFifth,A fifth.,Science\n",
        encoding="utf-8",
    )
    _refused(env, path, 3)  # was: exit 0, rows 4 and 5 swallowed into row 3's journal


def test_a_gzip_of_one_huge_line_is_refused_by_the_line_cap(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "papers.jsonl.gz"
    title = "a" * (MAX_LINE_CHARS + 10)
    row = json.dumps({"title": title, "abstract": "y", "journal": "Cell"})
    path.write_bytes(gzip.compress((json.dumps(GOOD) + "\n" + row + "\n").encode()))
    assert f"longer than {MAX_LINE_CHARS:,}" in _refused(env, path, 2)


def test_a_garbage_ris_file_never_makes_an_empty_profile(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "refs.ris"
    path.write_text("this is not\na RIS file at all\n", encoding="utf-8")
    result = rxradar(["profiles", "import", str(path), "--profile", "Smith lab"], env)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert f"{path}:1: " in result.stderr.replace("\n", "")
    assert json.loads(rxradar(["journals", "list", "--json"], env).stdout) == []


def test_an_empty_file_never_makes_an_empty_profile(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "refs.ris"
    path.write_text("\n", encoding="utf-8")
    result = rxradar(["profiles", "import", str(path), "--profile", "Smith lab"], env)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert json.loads(rxradar(["journals", "list", "--json"], env).stdout) == []


def test_escape_codes_in_an_imported_journal_name_never_reach_the_terminal(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = _jsonl(tmp_path, json.dumps({**GOOD, "journal": f"Nature{ESCAPES}"}))
    assert rxradar(["profiles", "import", str(path)], env).returncode == 0
    result = rxradar(["journals", "list"], env)
    assert result.returncode == 0, result.stderr
    assert "Nature" in result.stdout
    _no_controls(result.stdout)


def test_escape_codes_stored_in_a_preprint_are_stripped_on_output(
    store: Store, env: dict[str, str]
) -> None:
    # a row stored before feeds were cleaned at ingest: the table prints it safely anyway
    factories.preprint(store, "10.1101/2026.01.01.000001", f"Title{ESCAPES}", date(2026, 1, 1))
    result = rxradar(["preprints", "list"], env)
    assert result.returncode == 0, result.stderr
    assert "Title" in result.stdout
    _no_controls(result.stdout)
    shown = rxradar(["preprints", "list", "--json"], env).stdout
    _no_controls(shown)
    assert json.loads(shown)[0]["title"] == f"Title{ESCAPES}"  # JSON keeps it, escaped
