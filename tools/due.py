#!/usr/bin/env python3
"""Whether the chapters that are due have full marks.

    tools/due.py [grader/results.json] [--markdown]

Reads the grader's results.json (its `extra_data`: the score of each chapter
and stage, and which chapters are due: `--due`, $HVLAB_DUE, or the tree's
grading.conf), prints the table, and exits 0 when every due chapter was
graded and has full marks (every graded chapter when none is due), 1 when
one has not, 2 when there are no results. Chapters that are not due are
reported and never fail the check: a course grades what is due.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results", nargs="?", type=Path, default=REPO / "grader" / "results.json")
    ap.add_argument("--markdown", action="store_true", help="a Markdown table (CI summaries)")
    args = ap.parse_args(argv)
    try:
        data = json.loads(args.results.read_text())
    except (OSError, ValueError) as e:
        print(f"due: no grader results in {args.results} ({e}): the grader did not run")
        return 2
    extra = data.get("extra_data", {})
    chapters: dict = extra.get("chapters", {})
    due = extra.get("due") or list(chapters)
    stages = sorted({int(s) for ch in chapters.values() for s in ch["stages"]})

    def cell(d: dict | None) -> str:
        return f"{d['score']}/{d['max_score']}" if d else ""

    rows = [["chapter"] + [f"stage {s}" for s in stages] + ["total", ""]]
    for name, ch in chapters.items():
        full = ch["score"] == ch["max_score"]
        status = ("due" if name in due else "not due") + ("" if full else ", points lost")
        rows.append([name] + [cell(ch["stages"].get(str(s))) for s in stages]
                    + [cell(ch), status])
    missing = [n for n in due if n not in chapters]
    short = [n for n in due if n in chapters
             and chapters[n]["score"] != chapters[n]["max_score"]]

    if args.markdown:
        print("| " + " | ".join(rows[0]) + " |")
        print("|" + " --- |" * len(rows[0]))
        for r in rows[1:]:
            print("| " + " | ".join(r) + " |")
        print()
    else:
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for r in rows:
            print("  ".join(c.ljust(w) if i in (0, len(r) - 1) else c.rjust(w)
                            for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    print(f"Score: {data.get('score')}/{data.get('max_score')}")
    if missing:
        print(f"due but not graded: {' '.join(missing)}")
    if short:
        print(f"due without full marks: {' '.join(short)}")
    if missing or short:
        return 1
    print(f"every due chapter has full marks ({' '.join(due) or 'none due'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
