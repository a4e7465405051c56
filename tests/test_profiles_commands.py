"""The data-side commands: journals list/search, profiles import/harvest/create."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli import app
from bot.records.preprint import Preprint
from bot.store import Store
from bot.store.preprints import upsert_preprints
from bot.store.profile_models import Profile, ProfilePaper
from tests.peers.http import LocalServer, Reply


def _run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    # rich wraps messages at the terminal width; compare words, not line breaks
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


def _rows(path: Path, rows: Sequence[Mapping[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _count(store: Store, table: type) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_import_prints_counts_as_json(env: dict[str, str], store: Store, tmp_path: Path) -> None:
    path = _rows(
        tmp_path / "p.jsonl",
        [
            {"title": "A", "abstract": "x", "journal": "PLoS ONE"},
            {"title": "B", "abstract": "y", "journal": "PLOS ONE"},
            {"title": "C", "abstract": "z", "journal": None},
        ],
    )
    code, out, _ = _run(env, "profiles", "import", str(path), "--json")
    assert code == 0
    assert json.loads(out) == {
        "read": 3,
        "added": 2,
        "duplicates": 0,
        "unlabelled": 1,
        "profiles_created": 1,
        "added_per_profile": {"PLoS ONE": 2},
        "skipped": 0,
    }


def test_a_bad_row_stops_the_import_with_file_and_line(
    env: dict[str, str], store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "p.csv"
    path.write_text("title,abstract,journal\nA,x,Genetics\nB,,Genetics\n", encoding="utf-8")
    code, out, err = _run(env, "profiles", "import", str(path))
    assert code == 2
    assert "p.csv:3: missing abstract for 'B'" in err
    assert "Nothing was imported" in err
    assert out == ""
    assert _count(store, ProfilePaper) == 0
    code, _, _ = _run(env, "profiles", "import", str(path), "--skip-bad-rows")
    assert code == 0
    assert _count(store, ProfilePaper) == 1


def test_a_row_without_a_journal_field_stops_a_journal_import(
    env: dict[str, str], store: Store, tmp_path: Path
) -> None:
    rows: list[dict[str, object]] = [
        {"title": f"T{n}", "abstract": "a", "journal": "Cell"} for n in range(5)
    ]
    path = _rows(tmp_path / "p.jsonl", [*rows, {"title": "X", "abstract": "b"}])
    code, _, err = _run(env, "profiles", "import", str(path))
    assert code == 2
    assert "p.jsonl:6: no 'journal' field" in err
    assert _count(store, ProfilePaper) == 0 and _count(store, Profile) == 0
    code, _, _ = _run(env, "profiles", "import", str(path), "--profile", "Mine")
    assert code == 0
    assert _count(store, ProfilePaper) == 6


def test_journals_list_and_search_with_did_you_mean(
    env: dict[str, str], store: Store, tmp_path: Path
) -> None:
    rows = [
        {"title": f"T{n}", "abstract": "a", "journal": j}
        for n, j in enumerate(
            ["Genes &amp; Development", "Genes & Development", "Genetics", "PLOS Genetics"]
        )
    ]
    _run(env, "profiles", "import", str(_rows(tmp_path / "p.jsonl", rows)))
    code, out, _ = _run(env, "journals", "list", "--json")
    assert code == 0
    assert [(j["name"], j["papers"]) for j in json.loads(out)] == [
        ("Genes & Development", 2),
        ("Genetics", 1),
        ("PLOS Genetics", 1),
    ]
    code, out, _ = _run(env, "journals", "search", "genetics", "--json")
    assert [j["name"] for j in json.loads(out)] == ["Genetics", "PLOS Genetics"]
    code, out, err = _run(env, "journals", "search", "Genes and Developmnt")
    assert code == 0
    assert "did you mean" in err
    assert "Genes & Development" in out
    code, _, err = _run(env, "journals", "search", "zzzz qqqq")
    assert code == 1
    assert "no journal matches" in err


def test_harvest_command_runs_and_resumes(env: dict[str, str], store: Store) -> None:
    record = {
        "preprint_doi": "10.1101/2024.01.01.000001",
        "published_journal": "Cell Reports",
        "preprint_title": "A title",
        "preprint_abstract": "An abstract.",
        "preprint_date": "2023-12-01",
    }
    body = {"messages": [{"count": 1, "total": 1, "cursor": 0}], "collection": [record]}
    with LocalServer() as server:
        server.route("/pubs/biorxiv/2024-01-01/2024-01-02/0", Reply(body=json.dumps(body)))
        local = {**env, "RXRADAR_BIORXIV_API_URL": server.url("")}
        args = ["profiles", "harvest", "biorxiv", "--from", "2024-01-01", "--to", "2024-01-02"]
        code, out, err = _run(local, *args, "--json")
        assert code == 0, err
        assert json.loads(out)["added"] == 1
        code, out, err = _run(local, *args, "--json")
        assert json.loads(out)["already_done"] is True
        assert len(server.requests) == 1
    code, _, err = _run(env, "profiles", "harvest", "biorxiv", "--from", "2024-01-01")
    assert code == 2 and "--to DATE" in err
    code, _, err = _run(env, "profiles", "harvest", "arxiv")
    assert code == 2 and "use biorxiv, medrxiv or crossref" in err


def test_a_failed_harvest_says_how_to_resume(env: dict[str, str], store: Store) -> None:
    with LocalServer() as server:
        server.route("/pubs/medrxiv/", Reply(status=503, body="busy"))
        local = {**env, "RXRADAR_BIORXIV_API_URL": server.url("")}
        code, _, err = _run(
            local, "profiles", "harvest", "medrxiv", "--from", "2024-01-01", "--to", "2024-01-31"
        )
    assert code == 2
    assert "HTTP 503" in err and "run the same command again" in err


def test_create_builds_a_custom_profile_from_dois_and_a_file(
    env: dict[str, str], store: Store, tmp_path: Path
) -> None:
    day = date(2026, 1, 5)
    upsert_preprints(
        store,
        [
            Preprint(
                id="10.1101/2026.01.05.1",
                version=1,
                title="Stored preprint",
                abstract="Its abstract.",
                authors=("Roe, R.",),
                server="biorxiv",
                posted=day,
                updated=day,
                doi="10.1101/2026.01.05.1",
            )
        ],
    )
    bib = tmp_path / "lab.bib"
    bib.write_text("@article{k, title={Ours}, abstract={Our own paper.}}\n", encoding="utf-8")
    code, out, err = _run(
        env,
        "profiles",
        "create",
        "Smith Lab",
        "--doi",
        "10.1101/2026.01.05.1",
        "--from-file",
        str(bib),
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["added_per_profile"] == {"Smith Lab": 2}
    code, _, err = _run(env, "profiles", "create", "Other", "--doi", "10.1101/missing")
    assert code == 2 and "not in the database: 10.1101/missing" in err
    with store.session() as session:
        kinds = {p.name: p.kind for p in session.scalars(select(Profile))}
    assert kinds == {"Smith Lab": "custom"}


def test_train_without_enough_journals_says_what_to_add(env: dict[str, str], store: Store) -> None:
    code, out, err = _run(env, "train", "--json")
    assert code == 2
    assert out == ""
    assert "only 0 journals have at least 10 papers" in err
    assert "rxradar profiles import FILE" in err
