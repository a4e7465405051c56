"""How rxradar serves its web app, the same for `serve` and `run`.

- Behind a reverse proxy (`proxy_headers`), with a header-read timeout for clients that
  never finish a request (`slow_clients`).
- Start-up objects (modules, the Bolt app, templates, the model's tables) are moved out of
  the garbage collector's reach (`gc.freeze`): they live as long as the process, and a full
  collection walking all of them stalled every in-flight request for ~170 ms, the whole
  p99 of bench/bench_slack_ack.py.
"""

from __future__ import annotations

import gc
from typing import Any

import uvicorn
from starlette.applications import Starlette

from bot.web.slow_clients import HeadersTimeoutProtocol


def web_server(app: Starlette, host: str, port: int, **options: Any) -> uvicorn.Server:
    config = uvicorn.Config(
        app, host=host, port=port, proxy_headers=True, http=HeadersTimeoutProtocol, **options
    )
    gc.collect()
    gc.freeze()
    return uvicorn.Server(config)
