"""Digests as a newcomer meets them: `digest --show` output that can be piped."""

from __future__ import annotations

import json

from tests.test_delivery_cli import MONDAY_SLOT, _run, _subscribe, journal  # noqa: F401


def test_digest_show_prints_only_the_rendering_on_stdout(
    env: dict[str, str],
    journal: int,  # noqa: F811
) -> None:
    sub = str(_subscribe(env)["id"])
    for show in ("slack", "webhook"):
        code, out, err = _run(env, "digest", sub, "--now", MONDAY_SLOT, "--dry-run", "--show", show)
        assert code == 0, err
        assert json.loads(out)  # pipes into jq: nothing but the payload
        assert "=== to ada@example.org: New preprints" in err and "===" not in out
    code, out, err = _run(env, "digest", sub, "--now", MONDAY_SLOT, "--dry-run", "--show", "html")
    assert code == 0 and out.lstrip().startswith("<!DOCTYPE html") and "===" not in out
    code, out, err = _run(env, "digest", sub, "--now", MONDAY_SLOT, "--dry-run", "--show", "pdf")
    assert code == 2 and out == ""
    assert "--show 'pdf' is not one of: text, html, slack, webhook" in err
