import pytest

from extractors.config import ConfigError, check_run_params, parse_sources


def test_defaults_apply_and_env_expands(monkeypatch):
    monkeypatch.setenv("BASE", "http://127.0.0.1:8000")
    [source] = parse_sources(
        """
        defaults: {crawl_delay: 0, allow_private_network: true}
        sources:
          - name: wire
            feeds: ${BASE}/rss.xml
            urls: ["${BASE}/a.html"]
        """
    )
    assert source.feeds == ("http://127.0.0.1:8000/rss.xml",)
    assert source.urls == ("http://127.0.0.1:8000/a.html",)
    assert source.crawl_delay == 0 and source.allow_private_network is True
    assert source.max_articles == 500  # the built-in default survives


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources: []", "non-empty 'sources' list"),
        ("sources: [{name: a}]", "at least one of feeds, sitemaps, urls"),
        ("sources: [{name: 'Bad Name', urls: ['http://x/']}]", "'name' must match"),
        ("sources: [{name: a, urls: ['ftp://x/']}]", "list of http(s) URLs"),
        ("sources: [{name: a, urls: ['http://x/'], colour: red}]", "unknown key(s) ['colour']"),
        ("sources: [{name: a, urls: ['http://x/'], max_articles: 0}]", "'max_articles'"),
        ("sources: [{name: a, urls: ['http://x/']}, {name: a, urls: ['http://y/']}]",
         "duplicate source name"),
        ("sources: [{name: a, urls: ['${NOT_SET_ANYWHERE}/x']}]", "NOT_SET_ANYWHERE"),
        ("sources: [", "not valid YAML"),
    ],
)
def test_invalid_sources_are_refused_with_a_clear_message(text, message):
    with pytest.raises(ConfigError) as error:
        parse_sources(text)
    assert message in str(error.value)


def test_run_params_are_checked_with_a_message_naming_the_param(tmp_path):
    good = tmp_path / "sources.yml"
    good.write_text("sources: [{name: a, urls: ['http://example.org/a.html']}]")
    broken = tmp_path / "broken.yml"
    broken.write_text("sources: [{name: a, urls: ['http://example.org/a.html'], colour: red}]")
    warehouse = str(tmp_path / "news.duckdb")

    assert [s.name for s in check_run_params(str(good), warehouse, 5)] == ["a"]
    assert check_run_params(str(good), warehouse, None)  # null: each source's own cap
    cases = [
        ((str(tmp_path / "missing.yml"), warehouse, None),
         "param 'sources': sources file not found"),
        ((str(broken), warehouse, None), "param 'sources': "),
        ((str(broken), warehouse, None), "unknown key(s) ['colour']"),
        ((str(good), warehouse, 0), "param 'max_articles' must be an integer >= 1 or null, got 0"),
        ((str(good), warehouse, "50"), "param 'max_articles'"),
        ((str(good), warehouse, True), "param 'max_articles'"),
        ((str(good), str(tmp_path), None), "param 'warehouse' must name a DuckDB file"),
    ]
    for args, message in cases:
        with pytest.raises(ConfigError) as error:
            check_run_params(*args)
        assert message in str(error.value), (args, str(error.value))


def test_make_run_refuses_bad_params_before_airflow_starts(tmp_path):
    import subprocess
    import sys

    broken = tmp_path / "sources.yml"
    broken.write_text("sources: [{name: a, urls: ['ftp://example.org/a.html']}]")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "extractors.run", "--sources", str(broken),
                               "--warehouse", str(tmp_path / "news.duckdb"), *args],
                              capture_output=True, text=True, timeout=120)

    bad_sources = run()
    assert bad_sources.returncode == 2
    assert "error: param 'sources': " in bad_sources.stderr
    assert "'urls' must be a list of http(s) URLs" in bad_sources.stderr
    bad_cap = run("--max-articles", "0")
    assert bad_cap.returncode == 2
    assert "--max-articles: must be an integer >= 1, got 0" in bad_cap.stderr
    assert not (tmp_path / "runs").exists()  # nothing ran
