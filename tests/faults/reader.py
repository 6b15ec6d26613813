"""A reader of the published warehouse, as an analyst's tool would be: open, query, close,
again and again, until the stop file appears. Prints one JSON summary line at the end.

    python -m tests.faults.reader WAREHOUSE STOP_FILE

Each answer is (publication run_id, rows per mart, duplicate article ids); any exception
is an error. A missing file before the first publication is counted, not an error.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb

PAUSE = 0.005  # between queries: hammer the file, but leave the pipeline some CPU
TABLES = ("articles", "entities", "entity_mentions", "quotes", "sanctions")


def read_once(db: Path) -> tuple:
    with duckdb.connect(str(db), read_only=True) as con:
        # One connection, one snapshot: every number in an answer is from one publication.
        run_id = con.execute("select run_id from audit.publication").fetchone()[0]
        counts = tuple(con.execute(f"select count(*) from marts.{t}").fetchone()[0]
                       for t in TABLES)
        dupes = con.execute("select count(*) - count(distinct article_id) "
                            "from marts.articles").fetchone()[0]
    return run_id, counts, dupes


def main(db: Path, stop: Path) -> None:
    answers: Counter = Counter()
    errors: list[str] = []
    absent = 0
    while not stop.exists():
        if not db.exists():
            absent += 1
            time.sleep(0.02)
            continue
        try:
            answers[json.dumps(read_once(db))] += 1
        except Exception as exc:  # the point of the exercise: there must be none
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
        time.sleep(PAUSE)
    print(json.dumps({"answers": dict(answers), "errors": errors, "absent": absent}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
