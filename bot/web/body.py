"""Read a request body with a byte limit, while it streams in.

Every route that reads a body goes through `read_body`: a declared Content-Length past the
limit is refused before reading anything, and a chunked (or lying) body is cut off as soon
as it passes the limit, so no client can make the server buffer more than `limit` bytes.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response


class BodyTooLarge(Exception):
    """The body is larger than the route accepts; answer 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body larger than {limit} bytes")
        self.limit = limit


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(error: BodyTooLarge) -> Response:
    return PlainTextResponse(
        f"payload too large: send at most {error.limit} bytes\n", status_code=413
    )
