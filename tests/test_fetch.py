"""HttpClient / fetch_source / archive / decode_html against a local server (127.0.0.1 only)."""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import itertools
import re
import socket
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug import Request, Response

from extractors.archive import Archive, ArchiveError
from extractors.config import Source
from extractors.encoding import decode_html
from extractors.fetch import CHUNK_BYTES, IN_FLIGHT_PER_WORKER, HttpClient, fetch_source
from extractors.netguard import is_public_address
from extractors.records import FetchRequest
from tests import http_site
from tests.http_site import local_source, paths

HTML = b"<html><head><title>t</title></head><body><p>Hello</p></body></html>"
HTML_TYPE = "text/html; charset=utf-8"
FAST = 5.0  # seconds: any single test case here should be far quicker than this

local_server, srv = http_site.local_server, http_site.srv
keep_alive_site = http_site.keep_alive_site


def make_source(**overrides) -> Source:
    return local_source(**{"max_retries": 2, **overrides})


def make_client(source: Source, **kw) -> HttpClient:
    kw = {"backoff_base": 0.01, "backoff_max": 0.05, "retry_after_cap": 2.0, **kw}
    return HttpClient(source, **kw)


def serve_html(srv, path="/a", body=HTML, **kw):
    srv.expect_request(path).respond_with_data(body, content_type=kw.pop("ct", HTML_TYPE), **kw)


# --- plain fetches --------------------------------------------------------------------


def test_ok_page_records_headers_and_identifies_itself(srv):
    seen = {}

    def handler(request: Request) -> Response:
        seen["ua"] = request.headers.get("User-Agent")
        return Response(HTML, content_type=HTML_TYPE, headers={"ETag": '"v1"'})

    srv.expect_request("/a").respond_with_handler(handler)
    source = make_source(user_agent="acme-news-bot/2.0 (+https://acme.example/bot)")
    with make_client(source) as client:
        result = client.get(srv.url_for("/a"), run_id="r1")
    rec = result.record
    assert (rec.status, rec.http_status, rec.attempt) == ("ok", 200, 1)
    assert (rec.content_type, rec.charset, rec.etag) == ("text/html", "utf-8", '"v1"')
    assert rec.bytes == len(HTML) and result.body == HTML
    assert rec.run_id == "r1" and rec.source == "test" and not rec.is_feed
    assert seen["ua"] == "acme-news-bot/2.0 (+https://acme.example/bot)"


def test_pdf_is_skipped_as_not_html(srv):
    srv.expect_request("/doc.pdf").respond_with_data(
        b"%PDF-1.7 ...", content_type="application/pdf"
    )
    with make_client(make_source()) as client:
        result = client.get(srv.url_for("/doc.pdf"))
    assert (result.record.status, result.record.error_class) == ("skipped", "not_html")
    assert result.body is None


@pytest.mark.parametrize("code", [404, 410])
def test_client_errors_are_final_without_retry(srv, code):
    srv.expect_request("/gone").respond_with_data("no", status=code)
    with make_client(make_source(max_retries=3)) as client:
        result = client.get(srv.url_for("/gone"))
    assert [(r.status, r.error_class) for r in result.records] == [("failed", f"http_{code}")]
    assert paths(srv) == ["/gone"]


def test_server_error_then_success_is_retried(srv):
    srv.expect_oneshot_request("/flaky").respond_with_data("boom", status=500)
    serve_html(srv, "/flaky")
    with make_client(make_source()) as client:
        result = client.get(srv.url_for("/flaky"))
    assert [(r.attempt, r.status, r.http_status) for r in result.records] == [
        (1, "retrying", 500),
        (2, "ok", 200),
    ]
    assert result.records[0].error_class == "http_500"
    assert result.body == HTML


def test_persistent_server_error_gives_up_after_max_retries(srv):
    srv.expect_request("/down").respond_with_data("down", status=503)
    with make_client(make_source(max_retries=1)) as client:
        result = client.get(srv.url_for("/down"))
    assert [r.status for r in result.records] == ["retrying", "failed"]
    assert result.record.error_class == "http_503"


def test_408_request_timeout_is_retried(srv):
    srv.expect_oneshot_request("/late").respond_with_data("", status=408)
    serve_html(srv, "/late")
    with make_client(make_source()) as client:
        result = client.get(srv.url_for("/late"))
    assert [(r.status, r.http_status) for r in result.records] == [("retrying", 408), ("ok", 200)]


def _http_date_in(seconds: float) -> str:
    return email.utils.formatdate(time.time() + seconds, usegmt=True)


@pytest.mark.parametrize(
    "code,retry_after",
    [(429, lambda: "1"), (503, lambda: "2"), (503, lambda: _http_date_in(2))],
)
def test_429_and_503_wait_for_retry_after(srv, code, retry_after):
    srv.expect_oneshot_request("/busy").respond_with_data(
        "slow down", status=code, headers={"Retry-After": retry_after()}
    )
    serve_html(srv, "/busy")
    started = time.monotonic()
    # Backoff alone would retry after at most 0.05 s: only Retry-After explains the wait.
    with make_client(make_source()) as client:
        result = client.get(srv.url_for("/busy"))
    elapsed = time.monotonic() - started
    assert [(r.status, r.http_status) for r in result.records] == [("retrying", code), ("ok", 200)]
    assert 0.9 <= elapsed < FAST


def test_slow_response_times_out(srv):
    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response(HTML, content_type=HTML_TYPE)

    srv.expect_request("/slow").respond_with_handler(slow)
    started = time.monotonic()
    with make_client(make_source(timeout_read=0.3, max_retries=1)) as client:
        result = client.get(srv.url_for("/slow"))
    assert [(r.status, r.error_class) for r in result.records] == [
        ("retrying", "timeout"),
        ("failed", "timeout"),
    ]
    assert time.monotonic() - started < 1.5  # two 0.3 s timeouts, not two 1 s responses


def test_connect_timeout():
    # A listener whose accept queue is full: Linux drops further SYNs, so connecting hangs.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = [socket.socket() for _ in range(3)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        time.sleep(0.1)
        started = time.monotonic()
        source = make_source(timeout_connect=0.3, timeout_read=5.0, max_retries=0)
        with make_client(source) as client:
            result = client.get(f"http://127.0.0.1:{port}/a")
        elapsed = time.monotonic() - started
        for filler in fillers:
            filler.close()
    assert (result.record.status, result.record.error_class) == ("failed", "timeout")
    assert "ConnectTimeout" in result.record.error_message
    assert elapsed < 2.0  # the 0.3 s connect timeout, not the 5 s read timeout


def test_trickling_body_is_cut_off_by_the_total_budget(srv):
    def trickle(request: Request) -> Response:
        def drip():
            for _ in range(100):  # one byte per 0.1 s: never trips a 0.3 s read timeout
                time.sleep(0.1)
                yield b"x"

        return Response(drip(), content_type="text/html")

    srv.expect_request("/drip").respond_with_handler(trickle)
    started = time.monotonic()
    with make_client(make_source(timeout_read=0.3, max_retries=0)) as client:
        result = client.get(srv.url_for("/drip"))
    assert (result.record.status, result.record.error_class) == ("failed", "timeout")
    assert time.monotonic() - started < 3.0  # budget: 4 x 0.3 s, not the 10 s the body takes


def test_refused_connection_is_retried_then_recorded():
    with socket.socket() as probe:  # a port nothing listens on once this closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with make_client(make_source(max_retries=1)) as client:
        result = client.get(f"http://127.0.0.1:{port}/a")
    assert [(r.status, r.error_class) for r in result.records] == [
        ("retrying", "connection_error"),
        ("failed", "connection_error"),
    ]
    assert "refused" in result.record.error_message.lower()


def test_conditional_get_304_is_not_modified(srv):
    got = {}

    def handler(request: Request) -> Response:
        got.update(request.headers)
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(HTML, content_type=HTML_TYPE)

    srv.expect_request("/cond").respond_with_handler(handler)
    lm = "Wed, 01 Apr 2026 10:00:00 GMT"
    with make_client(make_source()) as client:
        result = client.get(srv.url_for("/cond"), etag='"v1"', last_modified=lm)
    assert (result.record.status, result.record.http_status) == ("not_modified", 304)
    assert result.body is None
    assert got["If-Modified-Since"] == lm


# --- redirects ------------------------------------------------------------------------


def test_redirect_chain_is_followed(srv):
    srv.expect_request("/r1").respond_with_data("", status=301, headers={"Location": "/r2"})
    srv.expect_request("/r2").respond_with_data(
        "", status=302, headers={"Location": srv.url_for("/final")}
    )
    serve_html(srv, "/final")
    with make_client(make_source()) as client:
        result = client.get(srv.url_for("/r1"))
    rec = result.record
    assert (rec.status, rec.http_status, rec.final_url) == ("ok", 200, srv.url_for("/final"))
    assert len(result.records) == 1 and result.body == HTML


def test_redirect_loop_is_detected(srv):
    srv.expect_request("/loop-a").respond_with_data("", status=302, headers={"Location": "/loop-b"})
    srv.expect_request("/loop-b").respond_with_data("", status=302, headers={"Location": "/loop-a"})
    with make_client(make_source()) as client:
        result = client.get(srv.url_for("/loop-a"))
    assert [(r.status, r.error_class) for r in result.records] == [("failed", "redirect_loop")]
    assert paths(srv) == ["/loop-a", "/loop-b"]


def test_too_many_redirects(srv):
    for i in range(4):
        srv.expect_request(f"/hop{i}").respond_with_data(
            "", status=307, headers={"Location": f"/hop{i + 1}"}
        )
    serve_html(srv, "/hop4")
    with make_client(make_source(max_redirects=2)) as client:
        result = client.get(srv.url_for("/hop0"))
    assert result.record.error_class == "too_many_redirects"
    assert paths(srv) == ["/hop0", "/hop1", "/hop2"]


def test_trailing_slash_redirect_is_not_a_loop(srv):
    # normalize_url drops the slash; a server that wants it back must not look like a loop.
    srv.expect_request("/dir").respond_with_data("", status=301, headers={"Location": "/dir/"})
    serve_html(srv, "/dir/")
    with make_client(make_source()) as client:
        assert client.get(srv.url_for("/dir")).record.status == "ok"


def test_redirect_to_other_scheme_is_refused(srv):
    srv.expect_request("/to-ftp").respond_with_data(
        "", status=301, headers={"Location": "ftp://127.0.0.1/file"}
    )
    with make_client(make_source()) as client:
        result = client.get(srv.url_for("/to-ftp"))
    assert (result.record.status, result.record.error_class) == ("skipped", "unsupported_scheme")


# --- bounds ---------------------------------------------------------------------------


def test_huge_streamed_body_is_cut_off_early(srv):
    sent = [0]
    total = 50 * 1024 * 1024

    def stream(request: Request) -> Response:
        def chunks():
            block = b"<p>" + b"x" * (CHUNK_BYTES - 3)
            while sent[0] < total:
                sent[0] += len(block)
                yield block

        return Response(chunks(), content_type="text/html")  # no Content-Length

    srv.expect_request("/big").respond_with_handler(stream)
    limit = 1_000_000
    started = time.monotonic()
    with make_client(make_source(max_bytes=limit, max_retries=0)) as client:
        result = client.get(srv.url_for("/big"))
    assert (result.record.status, result.record.error_class) == ("failed", "too_large")
    assert result.record.bytes <= limit + CHUNK_BYTES
    assert time.monotonic() - started < FAST
    time.sleep(0.2)  # let the server notice the closed connection
    assert sent[0] < 20 * 1024 * 1024  # far from 50 MB: the client stopped reading


def test_declared_content_length_over_limit_is_refused_before_reading(srv):
    serve_html(srv, "/declared", body=b"x" * 5000)
    with make_client(make_source(max_bytes=1000)) as client:
        result = client.get(srv.url_for("/declared"))
    assert result.record.error_class == "too_large" and result.record.bytes is None


def _gzip_bomb(decoded_size: int) -> bytes:
    # Concatenated gzip members decode to the concatenation: 1 GB of zeros in ~1 MB.
    member_size = 16 * 1024 * 1024
    member = gzip.compress(b"\0" * member_size, compresslevel=9)
    return member * (decoded_size // member_size)


@pytest.mark.parametrize(
    "max_bytes,reason", [(500_000, "exceeds"), (2_000_000_000, "decompression ratio")]
)
def test_gzip_bomb_is_stopped(srv, max_bytes, reason):
    # A small max_bytes trips the size limit; with a huge one the ratio limit must trip.
    bomb = _gzip_bomb(1024 * 1024 * 1024)

    def stream(request: Request) -> Response:
        # Streamed, so no Content-Length: the early "declared too large" check cannot help.
        chunks = (bomb[i : i + CHUNK_BYTES] for i in range(0, len(bomb), CHUNK_BYTES))
        return Response(chunks, content_type="text/html", headers={"Content-Encoding": "gzip"})

    srv.expect_request("/bomb").respond_with_handler(stream)
    started = time.monotonic()
    with make_client(make_source(max_bytes=max_bytes, max_retries=0)) as client:
        result = client.get(srv.url_for("/bomb"))
    assert (result.record.status, result.record.error_class) == ("failed", "too_large")
    assert reason in result.record.error_message
    assert result.record.bytes <= 11_000_000  # decoded bytes held, of the 1 GB on offer
    assert time.monotonic() - started < FAST


# --- guards ---------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_private_address_refused_without_any_request(srv, host):
    serve_html(srv, "/a")
    with make_client(make_source(allow_private_network=False)) as client:
        result = client.get(f"http://{host}:{srv.port}/a")
    assert (result.record.status, result.record.error_class) == ("skipped", "private_address")
    assert srv.log == []


def test_dns_rebinding_is_caught_at_connect_time(srv):
    # The pre-check is told the host is public; the socket still lands on 127.0.0.1.
    def lying_resolver(host, port, *args):
        return [(2, 1, 6, "", ("8.8.8.8", port))]

    serve_html(srv, "/a")
    client = make_client(make_source(allow_private_network=False), resolver=lying_resolver)
    with client:
        result = client.get(srv.url_for("/a"))
    assert (result.record.status, result.record.error_class) == ("skipped", "private_address")
    assert srv.log == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://x/"])
def test_non_http_schemes_refused(url):
    with make_client(make_source()) as client:
        result = client.get(url)
    assert (result.record.status, result.record.error_class) == ("skipped", "unsupported_scheme")


@pytest.mark.parametrize(
    "ip,public",
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 wrapping 127.0.0.1
    ],
)
def test_is_public_address(ip, public):
    assert is_public_address(ip) is public


# --- robots.txt and politeness --------------------------------------------------------


def test_robots_disallow_is_obeyed_and_fetched_once(srv):
    srv.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private\n", content_type="text/plain"
    )
    serve_html(srv, "/public")
    serve_html(srv, "/private/page")
    with make_client(make_source(obey_robots=True)) as client:
        first = client.get(srv.url_for("/public"))
        second = client.get(srv.url_for("/private/page"))
    assert first.record.status == "ok"
    assert (second.record.status, second.record.error_class) == ("skipped", "robots_disallowed")
    assert [r.url for r in first.robots_records] == [srv.url_for("/robots.txt")]
    assert first.robots_records[0].is_feed and second.robots_records == []
    assert paths(srv) == ["/robots.txt", "/public"]


def test_robots_rules_for_our_user_agent(srv):
    srv.expect_request("/robots.txt").respond_with_data(
        "User-agent: news-warehouse\nDisallow: /\n\nUser-agent: *\nAllow: /\n",
        content_type="text/plain",
    )
    serve_html(srv, "/a")
    with make_client(make_source(obey_robots=True)) as client:
        assert client.get(srv.url_for("/a")).record.error_class == "robots_disallowed"


@pytest.mark.parametrize("code,allowed", [(404, True), (403, True), (500, False), (429, False)])
def test_robots_fetch_failure_policy(srv, code, allowed):
    srv.expect_request("/robots.txt").respond_with_data("", status=code)
    serve_html(srv, "/a")
    with make_client(make_source(obey_robots=True, max_retries=0)) as client:
        result = client.get(srv.url_for("/a"))
    assert (result.record.status == "ok") is allowed
    if not allowed:
        assert result.record.error_class == "robots_disallowed"


def test_robots_crawl_delay_spaces_requests(srv):
    starts: list[float] = []

    def handler(request: Request) -> Response:
        starts.append(time.monotonic())
        return Response(HTML, content_type=HTML_TYPE)

    srv.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nCrawl-delay: 0.2\n", content_type="text/plain"
    )
    srv.expect_request("/a").respond_with_handler(handler)
    srv.expect_request("/b").respond_with_handler(handler)
    with make_client(make_source(obey_robots=True, max_concurrency=2)) as client:
        client.get(srv.url_for("/a"))
        client.get(srv.url_for("/b"))
    assert len(starts) == 2 and starts[1] - starts[0] >= 0.19


class SlowPages:
    """A handler taking 0.05 s a page that notes when each request started (by path) and
    the most requests in flight at once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.starts: list[tuple[str, float]] = []
        self.active = self.most_active = 0

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.starts.append((request.path, time.monotonic()))
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        time.sleep(0.05)
        with self.lock:
            self.active -= 1
        return Response(HTML + request.path.encode(), content_type=HTML_TYPE)

    def least_spacing(self, prefix: str) -> float:
        times = sorted(t for path, t in self.starts if path.startswith(prefix))
        return min(b - a for a, b in itertools.pairwise(times))


def test_source_crawl_delay_and_concurrency_under_threads(srv, tmp_path):
    pages = SlowPages()
    for i in range(4):
        srv.expect_request(f"/p{i}").respond_with_handler(pages)
    source = make_source(crawl_delay=0.15, max_concurrency=1)
    requests = [FetchRequest("test", srv.url_for(f"/p{i}")) for i in range(4)]
    fetch_source(source, requests, "r", Archive(str(tmp_path)), lambda r: None, max_workers=4)
    assert len(pages.starts) == 4 and pages.most_active == 1
    assert pages.least_spacing("/p") >= 0.14


def test_clients_sharing_a_source_keep_its_limits_together(srv, tmp_path):
    # Two processes fetching one source (stages.fetch), here two clients in two threads.
    pages = SlowPages()
    for name in "ab":
        for i in range(6):
            srv.expect_request(f"/{name}{i}").respond_with_handler(pages)
    source = make_source(crawl_delay=0.05, max_concurrency=3)

    def share(number: int, name: str) -> None:
        requests = [FetchRequest("test", srv.url_for(f"/{name}{i}")) for i in range(6)]
        with make_client(source, share=(number, 2)) as client:
            fetch_source(source, requests, "r", Archive(str(tmp_path)), lambda r: None,
                         client=client, max_workers=4)

    threads = [threading.Thread(target=share, args=args) for args in ((0, "a"), (1, "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(pages.starts) == 12 and pages.most_active <= 3  # 2 slots and 1
    # Each spaces its requests twice the delay, so the host sees about the delay.
    assert pages.least_spacing("/a") >= 0.095 and pages.least_spacing("/b") >= 0.095


def test_connections_are_reused(keep_alive_site):
    site = keep_alive_site
    page = (200, {"Content-Type": HTML_TYPE}, HTML)
    site.pages.update(
        {
            "/c1": page,
            "/c2": page,
            "/c3": page,
            "/c-missing": (404, {}, b"gone"),
            "/c-move": (301, {"Location": "/c3"}, b"moved"),
        }
    )
    with make_client(make_source()) as client:
        results = [client.get(site.url_for(p)) for p in ("/c1", "/c-missing", "/c2", "/c-move")]
    assert [r.record.status for r in results] == ["ok", "failed", "ok", "ok"]
    # One TCP connection for all of it: error and redirect bodies are drained, not dropped.
    assert [path for _, path in site.requests] == ["/c1", "/c-missing", "/c2", "/c-move", "/c3"]
    assert len({port for port, _ in site.requests}) == 1


def test_hosts_are_fetched_concurrently_each_within_its_own_limit(srv, tmp_path):
    # 127.0.0.1 and localhost are one server but two hosts to the crawler: two gates.
    lock = threading.Lock()
    active: dict[str, list[int]] = {}  # host -> [now, max]
    overall = [0, 0]

    def handler(request: Request) -> Response:
        host = request.host.split(":")[0]
        with lock:
            counts = active.setdefault(host, [0, 0])
            counts[0] += 1
            counts[1] = max(counts)
            overall[0] += 1
            overall[1] = max(overall)
        time.sleep(0.2)
        with lock:
            counts[0] -= 1
            overall[0] -= 1
        return Response(HTML, content_type=HTML_TYPE)

    for i in range(3):
        srv.expect_request(f"/h{i}").respond_with_handler(handler)
    requests = [
        FetchRequest("test", f"http://{host}:{srv.port}/h{i}")
        for i in range(3)
        for host in ("127.0.0.1", "localhost")
    ]
    started = time.monotonic()
    counts = fetch_source(
        make_source(max_concurrency=1), requests, "r", Archive(str(tmp_path)), lambda r: None
    )
    assert counts["by_status"] == {"ok": 6}
    assert {host: c[1] for host, c in active.items()} == {"127.0.0.1": 1, "localhost": 1}
    assert overall[1] == 2
    assert time.monotonic() - started < 6 * 0.2  # the hosts overlapped


# --- fetch_source ---------------------------------------------------------------------


def test_fetch_source_archives_and_reports_every_attempt(srv, tmp_path):
    serve_html(srv, "/ok1", body=HTML + b"1")
    serve_html(srv, "/ok2", body=HTML + b"2")
    srv.expect_request("/missing").respond_with_data("", status=404)
    srv.expect_request("/file.pdf").respond_with_data(b"%PDF", content_type="application/pdf")
    srv.expect_oneshot_request("/flaky").respond_with_data("", status=502)
    serve_html(srv, "/flaky", body=HTML + b"f")
    urls = ["/ok1", "/ok2", "/missing", "/file.pdf", "/flaky", "/ok1"]
    requests = [FetchRequest("test", srv.url_for(p)) for p in urls]
    inside = threading.Lock()
    received = []

    def on_record(record):
        assert inside.acquire(blocking=False), "on_record entered concurrently"
        try:
            received.append(record)
        finally:
            inside.release()

    archive = Archive(str(tmp_path / "archive"))
    counts = fetch_source(make_source(), requests, "run-1", archive, on_record, max_workers=4)

    assert counts["requested"] == 6
    assert counts["by_status"] == {"ok": 3, "failed": 1, "skipped": 2, "retrying": 1}
    assert counts["by_error_class"] == {
        "http_404": 1,
        "not_html": 1,
        "http_502": 1,
        "duplicate": 1,
    }
    assert len(received) == 7 and all(r.run_id == "run-1" for r in received)
    for record in received:
        if record.status == "ok":
            body = archive.get(record.content_sha256)
            assert body.startswith(HTML)
            assert record.content_sha256 == hashlib.sha256(body).hexdigest()
        else:
            assert record.content_sha256 is None


def test_fetch_source_reads_its_requests_lazily(srv, tmp_path):
    # Memory must not grow with the number of URLs: only a bounded window is in flight.
    srv.expect_request(re.compile(r"/lazy/\d+")).respond_with_data(HTML, content_type=HTML_TYPE)
    pulled = [0]
    ahead: list[int] = []  # requests taken from the iterator but not yet reported

    def requests():
        for i in range(200):
            pulled[0] += 1
            yield FetchRequest("test", srv.url_for(f"/lazy/{i}"))

    def on_record(record):
        ahead.append(pulled[0] - len(ahead) - 1)

    archive = Archive(str(tmp_path))
    counts = fetch_source(make_source(), requests(), "r", archive, on_record, max_workers=2)
    assert counts["requested"] == 200 and counts["by_status"] == {"ok": 200}
    assert max(ahead) <= IN_FLIGHT_PER_WORKER * 2 + 1


def test_broken_record_sink_stops_the_run_without_starting_more_urls(srv, tmp_path):
    srv.expect_request(re.compile(r"/sink/\d+")).respond_with_data(HTML, content_type=HTML_TYPE)
    requests = [FetchRequest("test", srv.url_for(f"/sink/{i}")) for i in range(100)]

    def on_record(record):
        raise OSError("log disk full")

    with pytest.raises(OSError, match="log disk full"):
        fetch_source(make_source(), requests, "r", Archive(str(tmp_path)), on_record, max_workers=2)
    assert 1 <= len(srv.log) <= IN_FLIGHT_PER_WORKER * 2 + 1  # in flight, not all 100


def test_fetch_source_turns_archive_failure_into_a_record(srv):
    class BrokenArchive:
        def put(self, body):
            raise OSError("disk full")

    serve_html(srv, "/a")
    received = []
    counts = fetch_source(
        make_source(),
        [FetchRequest("test", srv.url_for("/a"))],
        "r",
        BrokenArchive(),
        received.append,
    )
    assert counts["by_error_class"] == {"archive_error": 1}
    assert received[0].status == "failed"


# --- charset handling -----------------------------------------------------------------

CP1252_PAGE = (
    "<html><body><p>The café served a “perfect” crème brûlée — the naïve critic’s résumé"
    " said so.</p></body></html>"
)


def test_wrong_header_charset_falls_back_to_detection(srv):
    body = CP1252_PAGE.encode("cp1252")
    srv.expect_request("/cp").respond_with_data(body, content_type="text/html; charset=utf-8")
    with make_client(make_source()) as client:
        result = client.get(srv.url_for("/cp"))
    assert result.record.charset == "utf-8"
    text, used = decode_html(result.body, result.record.charset)
    assert text == CP1252_PAGE and used == "cp1252"


def test_meta_charset_used_when_header_has_none(srv):
    page = '<html><head><meta charset="windows-1252"></head><body>caf\xe9 “q”</body></html>'
    srv.expect_request("/meta").respond_with_data(page.encode("cp1252"), content_type="text/html")
    with make_client(make_source()) as client:
        result = client.get(srv.url_for("/meta"))
    assert result.record.charset is None
    assert decode_html(result.body, None) == (page, "cp1252")


@pytest.mark.parametrize(
    "body,header,expected",
    [
        ("\ufeffBOM wins".encode("utf-8"), "iso-8859-1", ("BOM wins", "utf-8")),
        ("utf16".encode("utf-16"), None, ("utf16", "utf-16-le")),
        (b"plain ascii", "no-such-charset", ("plain ascii", "ascii")),
        ("ünïcode".encode(), "utf-8", ("ünïcode", "utf-8")),
        (
            b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">\x93',
            None,
            ('<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">“', "cp1252"),
        ),
    ],
)
def test_decode_html_order(body, header, expected):
    assert decode_html(body, header) == expected


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=512), header=st.one_of(st.none(), st.text(max_size=20)))
def test_decode_html_never_raises(body, header):
    text, used = decode_html(body, header)
    assert isinstance(text, str) and used


# --- archive --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["dir", "file_url", "memory"])
def test_archive_round_trip(tmp_path, kind):
    url = {
        "dir": str(tmp_path / "arch"),
        "file_url": f"file://{tmp_path}/arch",
        "memory": f"memory://archive-test-{tmp_path.name}",
    }[kind]
    archive = Archive(url)
    body = b"<html>" + bytes(range(256)) + b"</html>"
    sha = archive.put(body)
    assert sha == hashlib.sha256(body).hexdigest()
    assert archive.exists(sha) and archive.get(sha) == body
    assert archive.put(body) == sha  # idempotent
    stored = archive.fs.find(archive.root)
    assert stored == [f"{archive.root}/{sha[:2]}/{sha}.gz"]  # no temp files left behind
    assert not archive.exists("0" * 64)
    with pytest.raises(ArchiveError):
        archive.get("0" * 64)
    with pytest.raises(ArchiveError):
        archive.get("../../etc/passwd")
