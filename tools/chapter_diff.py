#!/usr/bin/env python3
"""Each chapter README ends with the diff of its code against the previous
chapter's, generated here.

    tools/chapter_diff.py            rewrite the section in every chapter README
    tools/chapter_diff.py --check    exit 1, listing the READMEs whose section is stale
    tools/chapter_diff.py ch2-trap   only these chapters' READMEs (also with --check)

The section runs from the line `## Changes against the previous chapter` to
the end of the README (it is appended when missing). It holds a one-line
summary and a unified diff (`a/` and `b/` prefixes, so that `patch -p1` or
`git apply` turns a copy of chapter N-1 into chapter N) of every source file
of the two chapters: tracked files and untracked ones git does not ignore,
without build outputs and without the README itself. Files are sorted and
there are no timestamps, so the output only changes when the code does.
The first chapter's section says that it is the first.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEADING = "## Changes against the previous chapter"
CHAPTER_RE = re.compile(r"ch(\d+)-.+")
# Never part of a chapter's code, in trees that are not git work trees.
SKIP_DIRS = {"build", ".git", "__pycache__", ".pytest_cache"}
SKIP_SUFFIXES = (".o", ".d")


def git_files(root: Path) -> list[str] | None:
    """Tracked and untracked-but-not-ignored files; None outside git."""
    r = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"],
                       capture_output=True, text=True)
    if r.returncode != 0 or Path(r.stdout.strip()).resolve() != root.resolve():
        return None
    out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "-co", "--exclude-standard"],
                         check=True, capture_output=True).stdout.decode()
    return sorted({f for f in out.split("\0") if f and os.path.lexists(root / f)})


def walk_files(root: Path) -> list[str]:
    """Every file of a tree that is not a git work tree (a handout)."""
    files = []
    for d, dirs, names in os.walk(root):
        dirs[:] = [x for x in dirs if x not in SKIP_DIRS]
        for n in names:
            if not n.endswith(SKIP_SUFFIXES):
                files.append(os.path.relpath(os.path.join(d, n), root))
    return sorted(files)


def chapters(files: list[str]) -> list[tuple[int, str]]:
    found = set()
    for f in files:
        top = f.split("/", 1)[0]
        m = CHAPTER_RE.fullmatch(top)
        if m and "/" in f:
            found.add((int(m.group(1)), top))
    return sorted(found)


def code_files(files: list[str], chapter: str) -> list[str]:
    """A chapter's files, relative to it, without its README."""
    prefix = chapter + "/"
    return [f[len(prefix):] for f in files if f.startswith(prefix) and f != prefix + "README.md"]


def read_lines(path: Path) -> list[str] | None:
    try:
        return path.read_text().splitlines(keepends=True)
    except UnicodeDecodeError:
        return None  # binary


def file_diff(old: list[str] | None, new: list[str] | None, a: str, b: str) -> list[str]:
    if old is None and new is None:
        return [f"Binary files {a} and {b} differ\n"]
    out = []
    for line in difflib.unified_diff(old or [], new or [], a, b, lineterm="\n"):
        if not line.endswith("\n"):  # the file's last line has no newline
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return out


def chapter_patch(root: Path, files: list[str], prev: str, cur: str) -> tuple[str, str]:
    """(summary, unified diff) of chapter `prev` -> chapter `cur`."""
    old, new = set(code_files(files, prev)), set(code_files(files, cur))
    added, removed, changed = [], [], []
    plus = minus = 0
    chunks: list[str] = []
    for f in sorted(old | new):
        if f in old and f in new and (root / prev / f).read_bytes() == (root / cur / f).read_bytes():
            continue
        a = read_lines(root / prev / f) if f in old else []
        b = read_lines(root / cur / f) if f in new else []
        (added if f not in old else removed if f not in new else changed).append(f)
        d = file_diff(a, b, f"a/{f}" if f in old else "/dev/null",
                      f"b/{f}" if f in new else "/dev/null")
        plus += sum(1 for x in d if x.startswith("+") and not x.startswith("+++ "))
        minus += sum(1 for x in d if x.startswith("-") and not x.startswith("--- "))
        chunks += d
    summary = (f"From `{prev}` to `{cur}`: {len(added)} files added, {len(changed)} changed, "
               f"{len(removed)} removed (+{plus} -{minus} lines).")
    return summary, "".join(chunks)


def fence_for(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"^`{3,}", text, re.M)), default=2)
    return "`" * max(3, longest + 1)


def section(root: Path, files: list[str], prev: str | None, cur: str) -> str:
    head = (f"{HEADING}\n\n<!-- Generated by tools/chapter_diff.py (`make diffs`); "
            f"do not edit by hand. -->\n\n")
    if prev is None:
        return head + ("This is the first chapter: there is no previous one to compare "
                       "with, everything here is new.\n")
    summary, diff = chapter_patch(root, files, prev, cur)
    if not diff:
        return head + summary + "\n"
    fence = fence_for(diff)
    return head + f"{summary}\n\n{fence}diff\n{diff}{fence}\n"


def rewrite(readme: str, new_section: str) -> str:
    lines = readme.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.rstrip("\n") == HEADING:
            return "".join(lines[:i]) + new_section
    return readme.rstrip("\n") + "\n\n" + new_section


def update(root: Path, files: list[str], check: bool, quiet: bool = False,
           only: list[str] | None = None) -> list[str]:
    """Rewrites (or with check, only compares) every chapter README's
    section, or those of the chapters in `only`; returns the READMEs that
    were stale."""
    stale = []
    prev = None
    for _, ch in chapters(files):
        if only and ch not in only:
            prev = ch
            continue
        readme = root / ch / "README.md"
        if not readme.exists():
            if not quiet:
                print(f"chapter_diff: {ch}/README.md is missing", file=sys.stderr)
            stale.append(f"{ch}/README.md (missing)")
            prev = ch
            continue
        text = readme.read_text()
        new = rewrite(text, section(root, files, prev, ch))
        if new != text:
            stale.append(f"{ch}/README.md")
            if not check:
                readme.write_text(new)
                if not quiet:
                    print(f"chapter_diff: updated {ch}/README.md")
        prev = ch
    return stale


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=REPO, help="the tree (default: this repository)")
    ap.add_argument("--check", action="store_true",
                    help="change nothing; exit 1 when a README's section is stale")
    ap.add_argument("chapter", nargs="*", help="only these chapters (default: all)")
    args = ap.parse_args(argv)
    root = args.root.resolve()
    files = git_files(root)
    if files is None:
        files = walk_files(root)
    unknown = set(args.chapter) - {ch for _, ch in chapters(files)}
    if unknown:
        ap.error(f"no such chapter: {', '.join(sorted(unknown))}")
    stale = update(root, files, check=args.check, only=args.chapter)
    if args.check:
        if stale:
            for s in stale:
                print(f"chapter_diff: stale: {s}", file=sys.stderr)
            print("chapter_diff: run `make diffs` and commit the READMEs", file=sys.stderr)
            return 1
        n = len(args.chapter) or len(chapters(files))
        print(f"chapter_diff: {n} chapter README(s) up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
