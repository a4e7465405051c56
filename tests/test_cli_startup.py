"""Every `rxradar` command starts without importing the training stack: scipy and sklearn
cost about 2 s of a 4 s start on this machine, and only training, evaluation and
vectorising a digest's candidates need them (`python -X importtime -c "import bot.cli"`
shows it)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sklearn", "scipy")


def test_the_command_line_starts_without_sklearn_or_scipy() -> None:
    probe = (
        f"import sys, bot.cli; print(','.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == ""


def test_vectorising_still_drops_sklearn_stop_words() -> None:
    from bot.scoring.preference import terms

    vector = terms("the those whereupon cardiac imaging").vector
    assert set(vector) == {"cardia", "imagin"}
