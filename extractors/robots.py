"""robots.txt policy for one host, built from how its fetch went.

Following Google's documented handling (developers.google.com/search/docs/crawling-indexing/
robots/robots_txt#http-status-codes) and RFC 9309:
  2xx                         parse it (Protego); content past 500 KiB is ignored
  4xx other than 429          "unavailable": no restrictions, crawl everything
  429, 5xx, timeout, network  "unreachable": assume complete disallow for this run
An unparseable file also means no restrictions (Protego skips lines it cannot read).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from protego import Protego

ROBOTS_MAX_BYTES = 500 * 1024
MAX_ROBOTS_CRAWL_DELAY = 60.0  # a larger Crawl-delay would stall the run; cap it


@dataclass
class RobotsPolicy:
    rules: Protego | None = None
    allow_all: bool = True  # used when there are no rules
    reason: str = ""  # why there are no rules: "http_404", "unreachable: timeout", ...
    sitemap_urls: list[str] = field(default_factory=list)

    def can_fetch(self, url: str, user_agent: str) -> bool:
        if self.rules is None:
            return self.allow_all
        return self.rules.can_fetch(url, user_agent)

    def crawl_delay(self, user_agent: str) -> float:
        if self.rules is None:
            return 0.0
        delay = self.rules.crawl_delay(user_agent)
        return min(float(delay), MAX_ROBOTS_CRAWL_DELAY) if delay else 0.0


def allow_everything(reason: str) -> RobotsPolicy:
    return RobotsPolicy(rules=None, allow_all=True, reason=reason)


def policy_from_fetch(
    http_status: int | None, error_class: str | None, body: bytes | None
) -> RobotsPolicy:
    """The policy implied by a robots.txt fetch outcome (status code, error, body)."""
    if http_status is not None and 200 <= http_status < 300 and body is not None:
        text = body[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace").lstrip("\ufeff")
        try:
            rules = Protego.parse(text)
        except Exception:  # an unreadable robots.txt restricts nothing
            return allow_everything("unparseable")
        return RobotsPolicy(rules=rules, sitemap_urls=list(rules.sitemaps))
    if http_status is not None and 400 <= http_status < 500 and http_status != 429:
        return allow_everything(f"http_{http_status}")
    if error_class in ("too_many_redirects", "redirect_loop", "bad_redirect"):
        return allow_everything(error_class)  # RFC 9309 2.3.1.2: treat as unavailable
    reason = f"http_{http_status}" if http_status else (error_class or "unreachable")
    return RobotsPolicy(rules=None, allow_all=False, reason=f"unreachable: {reason}")
