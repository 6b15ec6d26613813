"""A backfill window holds the discoveries whose listing dated them inside it."""

from datetime import UTC, datetime

from extractors.records import DiscoveredUrl
from extractors.window import split_by_window

START, END = datetime(2026, 5, 13, tzinfo=UTC), datetime(2026, 5, 14, tzinfo=UTC)


def item(url: str, published_at: str | None = None, lastmod: str | None = None):
    return DiscoveredUrl("s", f"http://x/{url}", "feed", lastmod=lastmod,
                         published_at=published_at)


def test_a_listing_date_inside_the_half_open_window_puts_the_url_inside():
    split = split_by_window([
        item("published", published_at="2026-05-13T10:05:00+01:00"),
        item("updated-that-day", published_at="2026-05-01T08:00:00Z",
             lastmod="2026-05-13T23:59:59Z"),
        item("start", lastmod="2026-05-13"),  # a bare date is midnight UTC
        item("local-offset", published_at="2026-05-14T00:30:00+02:00"),  # 22:30 UTC the 13th
        item("end-is-excluded", published_at="2026-05-14T00:00:00Z"),
        item("day-before", published_at="2026-05-12T23:59:59Z"),
        item("no-date"),
        item("unreadable-date", lastmod="soon"),
    ], START, END)
    names = {k: [i.url.rsplit("/", 1)[1] for i in getattr(split, k)]
             for k in ("inside", "outside", "undated")}
    assert names == {"inside": ["published", "updated-that-day", "start", "local-offset"],
                     "outside": ["end-is-excluded", "day-before"],
                     "undated": ["no-date", "unreadable-date"]}
