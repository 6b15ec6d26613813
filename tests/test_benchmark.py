"""The benchmark runs end to end on a tiny corpus, and its synthetic corpus is stable."""

import json

import pytest

from demo_site.synthetic import Corpus, SyntheticSite, article, page_path
from extractors import benchmark

STAGE_FIELDS = {"wall_s", "cpu_s", "peak_rss_mib", "share", "articles_per_s", "counts"}


def test_an_article_depends_on_its_number_and_seed_only():
    small, large = Corpus(30, seed=7), Corpus(3000, seed=7)
    assert article(small, 5).paragraphs == article(large, 5).paragraphs
    assert article(small, 5).paragraphs != article(Corpus(30, seed=8), 5).paragraphs
    words = sum(len(p.split()) for p in article(small, 5).paragraphs)
    assert 500 < words < 900


def test_the_next_edition_changes_one_percent():
    base, next_day = Corpus(1000, seed=7), Corpus(1000, seed=7, edition=1)
    assert len(next_day.numbers()) == 1005  # five new
    edited = [n for n in base.numbers() if next_day.is_edited(n)]
    assert len(edited) == 5
    assert all(page_path(base, n) == page_path(next_day, n) for n in range(1000))


def test_the_site_lists_every_article_in_sitemaps():
    site = SyntheticSite(Corpus(40, seed=7), "http://127.0.0.1:1")
    index = site.get("/capital-wire/sitemap-index.xml").body.decode()
    sitemap = site.get("/capital-wire/news-sitemap-0.xml").body.decode()
    assert "news-sitemap-0.xml" in index and "news-sitemap-1.xml" not in index
    assert sitemap.count("<loc>") == 14  # articles 0, 3, ... 39
    assert site.get("/nowhere.html") is None


def test_benchmark_runs_and_writes_its_json(tmp_path, capsys):
    code = benchmark.main(["--articles", "20", "--out", str(tmp_path), "--speedup-max", "0",
                           "--until", "load", "--repeats", "2", "--no-readme"])
    assert code == 0
    report = json.loads(next(tmp_path.glob("bench-*.json")).read_text())
    assert {"machine", "sizes", "load_before", "load_after", "under_load"} <= set(report)
    size = report["sizes"][0]
    assert size["full"]["articles"] == 20
    # Pages count as known only after a run reached validation, which --until load skips:
    # here the second run fetches everything again (the 1% is the synthetic tests' job).
    assert size["incremental"]["articles"] == 21
    # each repeat starts afresh: it fetches every page again instead of resuming the last
    assert len(size["incremental_repeats_wall_s"]) == 2
    assert size["incremental"]["wall_s"] == min(size["incremental_repeats_wall_s"])
    assert benchmark.fetched_pages(size["incremental"]["stages"]["fetch"]) == 21
    assert not list(tmp_path.rglob("*.before-*"))  # the saved state is cleaned up
    for run in ("full", "incremental"):
        assert list(size[run]["stages"]) == list(benchmark.ALL_STAGES[:5])
        for stage in size[run]["stages"].values():
            assert STAGE_FIELDS <= set(stage)
    assert size["nlp_floor"]["ratio"] > 0
    fetch = size["full"]["stages"]["fetch"]  # fetch's rate counts pages (20 articles here)
    assert benchmark.fetched_pages(fetch) == 20
    assert fetch["articles_per_s"] == round(20 / fetch["wall_s"], 1)
    assert fetch["site_cpu_s"] > 0  # the site's CPU, beside the stage's
    out = capsys.readouterr().out
    assert "| 20 articles |" in out and "| enrich |" in out
    assert "the median of 2 runs from the same state" in out
    assert f"the synthetic site's process used {fetch['site_cpu_s']} CPU s serving fetch" in out
    assert f"`python -m extractors.benchmark --articles 20 --out {tmp_path}" in out


def test_each_size_list_has_its_own_readme_block(tmp_path):
    readme = tmp_path / "README.md"
    small_begin, small_end = benchmark.readme_markers([1000, 10000])
    readme.write_text(f"# Intro\n{small_begin}\nold table\n{small_end}\n## Next\n")
    assert benchmark.update_readme("new table", [1000, 10000], readme)
    assert readme.read_text() == f"# Intro\n{small_begin}\nnew table\n{small_end}\n## Next\n"
    # a size measured on its own gets a block after the others, then keeps it
    large_begin, large_end = benchmark.readme_markers([100000])
    for table in ("large table", "newer large table"):
        assert benchmark.update_readme(table, [100000], readme)
        assert readme.read_text() == (
            f"# Intro\n{small_begin}\nnew table\n{small_end}\n\n"
            f"{large_begin}\n{table}\n{large_end}\n## Next\n")
    readme.write_text("no markers\n")
    assert not benchmark.update_readme("new table", [1000, 10000], readme)


def test_at_least_one_incremental_run(tmp_path):
    with pytest.raises(SystemExit):
        benchmark.main(["--articles", "20", "--out", str(tmp_path), "--repeats", "0"])
