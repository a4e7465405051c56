"""Following a journal the model leaves out (below --min-papers): said when subscribing,
and marked in `journals list/search`, instead of every period being "skipped, 0 items"."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.test_profiles_cli import _json, _run, trained  # noqa: F401

GOLDEN = Path(__file__).parent / "golden"


def _tiny_journal(env: dict[str, str], tmp_path: Path) -> None:
    paper = {"abstract": "virus capsid host.", "journal": "Tiny Journal"}
    rows = [{"title": f"Tiny paper {i}", **paper} for i in range(3)]
    path = tmp_path / "tiny.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert _json(env, "profiles", "import", str(path))["added"] == 3


def test_subscribing_to_a_journal_outside_the_model_says_when_digests_start(
    trained: dict[str, Any],  # noqa: F811
    env: dict[str, str],
    tmp_path: Path,
) -> None:
    _tiny_journal(env, tmp_path)
    ada = ("subscribe", "--email", "ada@example.org")
    code, out, err = _run(env, *ada, "--journal", "Tiny Journal", "--json")
    assert code == 0
    assert json.loads(out)["journals"] == ["Tiny Journal"]  # subscribed, and told why it waits
    assert (
        "note: Tiny Journal is not in the model yet (3 papers; training needs 10): its digests "
        "will start once it has 10 papers and the model is retrained" in err
    )
    code, _, err = _run(
        env, "subscribe", "--email", "ada@example.org", "--journal", "Virus Reports"
    )
    assert code == 0 and "note:" not in err


def test_journals_list_and_search_mark_which_journals_are_in_the_model(
    trained: dict[str, Any],  # noqa: F811
    env: dict[str, str],
    tmp_path: Path,
) -> None:
    _tiny_journal(env, tmp_path)
    listed = {j["name"]: j["in_model"] for j in _json(env, "journals", "list")}
    assert listed == {"Neuro Letters": True, "Plant Biology & Roots": True, "Virus Reports": True,
                      "Statistics Quarterly": True, "Tiny Journal": False}  # fmt: skip
    assert [j["in_model"] for j in _json(env, "journals", "search", "tiny")] == [False]
    code, out, _ = _run(env, "journals", "list")
    assert code == 0
    golden = GOLDEN / "cli_journals_list.txt"
    if os.environ.get("RXRADAR_UPDATE_GOLDEN"):
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")
