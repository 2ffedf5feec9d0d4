#!/usr/bin/env python3
"""Grade one Gradescope submission with the course's own grader.

The bundle (`make gradescope`) holds the students' tree as the course handed
it out (`tree/`: its Makefile, tools, grader, grading.conf and chapters) and
libfdt's sources. A submission contributes only the sources of its chapter
directories: C, assembly, headers, linker scripts and READMEs under chN-*/.
Everything else it holds or changed (the grader, a Makefile, the tools,
grading.conf, a chapter's Makefile) is ignored, the course's copy is used,
and the results name what was ignored. The chapters due in the course's
grading.conf are graded; results.json goes where Gradescope reads it.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

CHAPTER_RE = re.compile(r"ch\d+-[^/]+")
# What a student writes: the only files taken from a chapter directory.
SOURCE_SUFFIXES = (".c", ".h", ".S", ".ld", ".md")
SKIP_DIRS = {".git", "build", "__pycache__", "logs", ".github"}


def files_under(top: Path) -> dict[str, Path]:
    """Relative path -> file, without version control and build outputs."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for name in filenames:
            p = Path(dirpath) / name
            if p.is_file() and not p.is_symlink():
                out[str(p.relative_to(top))] = p
    return out


def submission_root(sub: Path) -> Path:
    """The directory that holds the chapters (an upload may nest the tree
    in one folder)."""
    if any(CHAPTER_RE.fullmatch(d.name) for d in sub.iterdir() if d.is_dir()):
        return sub
    dirs = [d for d in sub.iterdir() if d.is_dir() and d.name not in SKIP_DIRS]
    for d in dirs:
        if any(CHAPTER_RE.fullmatch(x.name) for x in d.iterdir() if x.is_dir()):
            return d
    return sub


def read_due(tree: Path) -> list[str]:
    conf = tree / "grading.conf"
    if conf.exists():
        for line in conf.read_text().splitlines():
            m = re.fullmatch(r"\s*due\s*=\s*(.*?)\s*", line.split("#", 1)[0])
            if m:
                return m.group(1).split()
    return []


def merge(base: Path, sub: Path, work: Path) -> tuple[list[str], list[str]]:
    """The course's tree with the submission's chapter sources; returns
    (what was taken, what was ignored), as paths relative to the tree."""
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(base, work, symlinks=True)
    # the course's scripts run from the build: executable whatever the unzip kept
    for script in (work / "tools").rglob("*"):
        if script.suffix in (".sh", ".py"):
            script.chmod(0o755)
    theirs, ours = files_under(sub), files_under(base)
    taken, ignored = [], []
    for rel, path in sorted(theirs.items()):
        top = rel.split("/", 1)[0]
        is_source = CHAPTER_RE.fullmatch(top) and "/" in rel and rel.endswith(SOURCE_SUFFIXES) \
            and (base / top).is_dir()
        if is_source:
            dst = work / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dst)
            taken.append(rel)
        elif rel not in ours or not filecmp.cmp(path, ours[rel], shallow=False):
            ignored.append(rel)
    # a source the student deleted from a chapter they submitted
    submitted = {rel.split("/", 1)[0] for rel in taken}
    for rel in ours:
        top = rel.split("/", 1)[0]
        if top in submitted and rel.endswith(SOURCE_SUFFIXES) and rel not in theirs:
            (work / rel).unlink()
    return taken, ignored


def grade(work: Path, source: Path, due: list[str], results: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.setdefault("HVLAB_TIMEOUT_SCALE", "2")
    env["LIBFDT_SRC"] = str(source / "libfdt-src")
    env.pop("HVLAB_DUE", None)
    py = subprocess.run([str(work / "tools" / "python.sh")], capture_output=True, text=True,
                        env=env).stdout.strip() or sys.executable
    cmd = [py, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--tree={work}",
           f"--results={results}", f"--junitxml={results.parent / 'junit.xml'}"]
    cmd += [f"--chapter={c}" for c in due] + [f"--due={c}" for c in due]
    if subprocess.run([py, "-c", "import xdist"], capture_output=True).returncode == 0:
        cmd += ["-n", "auto"]
    return subprocess.run(cmd + ["."], cwd=work / "grader", env=env, capture_output=True,
                          text=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path, required=True, help="the unzipped bundle")
    ap.add_argument("--submission", type=Path, required=True)
    ap.add_argument("--results", type=Path, required=True, help="results.json's directory")
    ap.add_argument("--work", type=Path, required=True, help="a scratch directory")
    args = ap.parse_args(argv)
    base = args.source / "tree"
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / "results.json"
    out.unlink(missing_ok=True)

    sub = submission_root(args.submission)
    taken, ignored = merge(base, sub, args.work)
    chapters = sorted({r.split("/", 1)[0] for r in taken})
    due = read_due(base) or sorted(d.name for d in base.iterdir()
                                   if d.is_dir() and CHAPTER_RE.fullmatch(d.name))
    notes = [f"Graded: {' '.join(due)} (the chapters due), with the course's grader."]
    missing = [c for c in due if c not in chapters]
    if missing:
        notes.append(f"Not in the submission: {' '.join(missing)} (graded as handed out).")
    if ignored:
        shown = ", ".join(ignored[:40]) + (f" and {len(ignored) - 40} more" if len(ignored) > 40
                                           else "")
        notes.append("Ignored (only the chapters' C, assembly, header, linker-script and "
                     f"README files are taken; the course's copies were used): {shown}")

    p = grade(args.work, args.source, due, out)
    sys.stdout.write(p.stdout[-20000:])
    sys.stderr.write(p.stderr[-5000:])
    if out.exists():
        data = json.loads(out.read_text())
    else:
        data = {"score": 0, "tests": [], "output": "The grader did not finish (status "
                f"{p.returncode}):\n" + (p.stdout + p.stderr)[-3000:]}
    data["output"] = "\n".join(notes) + "\n\n" + data.get("output", "")
    extra = data.setdefault("extra_data", {})
    extra["ignored"] = ignored
    extra["taken"] = len(taken)
    out.write_text(json.dumps(data, indent=2) + "\n")
    print("\n".join(notes))
    print(f"Score: {data.get('score')}/{data.get('max_score', '?')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
