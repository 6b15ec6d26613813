"""The local HTTP server the crawler tests talk to (127.0.0.1 only), and their Source.

A test module takes the fixtures by name,

    from tests import http_site
    local_server, srv = http_site.local_server, http_site.srv

and its tests ask for `srv`: a pytest-httpserver HTTPServer with no handlers and an empty
request log. One server serves a whole module (starting it is the slow part); every test
clears it before and after.
"""

from __future__ import annotations

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
    # Threaded, so a deliberately slow handler does not block the next request, and so
    # werkzeug speaks HTTP/1.1 with keep-alive (the crawler's connection reuse is tested).
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
