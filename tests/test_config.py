import pytest

from extractors.config import ConfigError, parse_sources


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
