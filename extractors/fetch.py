"""Polite, bounded HTTP fetching: every attempt becomes a FetchRecord, nothing raises.

HttpClient.get() runs one URL through, in order:
  scheme check (http/https only) -> address guard (extractors.netguard) -> robots.txt
  (extractors.robots, cached per scheme+host) -> per-host gate (crawl delay + concurrency,
  extractors.ratelimit) -> GET without automatic redirects -> manual redirect hops, each
  re-checked from the top -> content-type check -> streamed, size-bounded body.
Retries (tenacity): timeouts, connection errors, 408, 429 and 5xx, with exponential backoff
and full jitter; 429/503 wait for Retry-After instead (capped). Other 4xx are final.
"""

from __future__ import annotations

import email.utils
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from tenacity import Retrying, retry_if_result, stop_after_attempt, wait_random_exponential

from extractors.archive import Archive
from extractors.config import Source
from extractors.netguard import AddressRefused, GuardedAdapter, ResolutionFailed, check_host
from extractors.ratelimit import HostGate
from extractors.records import FetchRecord, FetchRequest
from extractors.robots import ROBOTS_MAX_BYTES, RobotsPolicy, allow_everything, policy_from_fetch

CHUNK_BYTES = 64 * 1024
# A body that inflates more than this many times over its wire size is a decompression
# bomb, whatever max_bytes says (HTML compresses ~5-10x). Checked once past the minimum.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_AFTER_BYTES = 1_000_000
# Read timeouts apply per socket read, so a server trickling a byte at a time never trips
# them; the whole body must arrive within this many read timeouts of the headers.
BODY_TIME_READ_TIMEOUTS = 4
RETRY_AFTER_CAP = 60.0
BACKOFF_BASE = 1.0
BACKOFF_MAX = 30.0
# fetch_source queues this many URLs per worker thread: enough that no worker waits for
# work, few enough that a run's memory does not grow with its number of URLs.
IN_FLIGHT_PER_WORKER = 2
DRAIN_LIMIT = 64 * 1024  # small error/redirect bodies are read so the connection is reused
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_AFTER_STATUSES = frozenset({429, 503})
RETRY_4XX = frozenset({408, 429})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Feeds and sitemaps come with every type imaginable; refuse only what is clearly not XML.
FEED_TYPE_MARKERS = ("xml", "rss", "atom", "gzip", "text/", "octet-stream")
ACCEPT = {
    "html": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "feed": (
        "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1"
    ),
    "robots": "text/plain,*/*;q=0.1",
}


@dataclass
class FetchResult:
    """What get() found. records[-1] is the outcome; body is set only when it is ok."""

    records: list[FetchRecord]
    body: bytes | None = None
    # robots.txt fetches made on the way (first visit to a host), already complete.
    robots_records: list[FetchRecord] = field(default_factory=list)

    @property
    def record(self) -> FetchRecord:
        return self.records[-1]

    @property
    def all_records(self) -> list[FetchRecord]:
        return self.robots_records + self.records


@dataclass
class _Outcome:
    record: FetchRecord
    body: bytes | None = None
    retryable: bool = False
    retry_after: float | None = None


class _BodyError(Exception):
    def __init__(self, error_class: str, message: str, retryable: bool = False):
        super().__init__(message)
        self.error_class = error_class
        self.retryable = retryable


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _media_type(content_type: str | None) -> tuple[str | None, str | None]:
    """(media type, charset) from a Content-Type header."""
    if not content_type:
        return None, None
    msg = Message()
    msg["content-type"] = content_type
    return msg.get_content_type(), msg.get_content_charset()


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _cut_connection(response, expired: threading.Event) -> None:
    """Watchdog: end a body download that overran its time budget.

    A blocked read cannot be interrupted from its own thread; shutting the socket down from
    this timer thread makes it return at once, and `expired` tells the reader why.
    """
    expired.set()
    try:
        response.raw.shutdown()  # urllib3 >= 2.3: shuts the socket for reading, thread-safe
    except Exception:  # already finished or released: nothing left to interrupt
        pass


def _strip_fragment(url: str) -> str:
    parts = urlsplit(url.strip())
    return urlunsplit(parts._replace(fragment=""))


def _type_allowed(kind: str, media: str | None) -> bool:
    if media is None or kind == "robots":
        return True  # no header: let the parser judge the bytes
    if kind == "html":
        return media in HTML_TYPES
    return any(marker in media for marker in FEED_TYPE_MARKERS)


def _classify_exception(exc: BaseException) -> tuple[str, bool]:
    """(error_class, retryable) for an exception from requests/urllib3."""
    inner = exc.args[0] if exc.args else None
    if isinstance(exc, AddressRefused):
        return "private_address", False
    if isinstance(exc, requests.exceptions.Timeout) or isinstance(
        inner, urllib3.exceptions.ReadTimeoutError | TimeoutError
    ):
        return "timeout", True
    if isinstance(exc, requests.exceptions.SSLError):
        return "tls_error", False
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return "decode_error", False
    if isinstance(
        exc, requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError
    ):
        return "connection_error", True
    if isinstance(
        exc, requests.exceptions.InvalidURL | requests.exceptions.InvalidSchema | ValueError
    ):
        return "invalid_url", False
    return "request_error", False


class HttpClient:
    """One requests.Session (connection reuse) plus per-host robots, gates and guards.

    Thread-safe: fetch_source calls get() from several threads at once.

    `robots` seeds the robots.txt policies (by "scheme://host"), as robots_policies() of
    another client returns them. `share` = (k, n) makes this client the k-th of n processes
    fetching one source at once: each keeps its share of every host's concurrency cap and
    spaces its requests n times the crawl delay, so together they stay within the limits.
    """

    def __init__(
        self,
        source: Source,
        *,
        robots: dict[str, RobotsPolicy] | None = None,
        share: tuple[int, int] = (0, 1),
        backoff_base: float = BACKOFF_BASE,
        backoff_max: float = BACKOFF_MAX,
        retry_after_cap: float = RETRY_AFTER_CAP,
        resolver: Callable[..., list] = socket.getaddrinfo,
    ):
        self.source = source
        self.retry_after_cap = retry_after_cap
        self._backoff = wait_random_exponential(multiplier=backoff_base, max=backoff_max)
        self._resolver = resolver
        self._lock = threading.Lock()
        self._gates: dict[str, HostGate] = {}
        self._robots: dict[str, RobotsPolicy] = dict(robots or {})
        self._robots_locks: dict[str, threading.Lock] = {}
        number, self._sharers = share
        self._slots = max(1, source.max_concurrency // self._sharers
                          + (number < source.max_concurrency % self._sharers))
        for key, policy in self._robots.items():
            self._obey_crawl_delay(key, policy)
        self.session = requests.Session()
        # No proxies or .netrc from the environment (a proxy would defeat the address
        # guard) and no cookies (a crawl should not depend on, or leak, session state).
        self.session.trust_env = False
        self.session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        pool = max(2, self._slots + 1)
        adapter_cls = HTTPAdapter if source.allow_private_network else GuardedAdapter
        for prefix in ("http://", "https://"):
            self.session.mount(
                prefix, adapter_cls(pool_connections=32, pool_maxsize=pool, max_retries=0)
            )
        self.session.headers.update(
            {"User-Agent": source.user_agent, "Accept-Encoding": "gzip, deflate"}
        )

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- public -------------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept_feed: bool = False,
        run_id: str = "",
    ) -> FetchResult:
        """Fetch url (an article page, or a feed/sitemap when accept_feed). Never raises."""
        kind = "feed" if accept_feed else "html"
        try:
            return self._get(url, kind, etag, last_modified, run_id)
        except Exception as exc:  # a bug must cost one URL, not the caller's loop
            record = self._record(url, kind, run_id, 1)
            record.error_class, record.error_message = (
                "internal_error",
                f"{type(exc).__name__}: {exc}",
            )
            return FetchResult(records=[record])

    def robots_policies(self) -> dict[str, RobotsPolicy]:
        """The robots.txt policies fetched so far, by "scheme://host"."""
        with self._lock:
            return dict(self._robots)

    def robots_policy(self, url: str, run_id: str = "") -> tuple[RobotsPolicy, list[FetchRecord]]:
        """The robots.txt policy for url's host (fetched once), plus any records made now."""
        records: list[FetchRecord] = []
        parts = urlsplit(url)
        return self._robots_for(
            parts.scheme.lower(), parts.netloc.lower(), run_id, records
        ), records

    # --- one URL, all attempts ----------------------------------------------------------

    def _get(self, url: str, kind: str, etag, last_modified, run_id: str) -> FetchResult:
        max_attempts = 1 + max(0, int(self.source.max_retries))
        robots_records: list[FetchRecord] = []
        records: list[FetchRecord] = []

        def attempt() -> _Outcome:
            number = len(records) + 1
            outcome = self._attempt(url, kind, etag, last_modified, run_id, number, robots_records)
            if outcome.retryable:
                outcome.record.status = "retrying" if number < max_attempts else "failed"
            records.append(outcome.record)
            if outcome.retry_after is not None:
                self._gate(urlsplit(outcome.record.final_url or url).hostname or "").defer(
                    min(outcome.retry_after, self.retry_after_cap)
                )
            return outcome

        retryer = Retrying(
            stop=stop_after_attempt(max_attempts),
            wait=self._wait,
            retry=retry_if_result(lambda o: o.retryable),
            retry_error_callback=lambda state: state.outcome.result(),
            reraise=True,
        )
        final: _Outcome = retryer(attempt)
        return FetchResult(records=records, body=final.body, robots_records=robots_records)

    def _wait(self, retry_state) -> float:
        outcome: _Outcome = retry_state.outcome.result()
        if outcome.retry_after is not None:
            return min(outcome.retry_after, self.retry_after_cap)
        return self._backoff(retry_state)

    # --- one attempt: a chain of redirect hops -------------------------------------------

    def _record(self, url: str, kind: str, run_id: str, attempt: int) -> FetchRecord:
        return FetchRecord(
            run_id=run_id,
            source=self.source.name,
            url=url,
            attempt=attempt,
            status="failed",
            fetched_at=utc_now(),
            is_feed=kind != "html",
        )

    def _attempt(self, url, kind, etag, last_modified, run_id, attempt, robots_records) -> _Outcome:
        record = self._record(url, kind, run_id, attempt)
        started = time.monotonic()

        def done(status: str, error_class: str | None = None, message: str | None = None, **kw):
            record.status, record.error_class, record.error_message = status, error_class, message
            record.elapsed_ms = int((time.monotonic() - started) * 1000)
            return _Outcome(record=record, **kw)

        try:
            current = _strip_fragment(url)
        except ValueError as exc:
            return done("skipped", "invalid_url", str(exc))
        seen = {current}
        redirects = 0
        headers = {"Accept": ACCEPT[kind]}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        while True:
            record.final_url = current
            refusal = self._admit(current, kind, run_id, robots_records)
            if refusal is not None:
                return done(*refusal)
            gate = self._gate(urlsplit(current).hostname or "")
            with gate.slot():
                if redirects == 0:  # time the network, not the wait for the host gate
                    started = time.monotonic()
                    record.fetched_at = utc_now()
                try:
                    response = self.session.get(
                        current,
                        headers=headers,
                        stream=True,
                        allow_redirects=False,
                        timeout=(self.source.timeout_connect, self.source.timeout_read),
                    )
                except Exception as exc:
                    error_class, retryable = _classify_exception(exc)
                    status = "skipped" if error_class == "private_address" else "failed"
                    return done(
                        status, error_class, f"{type(exc).__name__}: {exc}", retryable=retryable
                    )
                with response:
                    code = response.status_code
                    record.http_status = code
                    location = response.headers.get("Location")
                    if code in REDIRECT_STATUSES and location:
                        self._drain(response)
                        try:
                            target = _strip_fragment(urljoin(current, location.strip()))
                        except ValueError as exc:
                            return done(
                                "failed", "bad_redirect", f"bad Location {location!r}: {exc}"
                            )
                        if target in seen:
                            return done(
                                "failed", "redirect_loop", f"{current} -> {target} was visited"
                            )
                        if redirects >= self.source.max_redirects:
                            return done(
                                "failed",
                                "too_many_redirects",
                                f"more than {self.source.max_redirects}",
                            )
                        seen.add(target)
                        redirects += 1
                        current = target
                        continue
                    return self._final_response(response, record, kind, done)

    def _final_response(self, response, record: FetchRecord, kind: str, done):
        code = response.status_code
        media, charset = _media_type(response.headers.get("Content-Type"))
        record.content_type, record.charset = media, charset
        record.etag = response.headers.get("ETag")
        record.last_modified = response.headers.get("Last-Modified")
        if code == 304:
            self._drain(response)
            return done("not_modified")
        if not 200 <= code < 300:
            self._drain(response)
            retryable = code >= 500 or code in RETRY_4XX
            retry_after = (
                _retry_after_seconds(response.headers.get("Retry-After"))
                if code in RETRY_AFTER_STATUSES
                else None
            )
            return done(
                "failed",
                f"http_{code}",
                response.reason,
                retryable=retryable,
                retry_after=retry_after,
            )
        if not _type_allowed(kind, media):
            return done("skipped", "not_html" if kind == "html" else "not_feed", media)
        limit = ROBOTS_MAX_BYTES if kind == "robots" else self.source.max_bytes
        declared = response.headers.get("Content-Length", "")
        if kind != "robots" and declared.isdigit() and int(declared) > limit:
            return done("failed", "too_large", f"Content-Length {declared} > {limit}")
        budget = BODY_TIME_READ_TIMEOUTS * self.source.timeout_read
        expired = threading.Event()
        watchdog = threading.Timer(budget, _cut_connection, args=(response, expired))
        watchdog.daemon = True
        watchdog.start()
        try:
            body = self._read_body(response, limit, truncate=kind == "robots", record=record)
        except _BodyError as exc:
            return done("failed", exc.error_class, str(exc), retryable=exc.retryable)
        except Exception as exc:
            error_class, retryable = _classify_exception(exc)
            if expired.is_set():
                error_class, retryable = "timeout", True
            return done("failed", error_class, f"{type(exc).__name__}: {exc}", retryable=retryable)
        finally:
            watchdog.cancel()
        if expired.is_set():  # the cut may look like a normal end of a close-delimited body
            return done("failed", "timeout", f"body took longer than {budget:g}s", retryable=True)
        record.bytes = len(body)
        return done("ok", body=body)

    @staticmethod
    def _read_body(response, limit: int, truncate: bool, record: FetchRecord) -> bytes:
        """Stream the decoded body, stopping as soon as it is too big, too slow or a bomb."""
        chunks: list[bytes] = []
        total = 0
        for chunk in response.iter_content(CHUNK_BYTES):
            total += len(chunk)
            record.bytes = total
            if total > limit:
                if truncate:  # robots.txt: the first 500 KiB count, the rest is ignored
                    chunks.append(chunk[: len(chunk) - (total - limit)])
                    break
                raise _BodyError("too_large", f"body exceeds {limit} bytes")
            wire = response.raw.tell()
            if total > RATIO_CHECK_AFTER_BYTES and total > MAX_COMPRESSION_RATIO * max(wire, 1):
                raise _BodyError("too_large", f"decompression ratio over {MAX_COMPRESSION_RATIO}")
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _drain(response) -> None:
        """Read a small unwanted body so the connection goes back to the pool."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) <= DRAIN_LIMIT:
            try:
                for _ in response.iter_content(CHUNK_BYTES):
                    pass
            except Exception:  # the connection is closed instead; nothing lost
                pass

    # --- guards -------------------------------------------------------------------------

    def _admit(self, url: str, kind: str, run_id: str, robots_records) -> tuple | None:
        """None if url may be requested now, else (status, error_class, message)."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            return ("skipped", "invalid_url", str(exc))
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            return ("skipped", "unsupported_scheme", f"scheme {scheme!r} is not fetched")
        if not parts.hostname:
            return ("skipped", "invalid_url", "no host")
        if not self.source.allow_private_network:
            try:
                check_host(
                    parts.hostname, port or (443 if scheme == "https" else 80), self._resolver
                )
            except AddressRefused as exc:
                return ("skipped", "private_address", str(exc))
            except ResolutionFailed as exc:
                return ("failed", "dns_error", str(exc))
        if kind != "robots" and self.source.obey_robots:
            policy = self._robots_for(scheme, parts.netloc.lower(), run_id, robots_records)
            if not policy.can_fetch(url, self.source.user_agent):
                return ("skipped", "robots_disallowed", policy.reason or "disallowed by robots.txt")
        return None

    def _gate(self, host: str) -> HostGate:
        # Keyed by host name, not scheme/port: http and https of one site are one server.
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                gate = HostGate(self.source.crawl_delay * self._sharers, self._slots)
                self._gates[host] = gate
            return gate

    def _obey_crawl_delay(self, key: str, policy: RobotsPolicy) -> None:
        delay = policy.crawl_delay(self.source.user_agent)
        if delay:
            self._gate(urlsplit(key).hostname or "").raise_delay(delay * self._sharers)

    def _robots_for(self, scheme: str, netloc: str, run_id: str, records: list) -> RobotsPolicy:
        key = f"{scheme}://{netloc}"
        if not self.source.obey_robots:
            return allow_everything("obey_robots is off")
        with self._lock:
            policy = self._robots.get(key)
            if policy is not None:
                return policy
            host_lock = self._robots_locks.setdefault(key, threading.Lock())
        with host_lock:  # one fetch per host even when many threads arrive at once
            with self._lock:
                policy = self._robots.get(key)
            if policy is not None:
                return policy
            result = self._get(f"{key}/robots.txt", "robots", None, None, run_id)
            records.extend(result.all_records)
            outcome = result.record
            policy = policy_from_fetch(outcome.http_status, outcome.error_class, result.body)
            self._obey_crawl_delay(key, policy)
            with self._lock:
                self._robots[key] = policy
            return policy


def _failure(
    source: Source, run_id: str, url: str, error_class: str, message: str, status="failed"
):
    return FetchRecord(
        run_id=run_id,
        source=source.name,
        url=url,
        attempt=1,
        status=status,
        fetched_at=utc_now(),
        error_class=error_class,
        error_message=message,
    )


def fetch_source(
    source: Source,
    requests: Iterable[FetchRequest],
    run_id: str,
    archive: Archive,
    on_record: Callable[[FetchRecord], None],
    client: HttpClient | None = None,
    max_workers: int = 8,
) -> dict:
    """Fetch every request concurrently, archive ok bodies, report every attempt.

    on_record is called once per FetchRecord (robots.txt fetches included), under a lock,
    as soon as each URL is finished (all its attempts), so it need not be thread-safe and
    a crash loses at most the URLs in flight. Per-URL problems never raise; an exception
    from on_record itself does (the caller's sink is broken), after in-flight URLs finish.
    requests is consumed lazily, a few per worker ahead, so memory does not grow with it.
    Returns {"requested": n, "by_status": {...}, "by_error_class": {...}} over all records.
    """
    own_client = client is None
    client = client or HttpClient(source)
    workers = max(1, max_workers)
    lock = threading.Lock()
    by_status: Counter[str] = Counter()
    by_error: Counter[str] = Counter()

    def emit(records: list[FetchRecord]) -> None:
        with lock:
            for record in records:
                on_record(record)
                by_status[record.status] += 1
                if record.error_class:
                    by_error[record.error_class] += 1

    def work(request: FetchRequest) -> None:
        try:
            result = client.get(
                request.url, etag=request.etag, last_modified=request.last_modified, run_id=run_id
            )
            if result.record.status == "ok" and result.body is not None:
                try:
                    result.record.content_sha256 = archive.put(result.body)
                except Exception as exc:  # the fetch worked, but without the body it is lost
                    result.record.status = "failed"
                    result.record.error_class = "archive_error"
                    result.record.error_message = f"{type(exc).__name__}: {exc}"
            records = result.all_records
        except Exception as exc:  # a bug must cost one URL, not the run
            records = [
                _failure(
                    source, run_id, request.url, "internal_error", f"{type(exc).__name__}: {exc}"
                )
            ]
        emit(records)

    def run(pool: ThreadPoolExecutor) -> int:
        """Submit every request, keeping a bounded number in flight; returns how many."""
        requested = 0
        seen: set[str] = set()
        in_flight: set[Future] = set()
        for request in requests:
            requested += 1
            if request.url in seen:
                emit(
                    [
                        _failure(
                            source, run_id, request.url, "duplicate", "requested twice", "skipped"
                        )
                    ]
                )
                continue
            seen.add(request.url)
            if len(in_flight) >= IN_FLIGHT_PER_WORKER * workers:
                finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    future.result()
            in_flight.add(pool.submit(work, request))
        for future in as_completed(in_flight):
            future.result()
        return requested

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            try:
                requested = run(pool)
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # do not start more URLs
                raise
    finally:
        if own_client:
            client.close()
    return {
        "requested": requested,
        "by_status": dict(by_status),
        "by_error_class": dict(by_error),
    }
