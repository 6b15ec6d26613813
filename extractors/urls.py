"""URL normalisation: one spelling per page, so dedup and article ids are stable.

normalize_url() only rewrites what cannot change which resource a server returns in
practice: case of scheme/host, default ports, fragments, tracking parameters, query order,
escape spelling, dot segments and a trailing slash. Trailing-slash removal is the one
heuristic: servers that only serve "/dir/" redirect "/dir" there, and the fetcher follows
redirects (its loop detection compares exact URLs, not normalised ones, for that reason).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from urllib.parse import quote, unquote_plus, urlsplit

import idna

HTTP_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
ARTICLE_ID_HEX = 16

# Query parameters that only say where a click came from; the page is the same without them.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ref_src",
        "ref_url",
        "_ga",
        "_gl",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "vero_conv",
        "__twitter_impression",
        "cmpid",
        "ito",
        "ncid",
        "sr_share",
        "wt.mc_id",
        "at_medium",
        "at_campaign",
        "xtor",
        "smid",
        "spm",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE_RE = re.compile(r"%([0-9A-Fa-f]{2})")
# Characters left as they are when re-quoting; "%" is kept so existing escapes survive.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_KEY_SAFE = "/?%:@!$'()*+,;-._~"
_QUERY_VALUE_SAFE = _QUERY_KEY_SAFE + "="


def _quote_part(text: str, safe: str) -> str:
    """Percent-escape what must be escaped, upper-case hex, decode unreserved characters."""
    text = quote(text, safe=safe, errors="strict")

    def fix(m: re.Match) -> str:
        char = chr(int(m.group(1), 16))
        return char if char in _UNRESERVED else "%" + m.group(1).upper()

    return _ESCAPE_RE.sub(fix, text)


def _normalize_host(host: str) -> str:
    host = host.lower().rstrip(".")
    if host.isascii():  # already ASCII (incl. xn-- labels): nothing to encode
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return host  # not a valid IDN; keep it readable rather than guess


def _normalize_path(path: str) -> str:
    if not path:
        return "/"
    path = _quote_part(path, _PATH_SAFE)
    # Resolve "." and ".." segments (RFC 3986 5.2.4); normpath also collapses "//".
    resolved = posixpath.normpath(path) if path.startswith("/") else "/" + path
    if resolved.startswith("//"):  # normpath keeps a leading "//" (POSIX rule)
        resolved = "/" + resolved.lstrip("/")
    resolved = resolved.rstrip("/")
    return resolved or "/"


def _is_tracking(key: str) -> bool:
    key = unquote_plus(key).strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _normalize_query(query: str) -> str:
    pairs = []
    for piece in query.split("&"):
        if not piece:
            continue
        key, sep, value = piece.partition("=")
        if _is_tracking(key):
            continue
        pairs.append(
            (_quote_part(key, _QUERY_KEY_SAFE), sep, _quote_part(value, _QUERY_VALUE_SAFE))
        )
    pairs.sort()
    return "&".join(k + s + v for k, s, v in pairs)


def _normalize_netloc(scheme: str, netloc: str) -> str:
    userinfo, _, hostport = netloc.rpartition("@")
    if hostport.startswith("["):  # IPv6 literal
        host, _, rest = hostport[1:].partition("]")
        host = "[" + host.lower() + "]"
        port = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port = hostport.partition(":")
        host = _normalize_host(host)
    if port == "" or (port.isdigit() and int(port) == DEFAULT_PORTS.get(scheme)):
        port_part = ""
    elif port.isdigit():
        port_part = ":" + str(int(port))
    else:
        port_part = ":" + port
    return (userinfo + "@" if userinfo else "") + host + port_part


def normalize_url(url: str) -> str:
    """The canonical spelling of an http(s) URL; other strings come back stripped only."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in HTTP_SCHEMES or not parts.netloc:
        return url
    try:
        netloc = _normalize_netloc(scheme, parts.netloc)
        path = _normalize_path(parts.path)
        query = _normalize_query(parts.query)
    except UnicodeError:  # lone surrogates and the like: not a URL anyone can fetch
        return url
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def article_id_for(url: str) -> str:
    """Stable article id: the first 16 hex digits of sha256 of the normalised URL."""
    return hashlib.sha256(normalize_url(url).encode("utf-8")).hexdigest()[:ARTICLE_ID_HEX]


def is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in HTTP_SCHEMES and bool(parts.hostname)
