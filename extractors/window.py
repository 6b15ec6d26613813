"""Which discoveries belong to a DAG run's data interval: what a backfill re-processes.

A discovery belongs to the window [start, end) when one of the dates its listing gave
(feed published/updated, news:publication_date, sitemap lastmod) falls inside it: a
backfill of a day covers what was published or updated that day. A URL whose listing
gives no date belongs to no window (a plain URL list, a sitemap without lastmod).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from extractors.records import DiscoveredUrl
from extractors.sitemaps import parse_iso


@dataclass
class WindowSplit:
    inside: list[DiscoveredUrl] = field(default_factory=list)
    outside: list[DiscoveredUrl] = field(default_factory=list)
    undated: list[DiscoveredUrl] = field(default_factory=list)


def listing_dates(item: DiscoveredUrl) -> list[datetime]:
    return [d for d in (parse_iso(item.published_at), parse_iso(item.lastmod)) if d]


def split_by_window(items: list[DiscoveredUrl], start: datetime, end: datetime) -> WindowSplit:
    split = WindowSplit()
    for item in items:
        dates = listing_dates(item)
        if not dates:
            split.undated.append(item)
        elif any(start <= d < end for d in dates):
            split.inside.append(item)
        else:
            split.outside.append(item)
    return split
