"""Dates for the parse stage: normalise to ISO 8601 with an offset, find them in text/URLs.

A date without a time zone is taken as UTC (news sites that omit the zone mostly mean
their server time, which we cannot know; UTC keeps the column comparable). A date without
a time becomes midnight.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from dateutil import parser as dateparser
from dateutil.tz import gettz

MIN_YEAR = 1990  # older "dates" on news pages are nearly always something else
MAX_TEXT = 80  # longer strings are prose, not a date
# Zone abbreviations dateutil does not know; the common ones on English-language news sites.
TZINFOS = {
    "GMT": 0, "UTC": 0, "Z": 0, "BST": 3600, "CET": 3600, "CEST": 7200,
    "EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600,
    "MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600,
    "IST": 19800, "JST": 9 * 3600, "KST": 9 * 3600, "AEST": 10 * 3600, "AEDT": 11 * 3600,
    "ET": gettz("America/New_York"), "PT": gettz("America/Los_Angeles"),
}
# "Posted: 12 May 2026 14:05 GMT", "Published 5:01 PM EDT, Mon May 11, 2026", "Updated ..."
VISIBLE_DATE_RE = re.compile(
    r"\b(?P<kind>posted|published|first published|updated|last updated|modified)"
    r"(?:\s+on)?\s*:?\s*(?P<date>[^|\n]{6,60}?\d{4}(?:[^|\n]{0,20}?"
    r"(?:\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*[A-Z]{2,4})?))?)"
    r"(?=\s*(?:$|\||\n|,\s*(?:updated|posted)|\s{2}))",
    re.I,
)
URL_DATE_RE = re.compile(r"/((?:19|20)\d{2})[/-]([01]?\d|[a-z]{3})[/-]([0-3]?\d)(?:/|-|$|\.)",
                         re.I)
MONTHS = {m: n for n, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
                                      "sep", "oct", "nov", "dec"), 1)}
URL_YM_RE = re.compile(r"/((?:19|20)\d{2})/([01]\d)/")


def to_iso(value, default_tz=UTC, fuzzy: bool = True) -> str | None:
    """ISO 8601 with offset from a string or datetime, or None when it is not a date.
    fuzzy=True lets "Updated May 11, 2026 at 5pm" through; pass False for free text."""
    if value is None:
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip()
        if not text or len(text) > MAX_TEXT or not re.search(r"\d", text):
            return None
        if re.fullmatch(r"\d{10}(\d{3})?", text):  # unix timestamp, seconds or ms
            secs = int(text[:10])
            dt = datetime.fromtimestamp(secs, UTC)
        else:
            dt = _iso_datetime(text) or _parse_text(text, fuzzy)
    if dt is None or dt.year < MIN_YEAR or dt.year > datetime.now(UTC).year + 1:
        return None
    if dt.tzinfo is None or dt.utcoffset() is None:
        dt = dt.replace(tzinfo=default_tz)
    return dt.isoformat()


def _iso_datetime(text: str) -> datetime | None:
    """Structured dates are nearly always ISO 8601: the standard library reads those
    about 20x faster than dateutil's general parser."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _parse_text(text: str, fuzzy: bool) -> datetime | None:
    try:
        return dateparser.parse(text, tzinfos=TZINFOS, fuzzy=False)
    except (ValueError, OverflowError, TypeError, dateparser.ParserError):
        if not fuzzy:
            return None
    try:
        return dateparser.parse(text, tzinfos=TZINFOS, fuzzy=True)
    except (ValueError, OverflowError, TypeError, dateparser.ParserError):
        return None


def visible_dates(text: str) -> tuple[str | None, str | None]:
    """(published, modified) from "Posted: ..." / "Updated: ..." lines in page text."""
    published = modified = None
    for m in VISIBLE_DATE_RE.finditer(text):
        iso = to_iso(m.group("date"))
        if not iso:
            continue
        if m.group("kind").lower() in ("updated", "last updated", "modified"):
            modified = modified or iso
        else:
            published = published or iso
    return published, modified


def url_date(url: str) -> str | None:
    """A /2026/05/12/ or /2026/may/12/ date in the URL path (a day: midnight UTC)."""
    m = URL_DATE_RE.search(url or "")
    if m:
        year, month, day = m.groups()
        month = MONTHS.get(month.lower(), 0) if month.isalpha() else int(month)
        y, mo, d = int(year), month, int(day)
        try:
            return datetime(y, mo, d, tzinfo=UTC).isoformat()
        except ValueError:
            return None
    return None
