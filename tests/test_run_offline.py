"""The first `rxradar run` with no network: what it says, and what it leaves in the log."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.e2e_world import rxradar, start_rxradar, stop, wait_for
from tests.golden_cli import assert_golden, normalised
from tests.peers.smtp import free_port

DEAD = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused


def _offline(env: dict[str, str]) -> dict[str, str]:
    return {**env, "RXRADAR_BIORXIV_API_URL": f"{DEAD}/", "RXRADAR_FEEDS": "biorxiv:all"}


def _bootstrap_line(log: str) -> str:
    [line] = [line for line in log.splitlines() if "job bootstrap failed" in line]
    return line


def test_an_offline_run_once_says_what_to_do_next(env: dict[str, str], tmp_path: Path) -> None:
    result = rxradar(["run", "--once"], _offline(env))
    assert result.returncode == 0, result.stderr
    line = _bootstrap_line(result.stderr)
    assert "run the same command again" not in line
    assert "The next `rxradar run` carries on from there." in line
    assert "`rxradar profiles import FILE`, then `rxradar train`" in line
    message = line.split("job bootstrap failed after ", 1)[1].split(": ", 1)[1]
    assert_golden("cli_run_once_offline.txt", normalised(message + "\n"))


def test_the_daemon_says_when_it_tries_again_and_leaves_no_progress_bar_in_its_log(
    env: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "run.log"
    process = start_rxradar(["run", "--port", str(free_port())], _offline(env), log)
    try:
        wait_for(lambda: "job bootstrap failed" in log.read_text(), 30, "the first run to fail")
    finally:
        stop(process, signal.SIGTERM)
    text = log.read_text()
    line = _bootstrap_line(text)
    assert "rxradar run tries again by itself at " in line and "(every 15 minutes)" in line
    assert "rxradar profiles import FILE" in line
    assert "journal profiles" not in text  # the bar's label: never dumped into a log
    assert "━" not in text


def test_a_cut_off_harvest_at_the_command_line_still_says_run_it_again(
    env: dict[str, str],
) -> None:
    args = ["profiles", "harvest", "biorxiv", "--from", "2026-01-01", "--to", "2026-01-02"]
    result = rxradar(args, _offline(env))
    assert result.returncode == 2
    [error] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert error.endswith("; run the same command again to resume")
    assert "━" not in result.stderr  # no progress bar outside a terminal


@pytest.mark.parametrize(
    "args",
    [
        ["backfill", "--server", "biorxiv", "--days", "1"],
        ["profiles", "harvest", "biorxiv", "--from", "2026-01-01", "--to", "2026-01-02"],
    ],
    ids=["backfill", "harvest"],
)
def test_backfill_retries_a_dns_failure_like_harvest(env: dict[str, str], args: list[str]) -> None:
    unresolvable = {**env, "RXRADAR_BIORXIV_API_URL": "http://no-such-host.invalid/"}
    result = rxradar(args, unresolvable)
    assert result.returncode == 2
    assert "(attempt 3 of 3)" in result.stderr
    assert "no-such-host.invalid" in result.stderr.splitlines()[-1]
