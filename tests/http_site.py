"""The local HTTP server the crawler tests talk to (127.0.0.1 only), and their Source.

A test module takes the fixtures by name,

    from tests import http_site
    local_server, srv = http_site.local_server, http_site.srv

and its tests ask for `srv`: a pytest-httpserver HTTPServer with no handlers and an empty
request log. One server serves a whole module (starting it is the slow part); every test
clears it before and after.

werkzeug's server (under pytest-httpserver) closes every connection after one response, so
connection reuse is tested against `keep_alive_site`, a plain HTTP/1.1 server.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pytest_httpserver import HTTPServer

from extractors.config import Source

# Test speed, not production defaults: no crawl delay, short timeouts, no robots.txt unless
# a test serves one, and 127.0.0.1 allowed (the crawler refuses it by default).
LOCAL_SOURCE = dict(
    name="test",
    allow_private_network=True,
    crawl_delay=0.0,
    timeout_connect=2.0,
    timeout_read=2.0,
    max_retries=0,
    obey_robots=False,
)


@pytest.fixture(scope="module")
def local_server():
    # Threaded, so a deliberately slow handler does not block the next request.
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def srv(local_server):
    local_server.clear()
    yield local_server
    local_server.clear()


def local_source(**overrides) -> Source:
    return Source(**{**LOCAL_SOURCE, **overrides})


def paths(server: HTTPServer) -> list[str]:
    """The request paths the server saw, in order."""
    return [request.path for request, _ in server.log]


def base_url(server: HTTPServer) -> str:
    return server.url_for("").rstrip("/")


class KeepAliveSite(ThreadingHTTPServer):
    """Serves `pages` (path -> (status, headers, body)) over HTTP/1.1 keep-alive and
    records (client port, path) for every request, so a test can count TCP connections."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _KeepAliveHandler)
        self.pages: dict[str, tuple[int, dict, bytes]] = {}
        self.requests: list[tuple[int, str]] = []

    def url_for(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _KeepAliveHandler(BaseHTTPRequestHandler):
    server: KeepAliveSite
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body would wait ~40 ms for
    # the client's delayed ACK of the headers on every response.
    disable_nagle_algorithm = True

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.server.requests.append((self.client_address[1], self.path))
        status, headers, body = self.server.pages.get(self.path, (404, {}, b"not found"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
        pass


@pytest.fixture
def keep_alive_site():
    site = KeepAliveSite()
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    yield site
    site.shutdown()
    site.server_close()
    thread.join()
