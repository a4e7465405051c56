"""The signing key: never empty, never short, never half-written (a full disk on first start)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.tokens import CONFIRM, make_token

FULL_DISK = """
import resource, signal, sys
from bot.config import load_settings
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes fail with EFBIG, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
try:
    load_settings({"RXRADAR_DATA_DIR": sys.argv[1]}).links()
except OSError as exc:
    print("failed:", exc.errno)
"""


def test_a_full_disk_on_first_start_leaves_no_empty_key_behind(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(data)], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("failed:")
    assert not (data / "secret_key").exists()
    key = load_settings({"RXRADAR_DATA_DIR": str(data)}).links().secret.get()
    assert len(key) >= 32


def test_an_empty_key_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    tmp_path.joinpath("secret_key").write_text("")
    with pytest.raises(ConfigError, match=r"0 bytes long.*at least 32.*delete it"):
        load_settings({"RXRADAR_DATA_DIR": str(tmp_path)}).links()


def test_an_empty_key_cannot_sign_links_anyone_could_forge(tmp_path: Path) -> None:
    tmp_path.joinpath("secret_key").write_text("\n")
    forged = make_token("", CONFIRM, 1, "email:victim@example.org", datetime.now(UTC))
    with pytest.raises(ConfigError):
        load_settings({"RXRADAR_DATA_DIR": str(tmp_path)}).links()
    assert forged  # minted with "": no configuration may ever verify it


@pytest.mark.parametrize("key", ["short", "x" * 31])
def test_a_short_secret_key_in_the_environment_is_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(ConfigError, match=r"RXRADAR_SECRET_KEY is .* bytes long"):
        load_settings({"RXRADAR_DATA_DIR": str(tmp_path), "RXRADAR_SECRET_KEY": key})


def test_a_generated_key_is_private_to_its_owner(tmp_path: Path) -> None:
    data = tmp_path / "data"
    load_settings({"RXRADAR_DATA_DIR": str(data)}).links()
    assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(data / "secret_key").st_mode) == 0o600
    assert [p.name for p in data.iterdir()] == ["secret_key"]  # no temp file left over
