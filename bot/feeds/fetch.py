"""HTTP for feeds and APIs: timeouts, a byte cap, conditional GET, redirects, polite pacing.

feedparser never touches the network: we fetch the bytes here and hand them over.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.config import HttpSettings
from bot.feeds.addresses import guarded_transport, refuse_credentials
from bot.feeds.deadline import within

log = logging.getLogger(__name__)

ACCEPT = (
    "application/rss+xml, application/rdf+xml, application/atom+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
PERMANENT_REDIRECTS = (301, 308)
MAX_WORKERS = 8  # fetches in their first SLOW_AFTER seconds at once
SLOW_AFTER = 3.0  # seconds: a fetch still running after this no longer holds a worker slot
MAX_FETCHES = 32  # fetches at once in all, slow ones included (each ends at total_timeout)
_TICK = 0.25  # seconds between checks for fetches that turned slow
SLOW_DOWN = (429, 503)  # the statuses that may carry a Retry-After
ATTEMPTS = 3  # per JSON API page, for timeouts, connection errors, 5xx and 429 answers
MAX_RETRY_AFTER = timedelta(minutes=5)  # a longer requested wait ends the run (resumable)
RETRY_AFTER_CAP = timedelta(days=1)  # no server can park a feed longer than this
_RETRY_AFTER_DIGITS = 9  # more than ~31 years of seconds: already far past the cap


def retry_after(headers: Mapping[str, str], now: datetime) -> timedelta | None:
    """The wait a 429/503 answer asks for: `Retry-After: 120` or an HTTP date; None if absent.

    Unreadable values are ignored (the caller's own backoff applies); past dates mean 0;
    any wait is capped at RETRY_AFTER_CAP, so a hostile header cannot overflow or park a feed.
    """
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        if len(value.lstrip("0")) > _RETRY_AFTER_DIGITS:
            return RETRY_AFTER_CAP
        return min(timedelta(seconds=int(value)), RETRY_AFTER_CAP)
    try:
        when = parsedate_to_datetime(value)
        if when.tzinfo is None:
            return None
        return min(max(when - now, timedelta(0)), RETRY_AFTER_CAP)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


class FetchError(RuntimeError):
    """A request failed as a whole; the message says what happened and what to check."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class _TooLarge(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@dataclass(frozen=True)
class FetchRequest:
    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchResult:
    url: str  # what was asked for
    status: int | None  # of the final response (after redirects); None when there was none
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None  # the target of 301/308 redirects, to poll from now on
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict, compare=False)

    def retry_after(self, now: datetime) -> timedelta | None:
        """How long the server asked us to wait (429/503 with Retry-After), else None."""
        return retry_after(self.headers, now) if self.status in SLOW_DOWN else None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def gone(self) -> bool:
        return self.status == 410


class HostPacer:
    """Spaces request *starts* to one host by `delay` seconds; other hosts are unaffected."""

    def __init__(
        self,
        delay: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.delay = delay
        self._clock = clock
        self._sleep = sleep
        self._free_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, url: str) -> float:
        """Block until this URL's host may be asked again; returns the seconds waited."""
        if self.delay <= 0:
            return 0.0
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            now = self._clock()
            start = max(now, self._free_at.get(host, now))
            self._free_at[host] = start + self.delay
        if start > now:
            self._sleep(start - now)
        return start - now


_shared_pacers: dict[float, HostPacer] = {}
_shared_lock = threading.Lock()


def shared_pacer(delay: float) -> HostPacer:
    """One pacer per process (per delay), so every client of a host shares its spacing."""
    with _shared_lock:
        if delay not in _shared_pacers:
            _shared_pacers[delay] = HostPacer(delay)
        return _shared_pacers[delay]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "unknown status"


def describe_status(status: int) -> str:
    if status == 410:
        return "HTTP 410 Gone: the publisher removed this feed, so rxradar stopped polling it"
    if status in (401, 403):
        hint = "the server refuses us; the feed may need a login or blocks robots"
    elif status == 404:
        hint = "check the feed URL (rxradar feeds list); it may have moved"
    elif status == 429:
        hint = "the server asks us to slow down; raise RXRADAR_HOST_DELAY"
    elif status >= 500:
        hint = "the server has a problem; rxradar retries later"
    else:
        hint = "check the feed URL"
    return f"HTTP {status} {_reason(status)}: {hint}"


def _moved_to(response: httpx.Response) -> str | None:
    """Where the leading run of permanent redirects ended; temporary ones are not remembered."""
    chain = [*response.history, response]
    target = None
    for step, redirect in enumerate(response.history):
        if redirect.status_code not in PERMANENT_REDIRECTS:
            break
        target = str(chain[step + 1].url)
    return target


class Fetcher:
    """The one HTTP client for feeds and APIs (thread-safe); use as a context manager.

    Requests to one host are spaced by `HttpSettings.host_delay` across every Fetcher of
    the process (the bioRxiv API's operators ask for about one request a second).
    """

    def __init__(
        self,
        http: HttpSettings,
        pacer: HostPacer | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_bytes = http.max_bytes
        self.timeout = http.timeout
        self.total_timeout = http.total_timeout
        self.pacer = pacer or shared_pacer(http.host_delay)
        self._sleep = sleep
        self._client = httpx.Client(
            timeout=httpx.Timeout(http.timeout),
            headers={"User-Agent": http.user_agent},
            follow_redirects=True,
            max_redirects=10,
            transport=transport or guarded_transport(http.allow_private_urls),
            event_hooks={"request": [refuse_credentials]},
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def fetch(self, request: FetchRequest, accept: str = ACCEPT) -> FetchResult:
        """GET a feed; never raises for network or HTTP problems (they are in `error`)."""
        headers = {"Accept": accept}
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        self.pacer.wait(request.url)
        with within(self.total_timeout) as deadline:
            try:
                with self._client.stream("GET", request.url, headers=headers) as response:
                    return self._result(request, response, deadline)
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                if isinstance(exc, httpx.TimeoutException) and time.monotonic() >= deadline:
                    return FetchResult(url=request.url, status=None, error=self._too_slow(request))
                return FetchResult(url=request.url, status=None, error=self._describe(request, exc))
            except _TooLarge as exc:
                return FetchResult(url=request.url, status=exc.status, error=self._too_large())

    def fetch_many(self, requests: Iterable[FetchRequest]) -> Iterator[FetchResult]:
        """Fetch concurrently (politely per host); results come back as they complete.

        At most MAX_WORKERS fetches are in their first SLOW_AFTER seconds at once; a slower
        one stops counting, so feeds that answer are never queued behind ones that trickle
        (those end at `total_timeout`; MAX_FETCHES bounds the threads).
        """
        queued = deque(requests)
        if not queued:
            return
        pool = ThreadPoolExecutor(max_workers=min(MAX_FETCHES, len(queued)))
        running: dict[Future[FetchResult], tuple[FetchRequest, float]] = {}
        try:
            while queued or running:
                now = time.monotonic()
                young = sum(1 for _, started in running.values() if now - started < SLOW_AFTER)
                while queued and len(running) < MAX_FETCHES and young < MAX_WORKERS:
                    request = queued.popleft()
                    running[pool.submit(self.fetch, request)] = (request, now)
                    young += 1
                done, _ = wait(running, _TICK if queued else None, FIRST_COMPLETED)
                for future in done:
                    request, _ = running.pop(future)
                    yield self._outcome(request, future)
        finally:
            # Ctrl-C (or a caller that stops early) must not wait out a stalled host's timeout.
            pool.shutdown(wait=False, cancel_futures=True)

    def _outcome(self, request: FetchRequest, future: Future[FetchResult]) -> FetchResult:
        """A fetch's result; an unexpected error stays with its own feed, as its `error`."""
        try:
            return future.result()
        except Exception as exc:  # one feed's surprise must not end the other feeds' fetches
            log.exception("fetching %s failed unexpectedly", request.url)
            return FetchResult(url=request.url, status=None, error=self._describe(request, exc))

    def get_json(self, url: str, what: str) -> Any:
        """GET a JSON API page, retrying timeouts, connection errors, 5xx and 429 answers.

        A `Retry-After` is obeyed; one longer than MAX_RETRY_AFTER raises at once, saying
        when to come back. Raises FetchError (with the HTTP status, if any) otherwise.
        """
        for attempt in range(1, ATTEMPTS + 1):
            result = self.fetch(FetchRequest(url), accept="application/json")
            if result.error is None:
                try:
                    return json.loads(result.body)
                except ValueError as exc:
                    raise FetchError(f"{what} did not return JSON ({exc})") from exc
            status = result.status
            if not (status is None or status >= 500 or status == 429) or attempt == ATTEMPTS:
                raise FetchError(f"{what}: {result.error}", status)
            wait = self.pacer.delay * 2**attempt
            asked = result.retry_after(datetime.now(UTC))
            if asked is not None and asked > MAX_RETRY_AFTER:
                raise FetchError(
                    f"{what} answered HTTP {status} and asks us to wait "
                    f"{asked.total_seconds() / 60:.0f} min; try again after that",
                    status,
                )
            wait = asked.total_seconds() if asked is not None else wait
            log.info("retrying %s in %.0f s (attempt %d of %d)", url, wait, attempt + 1, ATTEMPTS)
            self._sleep(wait)
        raise AssertionError("unreachable")

    def _result(
        self, request: FetchRequest, response: httpx.Response, deadline: float
    ) -> FetchResult:
        status = response.status_code
        common: dict[str, Any] = {
            "url": request.url,
            "status": status,
            "headers": dict(response.headers),
            "etag": response.headers.get("etag"),
            "last_modified": response.headers.get("last-modified"),
        }
        if status == 304:
            return FetchResult(moved_to=_moved_to(response), **common)
        if status >= 300:
            return FetchResult(error=describe_status(status), **common)
        body = self._read_capped(response, deadline)
        content_type = response.headers.get("content-type")
        return FetchResult(
            body=body, content_type=content_type, moved_to=_moved_to(response), **common
        )

    def _read_capped(self, response: httpx.Response, deadline: float) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise _TooLarge(response.status_code)
        # the transport's sockets end at the deadline; this also covers a caller's transport
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise _TooLarge(response.status_code)
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the body took too long to arrive")
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self) -> str:
        megabytes = self.max_bytes / (1024 * 1024)
        return (
            f"the response is larger than RXRADAR_MAX_FEED_BYTES ({megabytes:g} MB) and was "
            "aborted; check the URL, or raise RXRADAR_MAX_FEED_BYTES if the feed is that big"
        )

    def _too_slow(self, request: FetchRequest) -> str:
        host = urlsplit(request.url).hostname or request.url
        return (
            f"{host} took longer than {self.total_timeout:g} s in all (RXRADAR_HTTP_TOTAL_TIMEOUT)"
            " and was cut off; rxradar retries later"
        )

    def _describe(self, request: FetchRequest, exc: Exception) -> str:
        host = urlsplit(request.url).hostname or request.url
        if isinstance(exc, httpx.ConnectTimeout):
            return f"timed out connecting to {host} after {self.timeout:g} s; rxradar retries later"
        if isinstance(exc, httpx.TimeoutException):
            return (
                f"timed out waiting for {host} ({self.timeout:g} s read timeout); "
                "rxradar retries later (RXRADAR_HTTP_TIMEOUT sets the limit)"
            )
        if isinstance(exc, httpx.TooManyRedirects):
            return f"too many redirects from {request.url}; check the feed URL"
        if isinstance(exc, httpx.ConnectError):
            return f"cannot connect to {host} ({exc}); check the URL and your network"
        if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
            return f"{request.url!r} is not a fetchable http(s) URL ({exc})"
        return f"request to {host} failed: {type(exc).__name__}: {exc}"
