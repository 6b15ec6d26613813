"""Serve the demo news sites on 127.0.0.1 for tests, `make run` and local poking.

    with demo_server() as base_url: ...          # Python, background thread
    base_url, stop = start_demo_server()          # Python, stop() when done
    python -m demo_site.serve --port 8000         # serve until Ctrl-C
    python -m demo_site.serve -- CMD ARGS...      # run CMD with DEMO_BASE_URL set

Pages are rendered once at start-up for the actual base URL (port 0 picks a free port),
and answer conditional GETs, so the pipeline's incremental fetching can be exercised.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from demo_site.render import Resource, build_site, http_date

HOST = "127.0.0.1"
NOT_FOUND = b"<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>" \
            b"<h1>Page not found</h1></body></html>"
SIGNAL_EXIT_BASE = 128  # shell convention for a child killed by a signal
INTERRUPT_GRACE_SECONDS = 10


class _DemoServer(ThreadingHTTPServer):
    daemon_threads = True  # a hung client must not keep the process alive
    resources: Mapping[str, Resource] = {}
    verbose = False


class _Handler(BaseHTTPRequestHandler):
    server: _DemoServer
    server_version = "DemoNews/1.0"
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle on, each response then waits ~40 ms
    # for the client's delayed ACK (measured: 46 ms a page, 2.6 ms without).
    disable_nagle_algorithm = True

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self._respond(send_body=True)

    def do_HEAD(self):  # noqa: N802
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        resource = self.server.resources.get(urlsplit(self.path).path)
        if resource is None:
            self._send(404, NOT_FOUND, {"Content-Type": "text/html; charset=utf-8"}, send_body)
            return
        validators = {"ETag": resource.etag, "Last-Modified": http_date(resource.last_modified)}
        if self._not_modified(resource):
            self._send(304, b"", validators, send_body=False)
            return
        headers = {**validators, "Content-Type": resource.content_type,
                   "Cache-Control": "max-age=60"}
        self._send(200, resource.body, headers, send_body)

    def _not_modified(self, resource: Resource) -> bool:
        # RFC 9110 13.2.2: If-None-Match wins; If-Modified-Since only counts without it.
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            return "*" in tags or resource.etag in tags
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            return resource.last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False  # an unparsable date is ignored, as the RFC says

    def _send(self, status: int, body: bytes, headers: dict, send_body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
        if self.server.verbose:
            super().log_message(format, *args)


def start_demo_server(
    port: int = 0, verbose: bool = False,
    site: Callable[[str], Mapping[str, Resource]] = build_site,
) -> tuple[str, Callable[[], None]]:
    """Start serving in a daemon thread; return (base URL, a function that stops it).

    `site` builds the path -> Resource mapping for the base URL (the benchmark serves its
    synthetic corpus through it).
    """
    server = _DemoServer((HOST, port), _Handler)
    base_url = f"http://{HOST}:{server.server_address[1]}"
    server.resources = site(base_url)
    server.verbose = verbose
    thread = threading.Thread(target=server.serve_forever, name="demo-site", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join()

    return base_url, stop


@contextlib.contextmanager
def demo_server(port: int = 0, verbose: bool = False) -> Iterator[str]:
    base_url, stop = start_demo_server(port, verbose)
    try:
        yield base_url
    finally:
        stop()


def run_with_server(command: list[str], port: int = 0, verbose: bool = False) -> int:
    """Run command with DEMO_BASE_URL set while the server runs; return its exit code."""
    with demo_server(port, verbose) as base_url:
        env = {**os.environ, "DEMO_BASE_URL": base_url}
        child = subprocess.Popen(command, env=env)
        # A SIGTERM to the wrapper is passed on, so the child never outlives the server.
        previous = signal.signal(signal.SIGTERM, lambda *_: child.terminate())
        try:
            code = child.wait()
        except KeyboardInterrupt:
            # Ctrl-C reached the child too (same process group): let it finish cleanly.
            try:
                code = child.wait(timeout=INTERRUPT_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                child.terminate()
                code = child.wait()
        finally:
            signal.signal(signal.SIGTERM, previous)
    return SIGNAL_EXIT_BASE - code if code < 0 else code


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[argv.index("--") + 1:] if "--" in argv else []
    options = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(prog="python -m demo_site.serve",
                                     description="Serve the demo news sites.")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(options)
    if "--" in argv:
        if not command:
            parser.error("give a command after --")
        return run_with_server(command, args.port, args.verbose)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())  # `kill` stops it cleanly too
    with demo_server(args.port, args.verbose) as base_url:
        print(f"demo site serving at {base_url}/ (Ctrl-C to stop)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stopped.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
