"""Turn an HTML body into text, trusting declarations only when the bytes agree.

Order (roughly the WHATWG "encoding sniffing" order, plus a detector before giving up):
  1. a byte-order mark
  2. the HTTP Content-Type charset, if the whole body decodes with it without errors
  3. <meta charset> / http-equiv Content-Type in the first 4 KB, if it decodes cleanly
  4. charset-normalizer's best guess
  5. UTF-8 with U+FFFD replacement characters
A wrong declaration (header says utf-8, body is cp1252) therefore falls through to the
next step instead of producing mojibake.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

META_SCAN_BYTES = 4096
DETECT_SAMPLE_BYTES = 65536  # enough for a confident guess; detection is slow on big pages
FALLBACK_ENCODING = "utf-8"
# Single-byte code pages are hard to tell apart on short text (cp1252 vs cp1250 vs cp1257
# differ only in a few letters). windows-1252 is by far the most common legacy encoding on
# the web, so it wins any near-tie: within this much of the best guess's "chaos" score.
PREFERRED_LEGACY = "cp1252"
PREFERRED_CHAOS_TOLERANCE = 0.15

# Longest BOM first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Browsers decode these as a superset (WHATWG Encoding Standard); so do we, so that curly
# quotes in a page labelled latin-1 come out as quotes, not C1 control characters.
_SUPERSETS = {
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "iso8859-9": "cp1254",
    "tis-620": "cp874",
    "iso8859-11": "cp874",
}
# Labels browsers accept that Python's codec registry does not know.
_LABEL_ALIASES = {"x-sjis": "shift_jis", "windows-874": "cp874", "x-cp1252": "cp1252"}
# Codecs Python knows that are not text encodings a web page could use (or are unsafe:
# UTF-7 hides markup from filters, so WHATWG forbids it).
_REFUSED_CODECS = {
    "utf-7",
    "idna",
    "punycode",
    "undefined",
    "raw_unicode_escape",
    "unicode_escape",
    "mbcs",
    "oem",
    "palmos",
}
_META_RE = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _codec_name(label: str | None) -> str | None:
    """Python codec name for a charset label, or None if unknown or not a text encoding."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _LABEL_ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED_CODECS:
        return None
    return _SUPERSETS.get(info.name, info.name)


def _decode_strict(body: bytes, codec: str | None) -> str | None:
    if codec is None:
        return None
    if codec.startswith(("utf-16", "utf-32")) and b"\x00" not in body[:META_SCAN_BYTES]:
        # Any even-length ASCII page "decodes" as UTF-16 into CJK noise; real UTF-16 markup
        # is full of NUL bytes. A mislabelled page falls through to the next step.
        return None
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError):
        return None


def _from_bom(body: bytes) -> tuple[str, str] | None:
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace"), codec
    return None


def _meta_charset(body: bytes) -> str | None:
    match = _META_RE.search(body[:META_SCAN_BYTES])
    if not match:
        return None
    codec = _codec_name(match.group(1).decode("ascii", errors="ignore"))
    # A page whose <meta> we could read as ASCII cannot really be UTF-16/32 (WHATWG rule).
    if codec and codec.startswith(("utf-16", "utf_16", "utf-32", "utf_32")):
        return "utf-8"
    return codec


def _detect(body: bytes) -> str | None:
    try:
        matches = list(charset_normalizer.from_bytes(body[:DETECT_SAMPLE_BYTES]))
    except Exception:  # the detector is a heuristic; a crash in it must not lose the page
        return None
    if not matches:
        return None
    best = matches[0]
    for match in matches:
        if (
            PREFERRED_LEGACY in match.could_be_from_charset
            and match.chaos <= best.chaos + PREFERRED_CHAOS_TOLERANCE
        ):
            return PREFERRED_LEGACY
    return _codec_name(best.encoding)


def decode_html(body: bytes, header_charset: str | None) -> tuple[str, str]:
    """Decode an HTML body; returns (text, codec name used). Never raises on bad input."""
    body = bytes(body or b"")
    bom = _from_bom(body)
    if bom is not None:
        return bom
    for codec in (_codec_name(header_charset), _meta_charset(body)):
        text = _decode_strict(body, codec)
        if text is not None:
            return text, codec
    if body.isascii():  # cheap and common: no need to run the detector
        return body.decode("ascii"), "ascii"
    detected = _detect(body)
    if detected is not None:
        text = _decode_strict(body, detected)
        if text is not None:
            return text, detected
        # The guess came from a sample; the rest may hold a stray byte. Keep the guess.
        return body.decode(detected, errors="replace"), detected
    return body.decode(FALLBACK_ENCODING, errors="replace"), FALLBACK_ENCODING
