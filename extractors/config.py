"""Sources file: load, expand ${ENV} references, validate, fill defaults.

A sources file is YAML:

    defaults:            # optional, applies to every source
      crawl_delay: 1.0
    sources:
      - name: capital-wire
        feeds: [https://example.com/rss.xml]
        sitemaps: [https://example.com/news-sitemap.xml]
        urls: [https://example.com/2026/05/01/story.html]
        allow_private_network: false

Any string may contain ${VAR} (an environment variable), so one file serves several
hosts; the demo uses ${DEMO_BASE_URL}.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml

DEFAULT_USER_AGENT = "news-warehouse/0.1 (+https://github.com/news-warehouse/news-warehouse)"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ConfigError(ValueError):
    """The sources file is missing, malformed or names an invalid setting."""


@dataclass(frozen=True)
class Source:
    name: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    allow_private_network: bool = False  # loopback/private/link-local hosts refused unless true
    user_agent: str = DEFAULT_USER_AGENT
    crawl_delay: float = 1.0  # seconds between requests to one host; robots.txt may raise it
    max_concurrency: int = 2  # parallel requests to one host
    max_articles: int = 500  # per run; the newest discoveries first
    timeout_connect: float = 5.0
    timeout_read: float = 20.0
    max_bytes: int = 10_000_000  # a bigger body is recorded as too_large
    max_redirects: int = 5
    max_retries: int = 3
    refresh_after_hours: float | None = None  # re-fetch a known page after this long
    obey_robots: bool = True
    robots_sitemaps: bool = False  # also read the `Sitemap:` lines of the hosts' robots.txt
    profile: dict = field(default_factory=dict)  # per-site CSS selectors for the parser


_LIST_KEYS = {"feeds", "sitemaps", "urls"}
_KNOWN_KEYS = {f.name for f in fields(Source)}


def _expand(value):
    if isinstance(value, str):
        def sub(m: re.Match) -> str:
            if m.group(1) not in os.environ:
                raise ConfigError(f"${{{m.group(1)}}} is used in the sources file but not set")
            return os.environ[m.group(1)]

        return _ENV_RE.sub(sub, value)
    if isinstance(value, list):
        return [_expand(v) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v) for k, v in value.items()}
    return value


def _source_from(raw: dict, defaults: dict, where: str) -> Source:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: each source must be a mapping, got {type(raw).__name__}")
    merged = {**defaults, **raw}
    unknown = set(merged) - _KNOWN_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(_KNOWN_KEYS)}"
        )
    name = merged.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ConfigError(f"{where}: 'name' must match {_NAME_RE.pattern}, got {name!r}")
    for key in _LIST_KEYS:
        value = merged.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not all(isinstance(v, str) and v.startswith(("http://", "https://")) for v in value):
            raise ConfigError(f"{where} ({name}): '{key}' must be a list of http(s) URLs")
        merged[key] = tuple(value)
    if not (merged["feeds"] or merged["sitemaps"] or merged["urls"]):
        raise ConfigError(f"{where} ({name}): give at least one of feeds, sitemaps, urls")
    try:
        source = Source(**merged)
    except TypeError as exc:
        raise ConfigError(f"{where} ({name}): {exc}") from exc
    for key in ("crawl_delay", "timeout_connect", "timeout_read"):
        if not isinstance(getattr(source, key), int | float) or getattr(source, key) < 0:
            raise ConfigError(f"{where} ({name}): '{key}' must be a number >= 0")
    for key in ("max_concurrency", "max_articles", "max_bytes", "max_redirects"):
        if not isinstance(getattr(source, key), int) or getattr(source, key) < 1:
            raise ConfigError(f"{where} ({name}): '{key}' must be an integer >= 1")
    return source


def parse_sources(text: str, origin: str = "<sources>") -> list[Source]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{origin}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), list) or not doc["sources"]:
        raise ConfigError(f"{origin}: expected a mapping with a non-empty 'sources' list")
    doc = _expand(doc)
    defaults = doc.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ConfigError(f"{origin}: 'defaults' must be a mapping")
    sources = [
        _source_from(raw, defaults, f"{origin}: sources[{i}]")
        for i, raw in enumerate(doc["sources"])
    ]
    names = [s.name for s in sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{origin}: duplicate source name(s) {duplicates}")
    return sources


def load_sources(path: str | os.PathLike) -> list[Source]:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"sources file not found: {path}")
    return parse_sources(path.read_text(encoding="utf-8"), str(path))


def check_run_params(sources: str, warehouse: str, max_articles) -> list[Source]:
    """A DAG run's params, checked before any work starts: ConfigError naming the param.

    Airflow's Param schema already refuses wrong types when a run is triggered; this adds
    what a schema cannot see (the sources file's content, a warehouse path that is a folder).
    """
    if max_articles is not None and (isinstance(max_articles, bool)
                                     or not isinstance(max_articles, int) or max_articles < 1):
        raise ConfigError(f"param 'max_articles' must be an integer >= 1 or null, "
                          f"got {max_articles!r}")
    if not warehouse or Path(warehouse).is_dir():
        raise ConfigError(f"param 'warehouse' must name a DuckDB file (e.g. "
                          f"warehouse/news.duckdb), got {warehouse!r}")
    try:
        return load_sources(sources)
    except ConfigError as exc:
        raise ConfigError(f"param 'sources': {exc}") from exc
