"""JSON Lines files: the hand-off between tasks of one run (never large XComs).

Appends are flushed line by line so a killed task loses nothing it finished; a torn last
line (the kill hit mid-write) is ignored on read. Whole-file outputs are written to a
temporary name and renamed, so a reader sees the old file or the new one, never half.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


def to_json(record) -> str:
    data = dataclasses.asdict(record) if dataclasses.is_dataclass(record) else record
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def read_jsonl(path: Path) -> Iterator[dict]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as f:
        for line in f:
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                if line.endswith("\n"):
                    raise  # a complete but corrupt line is a bug, not a torn write
                return


@contextmanager
def _replacing(path: Path) -> Iterator[IO[bytes]]:
    """A binary file that takes `path`'s place once written in full."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as f:
        yield f
    os.replace(tmp, path)


def write_jsonl(path: Path, records: Iterable) -> int:
    count = 0
    with _replacing(path) as f:
        for record in records:
            f.write((to_json(record) + "\n").encode())
            count += 1
    return count


def concatenate(parts: list[Path], path: Path) -> None:
    """Join whole JSONL files into one, in order."""
    with _replacing(path) as f:
        for part in parts:
            with part.open("rb") as source:
                shutil.copyfileobj(source, f)


def append_files(parts: list[Path], path: Path) -> None:
    """Add JSONL files to the end of another, in order; a part's torn last line is dropped
    (its writer was killed mid-line), so no line is glued to the next part's first."""
    with open_append(path, binary=True) as f:
        for part in parts:
            drop_torn_tail(part)
            with part.open("rb") as source:
                shutil.copyfileobj(source, f)


def open_append(path: Path, binary: bool = False) -> IO:
    path.parent.mkdir(parents=True, exist_ok=True)
    drop_torn_tail(path)
    return path.open("ab") if binary else path.open("a", encoding="utf-8")


def drop_torn_tail(path: Path, block: int = 64 * 1024) -> None:
    """Cut a file back to its last newline. A writer killed mid-line leaves a fragment;
    appending after it would glue the next record onto it, making a complete but corrupt
    line that read_jsonl rightly refuses -- so a retried task could never read its log."""
    if not path.exists():
        return
    with path.open("rb+") as f:
        end = f.seek(0, os.SEEK_END)
        pos = end
        while pos > 0:
            start = max(0, pos - block)
            f.seek(start)
            newline = f.read(pos - start).rfind(b"\n")
            if newline >= 0:
                cut = start + newline + 1
                if cut != end:
                    f.truncate(cut)
                return
            pos = start
        f.truncate(0)


def append_line(f: IO[str], record) -> None:
    f.write(to_json(record) + "\n")
    f.flush()
