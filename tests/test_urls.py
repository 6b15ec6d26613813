"""normalize_url / article_id_for."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.urls import article_id_for, is_http_url, normalize_url


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("HTTP://Example.COM/News/Story", "http://example.com/News/Story"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://example.com/a#section-2", "http://example.com/a"),
        (
            "https://ex.com/a?utm_source=tw&utm_medium=social&id=7&fbclid=XYZ&gclid=1",
            "https://ex.com/a?id=7",
        ),
        ("https://ex.com/a?mc_cid=1&mc_eid=2&ref_src=twsrc", "https://ex.com/a"),
        ("https://ex.com/a?UTM_Campaign=x&b=2&a=1", "https://ex.com/a?a=1&b=2"),
        ("https://ex.com/a?", "https://ex.com/a"),
        ("https://ex.com/news/", "https://ex.com/news"),
        ("https://ex.com/", "https://ex.com/"),
        ("https://ex.com", "https://ex.com/"),
        ("https://ex.com/a/./b/../c", "https://ex.com/a/c"),
        ("https://ex.com/%7euser/%2f", "https://ex.com/~user/%2F"),
        ("https://ex.com/a b?q=x y", "https://ex.com/a%20b?q=x%20y"),
        ("https://bücher.example/straße", "https://xn--bcher-kva.example/stra%C3%9Fe"),
        ("https://Example.com./a", "https://example.com/a"),
        ("https://[2001:DB8::1]:443/a", "https://[2001:db8::1]/a"),
        ("  https://ex.com/a  ", "https://ex.com/a"),
        ("https://ex.com/a?b=&a=1", "https://ex.com/a?a=1&b="),
        ("mailto:someone@example.com", "mailto:someone@example.com"),
    ],
)
def test_normalize_url(raw, expected):
    assert normalize_url(raw) == expected


def test_article_id_is_16_hex_and_stable_across_spellings():
    a = article_id_for("https://Example.com:443/story/?utm_source=x#top")
    b = article_id_for("https://example.com/story")
    assert a == b and re.fullmatch(r"[0-9a-f]{16}", a)
    assert a != article_id_for("https://example.com/other")


def test_is_http_url():
    assert is_http_url("https://ex.com/a") and is_http_url("HTTP://ex.com")
    assert not any(
        map(is_http_url, ["ftp://ex.com/", "file:///etc/passwd", "/relative", "http://"])
    )


_hosts = st.one_of(
    st.sampled_from(
        ["example.com", "EXAMPLE.com.", "bücher.de", "[::1]", "127.0.0.1", "xn--bcher-kva.de"]
    ),
    st.from_regex(r"[A-Za-z0-9.-]{1,20}", fullmatch=True),
)
_parts = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="#"), max_size=15)
_params = st.lists(
    st.tuples(st.sampled_from(["utm_source", "a", "B", "fbclid", "q", "%75tm_x", ""]), _parts),
    max_size=4,
)


@st.composite
def urls(draw) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "ftp"]))
    port = draw(st.sampled_from(["", ":80", ":443", ":8080", ":0080"]))
    path = "/".join(
        draw(st.lists(st.sampled_from(["a", "..", ".", "", "%7E", "%2f", "x y"]), max_size=5))
    )
    query = "&".join(f"{k}={v}" for k, v in draw(_params))
    fragment = draw(st.sampled_from(["", "#frag"]))
    return f"{scheme}://{draw(_hosts)}{port}/{path}" + (f"?{query}" if query else "") + fragment


@settings(max_examples=300, deadline=None)
@given(url=st.one_of(urls(), st.text(max_size=60)))
def test_normalize_url_is_idempotent(url):
    once = normalize_url(url)
    assert normalize_url(once) == once
