#!/usr/bin/env python3
"""Carry a change made in chapter N into every later chapter.

Each chapter is a complete copy of the one before plus new work, so a fix in
ch2-trap usually belongs in ch3-paging and beyond as well:

    tools/forward_port.py ch2-trap                  # the uncommitted changes in ch2-trap
    tools/forward_port.py ch2-trap --commits HEAD~2..HEAD
    tools/forward_port.py ch2-trap --commits 1a2b3c4  # one commit
    tools/forward_port.py ch2-trap fix.patch        # a patch file (or - for stdin)
    tools/forward_port.py ch1-boot --since-handout  # in a students' tree: every change
                                                    # to ch1-boot since the handout
    ... --dry-run                                   # only say where it would apply
    ... --reject                                    # apply what applies, leave .rej files

The patch's paths may be relative to the repository (a/ch2-trap/hv/x.c) or to
the chapter (a/hv/x.c); files outside chapter N are left out. For each later
chapter, the part of the patch about files that chapter has (and new files it
does not have yet) is applied with `git apply --directory=chM-*`, all or
nothing per chapter unless --reject. The report says, per chapter, where it
applied cleanly, where it did not (with git's reasons), and which files were
skipped. Exit status 0 only when it applied cleanly everywhere. Run
`make diffs` afterwards: the chapters' patches against the previous chapter
(chM-x/from-chL-y.patch) change with the code. Chapter N's own patch,
named after chapter N-1, is skipped: later chapters have no such file.

In a students' tree (one with .hvlab-handout), a hunk needs one line of
context on each side (--context), and the files that apply are applied even
where others do not.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHAPTER_RE = re.compile(r"ch(\d+)-.+")


@dataclass
class FilePatch:
    old: str | None  # path relative to the chapter; None for a new file
    new: str | None  # None for a deleted file
    lines: list[str]  # the section, paths relative to the chapter

    @property
    def path(self) -> str:
        return self.new or self.old or "?"


def git(*args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(REPO), *args], input=input, capture_output=True,
                          text=True, check=check)


def chapters() -> list[tuple[int, str]]:
    return sorted((int(m.group(1)), d.name) for d in REPO.iterdir()
                  if d.is_dir() and (m := CHAPTER_RE.fullmatch(d.name)))


def split_sections(text: str) -> list[list[str]]:
    """One list of lines per file. In git's format a `diff --git` line starts
    each; in a plain unified diff, a `--- ` line followed by `+++ `."""
    lines = text.splitlines(keepends=True)
    is_git = any(line.startswith("diff --git ") for line in lines)
    sections: list[list[str]] = []
    for i, line in enumerate(lines):
        if is_git:
            starts = line.startswith("diff --git ")
        else:
            starts = line.startswith("--- ") and i + 1 < len(lines) \
                and lines[i + 1].startswith("+++ ")
        if starts:
            sections.append([line])
        elif sections:
            sections[-1].append(line)
    return sections


def strip_path(path: str, chapter: str) -> tuple[str | None, bool]:
    """A patch path (a/..., b/..., /dev/null) relative to the chapter, and
    whether it belongs to the chapter at all."""
    path = path.strip().split("\t")[0]
    if path == "/dev/null":
        return None, True
    if path[:2] in ("a/", "b/"):
        path = path[2:]
    first = path.split("/", 1)[0]
    if CHAPTER_RE.fullmatch(first):
        return (path.split("/", 1)[1], True) if first == chapter else (path, False)
    return path, True


def parse(text: str, chapter: str) -> tuple[list[FilePatch], list[str]]:
    """The chapter's file patches, paths made relative to it; and the paths
    that were left out (other chapters)."""
    out, ignored = [], []
    for sec in split_sections(text):
        old = new = None
        mine = True
        fixed = []
        for line in sec:
            if line.startswith("--- "):
                old, ok = strip_path(line[4:], chapter)
                mine &= ok
                line = f"--- {'a/' + old if old else '/dev/null'}\n"
            elif line.startswith("+++ "):
                new, ok = strip_path(line[4:], chapter)
                mine &= ok
                line = f"+++ {'b/' + new if new else '/dev/null'}\n"
            elif line.startswith("diff --git "):
                continue  # rebuilt below from the ---/+++ paths
            fixed.append(line)
        if not any(x.startswith("@@") for x in sec) and not any(x.startswith("Binary") for x in sec):
            continue  # a mode change alone, or no content
        if not mine:
            ignored.append(new or old or "?")
            continue
        a, b = old or new, new or old
        fixed.insert(0, f"diff --git a/{a} b/{b}\n")
        out.append(FilePatch(old, new, fixed))
    return out, ignored


def handout_commit() -> str:
    """The commit that brought the handout in (the one that added its stamp)."""
    out = git("log", "--diff-filter=A", "--format=%H", "--", ".hvlab-handout",
              check=False).stdout.split()
    if not out:
        sys.exit("forward-port: no commit adds .hvlab-handout here: --since-handout works in a "
                 "students' tree whose handout is committed")
    return out[-1]


def the_patch(args) -> str:
    if args.since_handout:
        return git("diff", "--no-renames", "--full-index", handout_commit(), "--",
                   f"{args.chapter}/").stdout
    if args.commits:
        rev = args.commits if ".." in args.commits else f"{args.commits}^!"
        return git("diff", "--no-renames", "--full-index", rev, "--", f"{args.chapter}/").stdout
    if args.patch:
        return sys.stdin.read() if args.patch == "-" else Path(args.patch).read_text()
    return git("diff", "--no-renames", "--full-index", "HEAD", "--", f"{args.chapter}/").stdout


def replace_changed_blocks(p: FilePatch, target: str, dry_run: bool) -> bool:
    """For a students' tree, where git apply found no context: each hunk's
    changed lines, from its first to its last - or + line, replaced as text
    where they occur exactly once in the target file (a lab's stub is the
    same in every chapter). All hunks or none; True when it applied."""
    path = REPO / target / (p.old or p.path)
    text = path.read_text()
    hunks, cur = [], None
    for line in p.lines:
        if line.startswith("@@"):
            cur = []
            hunks.append(cur)
        elif cur is not None and line[:1] in (" ", "-", "+"):
            cur.append(line)
    for h in hunks:
        changed = [i for i, ln in enumerate(h) if ln[0] in "+-"]
        if not changed:
            continue
        body = h[changed[0]:changed[-1] + 1]
        old = "".join(ln[1:] for ln in body if ln[0] in " -")
        new = "".join(ln[1:] for ln in body if ln[0] in " +")
        if "TODO(lab" not in old or text.count(old) != 1:
            return False
        text = text.replace(old, new)
    if not dry_run:
        path.write_text(text)
    return True


def port(patches: list[FilePatch], target: str, dry_run: bool, reject: bool,
         context: int | None = None, per_file: bool = False) -> tuple[bool, list[str]]:
    """Applies the patches that concern `target`; (clean, report lines).
    `context`: the lines of context a hunk needs to match on each side (git
    apply -C); `per_file`: apply the files that apply even when others do
    not."""
    notes, chosen = [], []
    for p in patches:
        exists = (REPO / target / p.path).exists() if p.old is None else (REPO / target / p.old).exists()
        if p.old is None and exists:
            notes.append(f"skipped {p.path}: new in the patch, but {target} already has it")
        elif p.old is not None and not exists:
            notes.append(f"skipped {p.old}: not in {target}")
        else:
            chosen.append(p)
    if not chosen:
        return True, notes + ["nothing to apply"]
    base = ["apply", f"--directory={target}", "-p1", "--whitespace=nowarn"]
    if context is not None:
        base.append(f"-C{context}")
    # file by file, to say which ones do not apply and why
    failed: dict[str, list[str]] = {}
    for p in chosen:
        r = git(*base, "--check", input="".join(p.lines), check=False)
        if r.returncode != 0:
            failed[p.path] = [ln[len("error: "):] for ln in r.stderr.splitlines()
                              if ln.startswith("error: ") and "while searching" not in ln]
    if per_file:
        for p in chosen:
            if p.path in failed and p.old and replace_changed_blocks(p, target, dry_run):
                failed.pop(p.path)
                notes.append(f"{'applies' if dry_run else 'applied'} {p.path} by replacing "
                             f"the lab stubs it changes (the code around them differs)")
        chosen = [p for p in chosen if p.path in failed or not any(
            n.startswith(("applied " + p.path, "applies " + p.path)) for n in notes)]
    text = "".join(line for p in chosen for line in p.lines)
    good = [p.path for p in chosen if p.path not in failed]
    if not chosen:
        return True, notes
    if not failed:
        if not dry_run:
            git(*base, input=text)
        return True, [f"{'applies' if dry_run else 'applied'} cleanly: {', '.join(good)}"] + notes
    lines = [f"does not apply to {', '.join(failed)}"
             + ("" if dry_run or reject or per_file else "; nothing changed in this chapter")]
    lines += [f"  {why}" for whys in failed.values() for why in whys]
    if good:
        done = per_file and not reject and not dry_run
        lines.append(f"{'applied' if done else 'applies'} cleanly to {', '.join(good)}")
        if done:
            git(*base, input="".join(line for p in chosen if p.path not in failed
                                     for line in p.lines))
    if reject and not dry_run:
        r = git(*base, "--reject", input=text, check=False)
        lines.append("applied what applies; rejected hunks are in:")
        lines += ["  " + f"{target}/{path}.rej" for path in failed]
    return False, lines + notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("chapter", help="the chapter the change was made in, e.g. ch2-trap")
    ap.add_argument("patch", nargs="?", help="a unified diff (- for stdin); default: "
                    "the uncommitted changes in the chapter (git diff HEAD)")
    ap.add_argument("--commits", metavar="RANGE", help="the changes of a commit or a range A..B")
    ap.add_argument("--since-handout", action="store_true",
                    help="the changes to the chapter since the handout was committed "
                         "(a students' tree), uncommitted ones included")
    ap.add_argument("--dry-run", "-n", action="store_true", help="only report")
    ap.add_argument("--context", "-C", type=int, metavar="N",
                    help="lines of context a hunk needs to match on each side (git apply -C); "
                         "default all of them, 1 in a students' tree")
    ap.add_argument("--reject", action="store_true",
                    help="where the patch does not apply fully, apply the hunks that do "
                         "and leave the others in .rej files")
    args = ap.parse_args(argv)
    if sum(map(bool, (args.patch, args.commits, args.since_handout))) > 1:
        ap.error("give one of a patch, --commits and --since-handout")
    args.chapter = args.chapter.rstrip("/")
    known = chapters()
    numbers = {name: n for n, name in known}
    if args.chapter not in numbers:
        ap.error(f"no chapter {args.chapter} (have: {', '.join(n for _, n in known)})")

    patches, ignored = parse(the_patch(args), args.chapter)
    for path in ignored:
        print(f"forward-port: left out {path}: not in {args.chapter}", file=sys.stderr)
    if not patches:
        print(f"forward-port: no change to {args.chapter} in the patch")
        return 0
    later = [name for n, name in known if n > numbers[args.chapter]]
    # In a students' tree the lab stubs are the same in every chapter but
    # the code around them is not always: one line of context is enough,
    # and a file that applies is not held back by one that does not.
    students = (REPO / ".hvlab-handout").exists()
    context = args.context if args.context is not None else (1 if students else None)
    print(f"forward-port: {len(patches)} file(s) of {args.chapter} -> "
          f"{', '.join(later) or '(no later chapter)'}")
    clean = True
    for target in later:
        ok, lines = port(patches, target, args.dry_run, args.reject, context, students)
        clean &= ok
        print(f"  {target}: {lines[0]}")
        for line in lines[1:]:
            print(f"  {' ' * len(target)}  {line}")
    if later and not args.dry_run:
        print("forward-port: the chapter patches may now be stale: run `make diffs`")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
