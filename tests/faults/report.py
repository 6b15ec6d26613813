"""The README's "What we test against" table, from the last fault-suite run's figures.

    python -m tests.faults.report [RESULTS_JSON] [--readme README.md]

Without --readme the table is printed; with it, the text between the markers
<!-- faults:begin --> and <!-- faults:end --> is replaced (the markers must exist).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tests.faults.conftest import RESULTS_FILE

BEGIN, END = "<!-- faults:begin -->", "<!-- faults:end -->"


def table(results: dict) -> str:
    rows = ["| Scenario | Injected | Asserted | Result |", "|---|---|---|---|"]
    for module, (title, injected, asserted) in results["scenarios"].items():
        outcome = results["outcomes"].get(module)
        if outcome is None:
            verdict = "not run"
        else:
            verdict = (f"{'PASS' if not outcome['failed'] else 'FAIL'} "
                       f"({outcome['passed']} passed, {outcome['failed']} failed, "
                       + (f"{outcome['xfailed']} known bug, " if outcome["xfailed"] else "")
                       + f"{outcome['seconds']:.0f} s)")
            verdict += "".join(f"; {k} {v}" for k, v in outcome["measured"].items())
        rows.append(f"| {title} | {injected} | {asserted} | {verdict} |")
    rows.append("\nSeconds are pytest's; the three demo runs shared by scenarios 1, 2, 4 and 5 "
                "are counted under the first to use them. Regenerate: `make test-faults`.")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("results", nargs="?", type=Path, default=RESULTS_FILE)
    parser.add_argument("--readme", type=Path)
    args = parser.parse_args()
    text = table(json.loads(args.results.read_text(encoding="utf-8")))
    if not args.readme:
        print(text)
        return
    readme = args.readme.read_text(encoding="utf-8")
    head, _, rest = readme.partition(BEGIN)
    _, found, tail = rest.partition(END)
    if not found:
        raise SystemExit(f"{args.readme}: add {BEGIN} and {END} where the table goes")
    args.readme.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
