#!/usr/bin/env python3
"""Each chapter N after the first holds the diff of its code against chapter
N-1's, generated here, in a file of its own, `chN-x/from-chM-y.patch` (named
after the chapter it applies to); the chapter README ends with a short
section that links it and lists the files it changes.

    tools/chapter_diff.py            rewrite every chapter's patch and README section
    tools/chapter_diff.py --check    exit 1, listing what is stale
    tools/chapter_diff.py ch2-trap   only these chapters (also with --check)

The patch is a unified diff (`a/` and `b/` prefixes) of every source file of
the two chapters: tracked files and untracked ones git does not ignore,
without build outputs, the README and the patch files themselves. In a copy
of chapter N-1, `patch -p1 < ../chN-x/from-chM-y.patch` (or `git apply`)
gives chapter N but for those. Files are sorted and there are no
timestamps, so the output only changes when the code does. The name says
what the patch applies to, so a tool that carries a chapter's changes into
later chapters (tools/forward_port.py) finds no such file there and leaves
it alone. Chapters with no difference, and the first chapter, have no patch.

The README section runs from the line `## Changes against the previous
chapter` to the end of the README (it is appended when missing): the link,
a one-line summary and a table, a row per directory, of the files added,
changed and removed and the lines added and removed. A `from-*.patch` that
is not the chapter's current one (a chapter renamed) is stale: it is
removed.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEADING = "## Changes against the previous chapter"
CHAPTER_RE = re.compile(r"ch(\d+)-.+")
# A chapter's generated patch, at its top (any chapter's name: a stale one too).
PATCH_RE = re.compile(r"from-ch\d+-[^/]+\.patch")
# Never part of a chapter's code, in trees that are not git work trees.
SKIP_DIRS = {"build", ".git", "__pycache__", ".pytest_cache"}
SKIP_SUFFIXES = (".o", ".d")


def patch_name(prev: str) -> str:
    """The file, in the chapter after `prev`, that turns `prev` into it."""
    return f"from-{prev}.patch"


def is_generated(relpath: str) -> bool:
    """A chapter file (relative to the chapter) that this tool writes or
    edits, so never part of the diff: the README and the patch."""
    return relpath == "README.md" or bool(PATCH_RE.fullmatch(relpath))


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
    """A chapter's files, relative to it, without the generated ones."""
    prefix = chapter + "/"
    return [f[len(prefix):] for f in files
            if f.startswith(prefix) and not is_generated(f[len(prefix):])]


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


@dataclass
class FileChange:
    path: str  # relative to the chapter
    kind: str  # added, changed, removed
    plus: int
    minus: int


def chapter_patch(root: Path, files: list[str], prev: str,
                  cur: str) -> tuple[str, list[FileChange]]:
    """The unified diff of chapter `prev` -> chapter `cur`, and what it
    changes file by file."""
    old, new = set(code_files(files, prev)), set(code_files(files, cur))
    changes: list[FileChange] = []
    chunks: list[str] = []
    for f in sorted(old | new):
        if f in old and f in new and (root / prev / f).read_bytes() == (root / cur / f).read_bytes():
            continue
        a = read_lines(root / prev / f) if f in old else []
        b = read_lines(root / cur / f) if f in new else []
        d = file_diff(a, b, f"a/{f}" if f in old else "/dev/null",
                      f"b/{f}" if f in new else "/dev/null")
        changes.append(FileChange(
            f, "added" if f not in old else "removed" if f not in new else "changed",
            sum(1 for x in d if x.startswith("+") and not x.startswith("+++ ")),
            sum(1 for x in d if x.startswith("-") and not x.startswith("--- "))))
        chunks += d
    return "".join(chunks), changes


def summary(prev: str, cur: str, changes: list[FileChange]) -> str:
    count = {k: sum(1 for c in changes if c.kind == k) for k in ("added", "changed", "removed")}
    return (f"From `{prev}` to `{cur}`: {count['added']} files added, {count['changed']} "
            f"changed, {count['removed']} removed (+{sum(c.plus for c in changes)} "
            f"-{sum(c.minus for c in changes)} lines).")


def table(changes: list[FileChange]) -> str:
    """One row per directory: its files by kind of change, and the lines
    added and removed in it (the patch has the rest)."""
    kinds = [k for k in ("added", "changed", "removed") if any(c.kind == k for c in changes)]
    dirs: dict[str, list[FileChange]] = {}
    for c in changes:
        dirs.setdefault(os.path.dirname(c.path), []).append(c)
    rows = ["| directory | " + " | ".join(kinds) + " | lines |",
            "| --- | " + " | ".join("---" for _ in kinds) + " | ---: |"]
    for d in sorted(dirs):
        cells = [", ".join(f"`{os.path.basename(c.path)}`" for c in dirs[d] if c.kind == k)
                 for k in kinds]
        plus, minus = sum(c.plus for c in dirs[d]), sum(c.minus for c in dirs[d])
        lines = " ".join(s for s in (f"+{plus}" if plus else "", f"-{minus}" if minus else "") if s)
        rows.append(f"| `{d + '/' if d else './'}` | " + " | ".join(cells) + f" | {lines} |")
    return "\n".join(rows) + "\n"


def section(prev: str | None, cur: str, changes: list[FileChange]) -> str:
    head = (f"{HEADING}\n\n<!-- Generated by tools/chapter_diff.py (`make diffs`); "
            f"do not edit by hand. -->\n\n")
    if prev is None:
        return head + ("This is the first chapter: there is no previous one to compare "
                       "with, everything here is new.\n")
    if not changes:
        return head + summary(prev, cur, changes) + "\n"
    name = patch_name(prev)
    return head + (
        f"The diff of this chapter's code against `{prev}`'s is\n"
        f"[`{name}`]({name}): in a copy of `{prev}`,\n"
        f"`patch -p1 < ../{cur}/{name}` (or `git apply`) gives this\n"
        f"chapter's code (every file but the README and the patch).\n\n"
        f"{summary(prev, cur, changes)}\n\n" + table(changes))


def rewrite(readme: str, new_section: str) -> str:
    lines = readme.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.rstrip("\n") == HEADING:
            return "".join(lines[:i]) + new_section
    return readme.rstrip("\n") + "\n\n" + new_section


def update(root: Path, files: list[str], check: bool, quiet: bool = False,
           only: list[str] | None = None) -> list[str]:
    """Rewrites (or with check, only compares) every chapter's patch and
    README section, or those of the chapters in `only`; returns what was
    stale (paths relative to the tree)."""
    stale = []

    def put(rel: str, text: str | None) -> None:
        """The file `rel` should hold `text`; None: it should not exist."""
        path = root / rel
        now = path.read_text() if path.is_file() else None
        if now == text:
            return
        stale.append(rel + (" (missing)" if now is None else " (to remove)" if text is None
                            else ""))
        if check:
            return
        if text is None:
            path.unlink()
        else:
            path.write_text(text)
        if not quiet:
            print(f"chapter_diff: {'removed' if text is None else 'updated'} {rel}")

    prev = None
    for _, ch in chapters(files):
        if only and ch not in only:
            prev = ch
            continue
        diff, changes = chapter_patch(root, files, prev, ch) if prev else ("", [])
        want = patch_name(prev) if prev and diff else None
        for f in files:
            name = f[len(ch) + 1:]
            if f.startswith(ch + "/") and PATCH_RE.fullmatch(name) and name != want:
                put(f, None)
        if want:
            put(f"{ch}/{want}", diff)
        readme = root / ch / "README.md"
        if readme.exists():
            text = readme.read_text()
            put(f"{ch}/README.md", rewrite(text, section(prev, ch, changes)))
        else:
            if not quiet:
                print(f"chapter_diff: {ch}/README.md is missing", file=sys.stderr)
            stale.append(f"{ch}/README.md (missing)")
        prev = ch
    return stale


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=REPO, help="the tree (default: this repository)")
    ap.add_argument("--check", action="store_true",
                    help="change nothing; exit 1 when a patch or README section is stale")
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
            print("chapter_diff: run `make diffs` and commit the result", file=sys.stderr)
            return 1
        n = len(args.chapter) or len(chapters(files))
        print(f"chapter_diff: the patches and README sections of {n} chapter(s) are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
