"""The README's quick start, as a new user with no network runs it: `pip install` (done),
then `rxradar demo`, and a first digest is on screen."""

from __future__ import annotations

import re
from pathlib import Path

from bot.store import Store
from bot.store.profiles import list_profiles
from tests.e2e_world import rxradar

README = Path(__file__).resolve().parents[1] / "README.md"


def quick_start() -> list[str]:
    """The commands of the README's quick-start block (comments dropped)."""
    section = README.read_text(encoding="utf-8").split("## Quick start", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None
    lines = (line.split("#", 1)[0].strip() for line in block.group(1).splitlines())
    return [line for line in lines if line]


def test_the_quick_start_reaches_a_first_digest_in_at_most_three_commands(
    env: dict[str, str], store: Store
) -> None:
    commands = quick_start()
    assert len(commands) <= 3 and commands[0].startswith("pip install")
    # as a user runs it: the suite allows loopback feeds for its peers, a user's shell does
    # not, and the demo's own feed server is on 127.0.0.1 (it failed there before)
    env = {**env, "RXRADAR_ALLOW_PRIVATE_URLS": "false"}
    for command in commands[1:]:
        assert command.startswith("rxradar ")
        result = rxradar(command.split()[1:], env)
        assert result.returncode == 0, result.stderr
    out, err = result.stdout, result.stderr
    assert out.startswith("New preprints for Journal of Neural Circuits and Plant Cell Letters")
    assert "10 preprints from" in out and "picked from 24 preprints" in out
    # two sections, each numbered from 1 and capped at the demo's top 5
    assert re.findall(r"^(\d)\. ", out, re.M) == ["1", "2", "3", "4", "5"] * 2
    assert "24 new" in err and "trained model" in err
    # a first look at "calibrated probabilities": matches that are likely, not certain
    # (every entry read 100.0% while the demo's journals shared no text and no subject)
    shown = [float(p) for p in re.findall(r"^   (\d+\.\d)% · Top", out, re.M)]
    assert len(shown) == 10 and all(30 <= p < 99 for p in shown), shown
    assert "Next:" in err and "rxradar top 'Journal of Neural Circuits'" in err
    with store.session() as session:
        assert list_profiles(session) == []  # the configured database is never touched
    data = Path(env["RXRADAR_DATA_DIR"])
    for private in (data, data / "demo"):  # it holds a database and a signing key
        assert private.stat().st_mode & 0o777 == 0o700, private


def test_the_demo_can_be_run_again_and_shows_other_renderings(env: dict[str, str]) -> None:
    assert rxradar(["demo"], env).returncode == 0
    home = Path(env["RXRADAR_DATA_DIR"]) / "demo"
    demo = {**env, "RXRADAR_DATA_DIR": str(home),
            "RXRADAR_DATABASE_URL": f"sqlite:///{home / 'rxradar.db'}"}  # fmt: skip
    why = rxradar(["digest", "1", "--why"], demo)
    assert why.returncode == 0, why.stderr
    lines = why.stdout.splitlines()  # two journals, each numbered from 1 under its name
    assert lines[0] == "Journal of Neural Circuits" and lines[1].startswith("1. ")
    assert "Plant Cell Letters" in lines and lines[lines.index("Plant Cell Letters") - 1] == ""
    again = rxradar(["demo", "--show", "slack"], env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.lstrip().startswith("[")  # Slack's JSON, alone on stdout
    assert "24 new" in again.stderr  # rebuilt from scratch, not 0 new
    refused = rxradar(["demo", "--show", "pdf"], env)
    assert refused.returncode == 2 and "not one of: text, html, slack, webhook" in refused.stderr
