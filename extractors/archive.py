"""Content-addressed store of raw fetched bodies, on any fsspec filesystem.

A body is stored gzip-compressed at <root>/<sha[:2]>/<sha>.gz where sha is the sha256 of
the *raw* (uncompressed) body, so the same page fetched twice is stored once and a record's
content_sha256 is enough to re-parse it later without the network.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import uuid

import fsspec

GZIP_LEVEL = 6
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


class ArchiveError(Exception):
    """The archive could not store or return a body."""


class Archive:
    """put/get/exists over `<url>/<sha[:2]>/<sha>.gz`; url is a folder path or fsspec URL."""

    def __init__(self, url: str):
        self.url = str(url)
        self.fs, root = fsspec.core.url_to_fs(self.url)
        self.root = root.rstrip("/")

    def _path(self, sha: str) -> str:
        if not isinstance(sha, str) or not _SHA_RE.match(sha):
            # Also keeps a caller-supplied key from escaping the archive folder.
            raise ArchiveError(f"not a sha256 hex digest: {sha!r}")
        return f"{self.root}/{sha[:2]}/{sha}.gz"

    def put(self, body: bytes) -> str:
        """Store body (skipped if already there); returns its sha256 hex digest."""
        sha = hashlib.sha256(body).hexdigest()
        path = self._path(sha)
        if self.fs.exists(path):
            return sha
        # mtime=0 so the same body always compresses to the same bytes.
        data = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        folder = path.rsplit("/", 1)[0]
        # Write under a temporary name and move it into place, so a reader (or a run killed
        # mid-write) never sees a truncated object under the final name. Concurrent puts of
        # the same body both write identical bytes, so the last move winning is harmless.
        tmp = f"{folder}/.{sha}.{uuid.uuid4().hex}.tmp"
        try:
            self.fs.makedirs(folder, exist_ok=True)
            self.fs.pipe_file(tmp, data)
            self.fs.mv(tmp, path)
        except Exception as exc:
            try:
                if self.fs.exists(tmp):
                    self.fs.rm(tmp)
            except Exception:  # best effort; the temp name never shadows a real object
                pass
            raise ArchiveError(f"could not store {sha} in {self.url}: {exc}") from exc
        return sha

    def get(self, sha: str) -> bytes:
        """The raw body stored under sha; raises ArchiveError if missing or corrupt."""
        path = self._path(sha)
        try:
            body = gzip.decompress(self.fs.cat_file(path))
        except FileNotFoundError as exc:
            raise ArchiveError(f"{sha} is not in {self.url}") from exc
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise ArchiveError(f"{sha} in {self.url} is unreadable: {exc}") from exc
        if hashlib.sha256(body).hexdigest() != sha:
            raise ArchiveError(f"{sha} in {self.url} does not match its content")
        return body

    def exists(self, sha: str) -> bool:
        return bool(self.fs.exists(self._path(sha)))
