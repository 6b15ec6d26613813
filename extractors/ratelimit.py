"""Per-host politeness: a minimum spacing between request starts and a concurrency cap."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class HostGate:
    """Thread-safe gate for one host.

    slot() blocks until fewer than max_concurrency requests are in flight *and* at least
    `delay` seconds have passed since the previous request to this host started.
    """

    def __init__(self, delay: float, max_concurrency: int):
        self.delay = max(0.0, float(delay))
        self._slots = threading.BoundedSemaphore(max(1, int(max_concurrency)))
        self._lock = threading.Lock()
        self._last_start = float("-inf")
        self._not_before = float("-inf")

    def raise_delay(self, delay: float) -> None:
        """Use the larger of the current spacing and delay (e.g. robots.txt Crawl-delay)."""
        with self._lock:
            self.delay = max(self.delay, float(delay))

    def defer(self, seconds: float) -> None:
        """Start nothing on this host for `seconds` (a 429/503 Retry-After)."""
        with self._lock:
            self._not_before = max(self._not_before, time.monotonic() + max(0.0, seconds))

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._slots:
            with self._lock:
                # Reserve the start time under the lock, sleep outside it, so waiters queue
                # up at delay intervals instead of all waking at once.
                now = time.monotonic()
                start = max(now, self._last_start + self.delay, self._not_before)
                self._last_start = start
            if start > now:
                time.sleep(start - now)
            yield
