"""Scenario 6: an article corrected after its first fetch is fetched again -- when its
sitemap lastmod moves, or (lastmod unchanged) when a conditional GET finds a new ETag --
and the marts show the current version while raw keeps every version."""

import duckdb
import pytest

from tests.faults import editorial

pytestmark = pytest.mark.faults


def query(db, sql: str, *params) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_second_run_fetches_only_the_edited_pages(editorial_runs, measured):
    second = editorial_runs.second
    assert second.result("fetch", "edit-lastmod").get("ok") == 1  # lastmod moved
    etag = second.result("fetch", "edit-etag")
    assert (etag.get("ok"), etag.get("not_modified")) == (1, 1)  # new ETag; the other 304
    measured(refetched=2, not_modified=1)


@pytest.mark.parametrize("story, old, new", [
    ("lastmod", editorial.OLD_QUOTE, editorial.NEW_QUOTE),
    ("etag", editorial.OLD_STRIKE_QUOTE, editorial.NEW_STRIKE_QUOTE),
])
def test_marts_show_the_current_version(editorial_runs, story, old, new):
    db, url = editorial_runs.warehouse, editorial_runs.urls[story]
    (body, versions), = query(db, "select body_text, version_count from marts.articles "
                                  "where url = ?", url)
    assert new in body and old not in body
    assert versions == 2
    if story == "lastmod":
        assert editorial.NEW_PARAGRAPH in body
    quotes = [q for (q,) in query(db, "select q.quote_text from marts.quotes q join "
                                      "marts.articles a using (article_id) where a.url = ?", url)]
    assert not any("this year" in q or "tonight" in q for q in quotes)  # no stale quotes
    assert any("next year" in q or "on Friday" in q for q in quotes)


def test_raw_keeps_every_version(editorial_runs):
    work = editorial_runs.warehouse.with_name("news.work.duckdb")
    for story in ("lastmod", "etag"):
        bodies = [b for (b,) in query(work, "select body_text from raw.articles where url = ? "
                                            "order by fetched_at", editorial_runs.urls[story])]
        assert len(bodies) == 2 and bodies[0] != bodies[1]
    assert len(query(work, "select 1 from raw.articles where url = ?",
                     editorial_runs.urls["hostile"])) == 1  # unchanged: one version
