"""The journal page's "Published in J" section over real HTTP (its own world: it writes)."""

from __future__ import annotations

from datetime import date

import httpx

from bot.records.outcome import Publication
from bot.store.outcomes import RecordCounts, record_publications
from tests.web_support import Web
from tests.web_world import SEED_TITLES

MIA = "/journals/medical-image-analysis"


def test_the_journal_page_lists_preprints_published_there(web: Web) -> None:
    assert "Published in Medical Image Analysis" not in httpx.get(web.url(MIA)).text
    first = web.world.seed_ids[0]
    with web.store.session() as session:
        record_publications(session, [
            Publication(first, "10.1016/j.media.2026.1", "Medical Image Analysis",
                        date(2026, 5, 4), "medrxiv-pubs"),
        ], RecordCounts())  # fmt: skip
    page = httpx.get(web.url(MIA)).text
    section = page[page.index('<h2 id="published">') :]
    assert "Published in Medical Image Analysis" in section
    assert SEED_TITLES[0][0] in section
    assert 'href="https://doi.org/10.1016/j.media.2026.1"' in section
    assert 'published <time datetime="2026-05-04">2026-05-04</time>' in section
    assert "weekly top 10" in section
    # other journals' pages and custom profiles show nothing of it
    assert 'id="published"' not in httpx.get(web.url("/journals/neuroimage")).text
