"""Small programmable HTTP sites on 127.0.0.1 for the fault scenarios.

Site maps a path to a handler returning a Reply; handlers may be swapped between runs (an
edited article) and every request is counted. hostile_routes() is every misbehaviour the
crawler must survive at once; article_html() is a page the parser accepts as an article.
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOST = "127.0.0.1"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # before the status line
    drip: float = 0.0  # seconds between single bytes of the body
    stream: Iterator[bytes] | None = None  # body of unknown length (connection-delimited)
    content_type: str | None = "text/html; charset=utf-8"


Handler = Callable[[BaseHTTPRequestHandler], Reply]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address):
        pass  # clients giving up on a slow or huge answer is the point, not an error


class Site:
    """A server whose routes are plain functions: `site.routes[path] = handler`."""

    def __init__(self):
        self.routes: dict[str, Handler] = {}
        self.hits: Counter[str] = Counter()
        site = self

        class Handle(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                path = urlsplit(self.path).path
                site.hits[path] += 1
                handler = site.routes.get(path)
                reply = handler(self) if handler else Reply(404, b"not found")
                site._send(self, reply)

            def log_message(self, *args):
                pass

        self.server = _Server((HOST, 0), Handle)
        self.base_url = f"http://{HOST}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return self.base_url + path

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        time.sleep(reply.delay)
        try:
            handler.send_response(reply.status)
            headers = dict(reply.headers)
            if reply.content_type:
                headers.setdefault("Content-Type", reply.content_type)
            if reply.stream is None:
                headers.setdefault("Content-Length", str(len(reply.body)))
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            if reply.stream is not None:
                for chunk in reply.stream:
                    handler.wfile.write(chunk)
            elif reply.drip:
                for i in range(len(reply.body)):
                    handler.wfile.write(reply.body[i:i + 1])
                    handler.wfile.flush()
                    time.sleep(reply.drip)
            else:
                handler.wfile.write(reply.body)
        except OSError:
            pass  # the client hung up (timeout, too large): expected here


def static(body: bytes | str, content_type: str = "text/html; charset=utf-8",
           status: int = 200, **headers) -> Handler:
    data = body.encode() if isinstance(body, str) else body
    return lambda _request: Reply(status, data, headers, content_type=content_type)


def versioned(body: str, last_modified: str) -> Handler:
    """A page with an ETag from its content, answering If-None-Match with 304."""
    data = body.encode()
    etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'

    def handle(request) -> Reply:
        headers = {"ETag": etag, "Last-Modified": last_modified}
        if request.headers.get("If-None-Match") == etag:
            return Reply(304, b"", headers, content_type=None)
        return Reply(200, data, headers)

    return handle


# --- pages ------------------------------------------------------------------------------

FILLER = ("The ministry said the review would take several weeks and that officials from "
          "three departments had been asked to submit evidence before the end of the month. ")


def article_html(title: str, paragraphs: list[str], published: str, author="Ana Reyes") -> str:
    """An ordinary news article page: JSON-LD plus the body in <article> (all escaped)."""
    body = [*paragraphs, FILLER * 3]
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
            "datePublished": published, "author": [{"@type": "Person", "name": author}]}
    ld = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in body)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title>"
            f"<script type='application/ld+json'>{ld}</script></head><body><main><article>"
            f"<h1>{html.escape(title)}</h1><p class='byline'>By {html.escape(author)}</p>"
            f"<time datetime='{published}'>{published}</time>\n{paras}</article></main>"
            f"</body></html>")


def sitemap_xml(entries: list[tuple[str, str | None]]) -> str:
    urls = "".join(f"<url><loc>{html.escape(loc)}</loc>"
                   + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + "</url>"
                   for loc, lastmod in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')


# --- the hostile site ---------------------------------------------------------------------

HOSTILE_TIMEOUT_READ = 1.0
HOSTILE_MAX_BYTES = 300_000
RETRY_AFTER_SECONDS = 1


def _busy_then_ok(page: str) -> Handler:
    """429 with Retry-After the first time, the article after that."""
    calls = Counter()

    def handle(_request) -> Reply:
        calls["n"] += 1
        if calls["n"] == 1:
            return Reply(429, b"slow down", {"Retry-After": str(RETRY_AFTER_SECONDS)})
        return Reply(200, page.encode())

    return handle


def _endless(chunk: bytes) -> Handler:
    def stream():
        for _ in range(HOSTILE_MAX_BYTES // len(chunk) * 4):
            yield chunk

    return lambda _request: Reply(200, stream=stream())


def hostile_routes(base: str) -> tuple[dict[str, Handler], dict[str, str]]:
    """(routes, {page path: the error_class or parse_status it must end up as})."""
    good = article_html("Harbour dues rise for the first time in a decade",
                        ["Port officials confirmed the increase on Tuesday."],
                        "2026-05-03T09:00:00+00:00")
    latin1 = article_html("Café owners protest the new rules", ["Señora Núñez said no."],
                          "2026-05-03T10:00:00+00:00").encode("latin-1", errors="replace")
    pages: dict[str, tuple[Handler, str]] = {
        "/h/good.html": (static(good), "ok"),
        "/h/busy.html": (_busy_then_ok(good.replace("Harbour dues", "Harbour fees")), "ok"),
        "/h/slow.html": (lambda _r: Reply(200, good.encode(), delay=3 * HOSTILE_TIMEOUT_READ),
                         "timeout"),
        "/h/trickle.html": (lambda _r: Reply(200, good.encode()[:200], drip=0.05), "timeout"),
        "/h/error.html": (static("oops", status=500), "http_500"),
        "/h/unavailable.html": (static("down", status=503, **{"Retry-After": "1"}),
                                "http_503"),
        "/h/gone.html": (static("gone", status=404), "http_404"),
        "/h/loop-a.html": (static("", status=302, Location=base + "/h/loop-b.html"),
                           "redirect_loop"),
        "/h/loop-b.html": (static("", status=302, Location=base + "/h/loop-a.html"),
                           "redirect_loop"),
        "/h/to-file.html": (static("", status=302, Location="file:///etc/passwd"),
                            "unsupported_scheme"),
        "/h/huge.html": (static(b"<p>" + b"x" * (HOSTILE_MAX_BYTES * 2)), "too_large"),
        "/h/endless.html": (_endless(b"<p>" + b"y" * 8190 + b"</p>"), "too_large"),
        "/h/image.png": (static(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "image/png"),
                         "not_html"),
        "/h/binary.html": (static(bytes(range(256)) * 64), "parse_error"),
        "/h/latin1.html": (static(latin1, "text/html; charset=utf-8"), "ok"),
        "/h/nul.html": (static(b"<html>\x00\x00\xff\xfe<body>" + b"\x00" * 5000),
                        "parse_error"),
        "/h/listing.html": (static("<html><body><nav><a href='/a'>Home</a></nav>"
                                   "<ul><li>One</li><li>Two</li></ul></body></html>"),
                            "not_an_article"),
        "/h/empty.html": (static(""), "empty_body"),
    }
    page_urls = [(base + path, "2026-05-03T12:00:00+00:00") for path in pages]
    hostile_urls = [("file:///etc/passwd", None), ("ftp://127.0.0.1/x.html", None),
                    ("javascript:alert(1)", None)]
    routes = {path: handler for path, (handler, _) in pages.items()}
    routes.update({
        "/robots.txt": static("User-agent: *\nAllow: /\n", "text/plain"),
        "/h/sitemap.xml": static(sitemap_xml(page_urls + hostile_urls), "application/xml"),
        "/h/rss.xml": static("<?xml version='1.0'?><rss><channel><item><link>",
                             "application/rss+xml"),
        "/h/garbage-feed.xml": static(bytes(range(256)) * 8, "application/xml"),
        "/h/html-feed.xml": static("<html><body>not a feed</body></html>", "text/html"),
        "/h/empty-feed.xml": static("", "application/rss+xml"),
        "/h/broken-sitemap.xml": static("<urlset><url><loc>", "application/xml"),
        "/h/self-index.xml": static(
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
            f'<loc>{base}/h/self-index.xml</loc></sitemap></sitemapindex>', "application/xml"),
    })
    expected = {base + path: outcome for path, (_, outcome) in pages.items()}
    return routes, expected


def hostile_source(base: str) -> dict:
    return {"name": "hostile", "feeds": [base + "/h/rss.xml", base + "/h/garbage-feed.xml",
                                         base + "/h/html-feed.xml", base + "/h/empty-feed.xml"],
            "sitemaps": [base + "/h/sitemap.xml", base + "/h/broken-sitemap.xml",
                         base + "/h/self-index.xml", base + "/h/missing-sitemap.xml"],
            "timeout_read": HOSTILE_TIMEOUT_READ, "timeout_connect": 1.0, "max_retries": 1,
            "max_bytes": HOSTILE_MAX_BYTES, "max_concurrency": 4}
