#!/usr/bin/env python3
"""The grader proves the labs are real (`make labs-check`; CI runs it).

For every chapter N (chN-*) of the reference:

  reference   the tree with every region solved passes all stage-N tests
              on chapter N (the baseline the other runs are compared with);
  handout     the default students' handout (tools/handout.py, every lab
              stubbed) holds no line of any solution (its READMEs and the
              chapters' patches included), is clang-format clean and every chapter of it
              builds; and chapter N of the handout released with labs 1 to
              N-1 solved (--solved N-1: a student who carried their earlier
              labs forward) loses points on the stage-N tests (a test that
              the reference passes fails);
  region      for each LAB N region of chapter N, a tree in which only that
              region is stubbed builds, and some stage-N test result differs
              from the reference's: a region that no test notices is named
              (file:line and description) and fails the check;
  mutant      for each usual wrong answer to lab N (tools/lab_mutations.py:
              a small substitution inside a LAB N region of chapter N), the
              reference with that mistake builds and fails some test of
              chapter N: first its stage-N tests, then, if they all pass,
              those of the earlier stages. A mistake that no test notices
              fails the check.

Each run grades one generated tree with the grader copied into it (the
repository's grader/, verbatim), `--tree <tree> --chapter chN-x --stage N`,
so that parallel runs keep their logs and results apart and the
repository's grader/logs stays that of `make test`. Runs go in parallel
(--jobs, default the number of CPUs); the handout and region runs stop at
their first failing test (-x), which is all they need to know.

With --reference-results, the reference's grades are those of a `make test`
just run on this same tree (its results.json: every test of every chapter,
named `test_x[chN-x...]`) rather than a second run of the same tests: CI runs
`make test` first, and the reference is the repository as it is.

    tools/labs_real.py [--jobs N] [--chapter chN-x ...] [--keep DIR]
                       [--mutations-only | --no-mutations] [--mutation TEXT]
                       [--reference-results grader/results.json]
    tools/labs_real.py --apply-only      (do the mutations still apply? seconds)
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import handout  # noqa: E402
from lab_mutations import MUTATIONS, Mutation  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    kind: str  # reference, handout, region
    chapter: str
    stage: int
    tree: Path
    region: handout.Region | None = None
    exitfirst: bool = False
    mutation: Mutation | None = None
    stages: list[int] = field(default_factory=list)  # default: [stage]
    select: str = ""  # pytest -k: only these tests (a mutation's named test)
    # filled in by grade()
    build_error: str = ""
    results: dict[str, bool] = field(default_factory=dict)
    score: tuple[int, int] = (0, 0)
    error: str = ""
    seconds: float = 0.0

    @property
    def name(self) -> str:
        if self.region:
            return f"{self.region.path.replace('/', '_')}_{self.region.begin}"
        if self.mutation:
            named = "-named" if self.select else ""
            return f"{self.tree.name}-stages{''.join(map(str, self.stages))}{named}"
        return f"{self.kind}-{self.chapter}"


def python() -> str:
    """A python3 with pytest, found the way the Makefile finds it."""
    r = subprocess.run([str(REPO / "tools" / "python.sh")], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else sys.executable


def share_libfdt(tree: Path) -> None:
    """Every tree links the repository's libfdt cache (build/third_party),
    as every chapter of the repository does, instead of building its own."""
    cache = REPO / "build" / "third_party"
    cache.mkdir(parents=True, exist_ok=True)
    (tree / "build").mkdir(exist_ok=True)
    os.symlink(cache, tree / "build" / "third_party")


def make_tree(path: Path, stub) -> Path:
    handout.write_tree(REPO, path, stub, student=False)
    share_libfdt(path)
    return path


def seed_build(tree: Path, chapter: str, reference: Path) -> None:
    """A mutant's or a region's tree differs from the reference in one file:
    its chapter starts from a copy of the reference's build, and make
    rebuilds what that file changes, not everything. Every file of the tree
    that is byte for byte the reference's takes the reference's time stamp
    (older than the reference's build outputs), the changed one keeps its
    own (newer). The table of built-in guests names the reference's files
    by absolute path: it is made again."""
    built = reference / chapter / "build"
    if not (built / "hv.elf").exists():
        return
    for ours in tree.rglob("*"):
        if "build" in ours.relative_to(tree).parts or ours.is_symlink() or not ours.is_file():
            continue
        theirs = reference / ours.relative_to(tree)
        if theirs.is_file() and theirs.read_bytes() == ours.read_bytes():
            st = theirs.stat()
            os.utime(ours, ns=(st.st_atime_ns, st.st_mtime_ns))
    shutil.copytree(built, tree / chapter / "build", symlinks=True)
    for stale in (tree / chapter / "build").glob("guest_images.S*"):
        stale.unlink()


def grader_env() -> dict[str, str]:
    """The grader's environment in a generated tree: Debian's files for the
    Linux guest come from the repository's cache (tools/debian_guest.py),
    fetched once, not once per tree."""
    env = dict(os.environ)
    env.setdefault("HVLAB_DEBIAN_CACHE", str(REPO / "build" / "debian"))
    return env


def grade(run: Run, py: str, results_dir: Path) -> Run:
    t0 = time.monotonic()
    b = subprocess.run(["make", "-s", "-C", str(run.tree / run.chapter)], capture_output=True,
                       text=True)
    if b.returncode != 0:
        run.build_error = (b.stdout + b.stderr).strip()
        run.seconds = time.monotonic() - t0
        return run
    out = results_dir / f"{run.name}.json"
    # `--opt=value`: a bare path after an option that pytest does not know
    # before it loads conftest.py would be taken for a test path.
    # The functional tests before the hostile-guest suite: with -x a run
    # stops at the first failure, and the functional ones fail sooner.
    files = sorted((f.name for f in (run.tree / "grader").glob("test_stage*.py")),
                   key=lambda n: ("hostile" in n, n))
    cmd = [py, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--tree={run.tree}",
           f"--chapter={run.chapter}", f"--results={out}", *files]
    cmd += [f"--stage={s}" for s in run.stages or [run.stage]]
    if run.select:
        cmd += ["-k", run.select]
    if run.exitfirst:
        cmd.append("-x")
    try:
        p = subprocess.run(cmd, cwd=run.tree / "grader", capture_output=True, text=True,
                           timeout=900, env=grader_env())
    except subprocess.TimeoutExpired:
        run.error = "the grader did not finish within 15 minutes"
        run.seconds = time.monotonic() - t0
        return run
    # pytest: 0 all passed, 1 some failed, 5 nothing selected (a mutation's
    # named test that no longer exists: a miss, which the report names);
    # anything else is not a grade
    if p.returncode == 5 and run.select:
        run.results = {}
    elif p.returncode not in (0, 1) or not out.exists():
        run.error = f"the grader failed (status {p.returncode}):\n" + tail(p.stdout + p.stderr)
    else:
        data = json.loads(out.read_text())
        run.results = {t["name"]: t["score"] == t["max_score"] for t in data["tests"]}
        run.score = (data["score"], data["max_score"])
    run.seconds = time.monotonic() - t0
    return run


def reference_from(results: Path, stage: int, chapter: str, tree: Path) -> Run:
    """The reference's grades for a chapter from a results.json of `make
    test` (every stage of the chapter: a superset of stage N's, which is
    what the handout's lost points are compared with)."""
    run = Run("reference", chapter, stage, tree)
    try:
        data = json.loads(results.read_text())
    except (OSError, ValueError) as e:
        run.error = f"cannot read {results}: {e}"
        return run
    # test_x[chN-x], or test_x[chN-x-128M-smp1] with parameters after it
    mine = [t for t in data.get("tests", [])
            if re.search(rf"\[{re.escape(chapter)}[\]-]", t["name"])]
    run.results = {t["name"]: t["score"] == t["max_score"] for t in mine}
    run.score = (sum(t["score"] for t in mine), sum(t["max_score"] for t in mine))
    return run


def caught(run: Run) -> bool:
    """Whether a mutant's run shows the mistake (a build error counts)."""
    return bool(run.build_error or run.error or not all(run.results.values()))


def tail(text: str, n: int = 25) -> str:
    return "\n".join("    " + ln for ln in text.strip().splitlines()[-n:])


def clang_format_errors(tree: Path, files: list[str]) -> str:
    """What the handout's own `make format-check` would say (students' CI
    runs it first)."""
    if not shutil.which("clang-format"):
        return ""
    c = [f for f in files if f.startswith("ch") and f.endswith((".c", ".h"))]
    p = subprocess.run(["clang-format", "--dry-run", "-Werror"] + c, cwd=tree,
                       capture_output=True, text=True)
    bad = sorted({ln.split(":", 1)[0] for ln in p.stderr.splitlines()
                  if "-Wclang-format-violations" in ln})
    return "" if p.returncode == 0 else ", ".join(bad) or p.stderr


def apply_mutation(tree: Path, chapter: str, m: Mutation) -> str:
    """Applies `m` to the chapter's copy of its region in a generated tree
    (whose regions lost their markers, their code verbatim); returns an
    error, or "" when it applied."""
    rel = f"{chapter}/{m.path}"
    src = REPO / rel
    if not src.exists():
        return f"{rel}: no such file"
    regions, _ = handout.scan(rel, src.read_text())
    lines = src.read_text().splitlines(keepends=True)
    found = [r for r in regions if r.lab == m.lab and r.desc.startswith(m.region)]
    if len(found) != 1:
        return f"{rel}: {len(found)} LAB {m.lab} regions begin with {m.region!r}"
    body = "".join(lines[found[0].begin:found[0].end - 1])
    if body.count(m.old) != 1:
        return f"{found[0].where}: {m.old!r} occurs {body.count(m.old)} times in the region"
    dst = tree / rel
    text = dst.read_text()
    if text.count(body) != 1:
        return f"{rel}: the region's code is not in the generated tree once"
    dst.write_text(text.replace(body, body.replace(m.old, m.new)))
    return ""


def check_mutations_apply() -> int:
    """Every mutation against a scratch copy of its chapter's file."""
    bad = 0
    with tempfile.TemporaryDirectory(prefix="hvlab-mut-") as tmp:
        for m in MUTATIONS:
            chapter = next((d.name for d in sorted(REPO.iterdir())
                            if (x := handout.CHAPTER_RE.fullmatch(d.name)) and int(x.group(1)) == m.lab),
                           None)
            if chapter is None:
                print(f"no chapter {m.lab} for mutation '{m}'")
                bad += 1
                continue
            dst = Path(tmp) / chapter / m.path
            dst.parent.mkdir(parents=True, exist_ok=True)
            src = REPO / chapter / m.path

            text = src.read_text() if src.exists() else ""
            dst.write_text(text)
            err = apply_mutation(Path(tmp), chapter, m)
            if err:
                print(f"{chapter}: mutation '{m}' does not apply: {err}")
                bad += 1
    print(f"{len(MUTATIONS) - bad} of {len(MUTATIONS)} mutations apply")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 2,
                    help="grader runs at once (default: the number of CPUs)")
    ap.add_argument("--chapter", action="append", default=[], help="check only this chapter")
    ap.add_argument("--keep", type=Path, help="generate the trees here and keep them")
    what = ap.add_mutually_exclusive_group()
    what.add_argument("--mutations-only", action="store_true",
                      help="only the usual wrong answers (tools/lab_mutations.py)")
    what.add_argument("--no-mutations", action="store_true", help="leave the mutations out")
    ap.add_argument("--mutation", metavar="TEXT",
                    help="only the mutations whose file or description contains TEXT")
    ap.add_argument("--reference-results", type=Path, metavar="RESULTS_JSON",
                    help="take the reference's grades from this results.json of `make test` "
                         "on the same tree instead of grading it again")
    ap.add_argument("--apply-only", action="store_true",
                    help="only check that every mutation still applies to its region "
                         "(seconds, no grading: after editing code inside LAB regions)")
    args = ap.parse_args(argv)
    t0 = time.monotonic()

    try:
        marked = handout.collect(REPO, handout.tree_files(REPO))
    except handout.MarkerError as e:
        print("\n".join(e.errors), file=sys.stderr)
        return 1
    regions = [r for _, rs in marked.values() for r in rs]
    if args.apply_only:
        return check_mutations_apply()
    chapters = [(int(m.group(1)), d.name) for d in sorted(REPO.iterdir())
                if (m := handout.CHAPTER_RE.fullmatch(d.name)) and (d / "Makefile").exists()]
    if args.chapter:
        unknown = set(args.chapter) - {c for _, c in chapters}
        if unknown:
            ap.error(f"no such chapter: {', '.join(sorted(unknown))}")
        chapters = [(n, c) for n, c in chapters if c in args.chapter]

    work = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="hvlab-labs-"))
    work.mkdir(parents=True, exist_ok=True)
    results_dir = work / "results"
    results_dir.mkdir(exist_ok=True)
    failures: list[str] = []
    try:
        solved = make_tree(work / "reference", lambda r: False)
        student = work / "handout"
        handout.write_tree(REPO, student, lambda r: True)
        share_libfdt(student)
        fmt = clang_format_errors(student, handout.chapter_diff.walk_files(student))
        if fmt:
            failures.append("the handout is not clang-format clean (the students' CI "
                            f"would fail): {fmt}")
        leaks = handout.find_leaks(REPO, student)
        print(f"== the handout: {len(leaks)} solution line(s) in it", flush=True)
        for leak in leaks[:20]:
            print(f"  {leak}")
        if leaks:
            failures.append(f"the handout holds {len(leaks)} line(s) of solutions, e.g. "
                            f"{leaks[0]}")

        # One build of the shared libfdt before the runs race for it.
        first = chapters[0][1] if chapters else None
        if first:
            subprocess.run(["make", "-s", "-C", str(solved / first),
                            str(solved / "build/third_party/libfdt/libfdt.a")],
                           capture_output=True)

        for _, c in chapters:
            b = subprocess.run(["make", "-s", "-C", str(student / c)], capture_output=True,
                               text=True)
            if b.returncode:
                failures.append(f"{c} of the handout (every lab stubbed) does not build:\n"
                                + tail(b.stdout + b.stderr))

        own = {c: sorted((r for r in regions if r.chapter == c and r.lab == n),
                         key=lambda r: (r.path, r.begin)) for n, c in chapters}
        for n, c in chapters:
            if not own[c]:
                failures.append(f"{c}: no LAB {n} region, so its handout cannot lose points")

        py = python()
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            # The builds that mutants and regions start from: the reference
            # tree's, or with --reference-results the repository's own,
            # which `make test` just built from the same files.
            seed_from = REPO if args.reference_results else solved
            if args.reference_results:
                refs = [reference_from(args.reference_results, n, c, solved)
                        for n, c in chapters]
            else:
                refs = list(pool.map(lambda nc: grade(Run("reference", nc[1], nc[0], solved),
                                                      py, results_dir), chapters))
            baseline = {r.chapter: r for r in refs}
            runs = []
            for n, c in chapters:
                # Against a reference that passes everything, the first
                # failure is proof enough, and stubs that hang cost a
                # timeout per test: stop there (-x).
                clean = baseline[c].results and all(baseline[c].results.values())
                if not args.mutations_only:
                    # a student of chapter N who solved and carried labs < N
                    released = make_tree(work / f"handout-solved{n - 1}",
                                         lambda r, n=n: r.lab >= n)
                    runs.append(Run("handout", c, n, released, exitfirst=bool(clean)))
                    for i, r in enumerate(own[c]):
                        tree = make_tree(work / f"region-{c}-{i}", lambda x, r=r: x == r)
                        seed_build(tree, c, seed_from)
                        runs.append(Run("region", c, n, tree, region=r, exitfirst=bool(clean)))
                if args.no_mutations:
                    continue
                for i, m in enumerate(x for x in MUTATIONS if x.lab == n and (
                        not args.mutation or args.mutation in str(x))):
                    tree = make_tree(work / f"mutant-{c}-{i}", lambda r: False)
                    err = apply_mutation(tree, c, m)
                    seed_build(tree, c, seed_from)
                    if err:
                        failures.append(f"{c}: mutation '{m}' does not apply: {err}")
                    else:
                        # its named test first, in any stage up to N: quick
                        runs.append(Run("mutant", c, n, tree, mutation=m, exitfirst=True,
                                        stages=list(range(1, n + 1)), select=m.catch))
            done = list(pool.map(lambda run: grade(run, py, results_dir), runs))
            # A mutant its named test did not catch is tried on the whole
            # stage N, then on the earlier stages (a mapping left out in lab
            # 3 shows in a stage-2 test); the report says its name is wrong.
            missed = {id(r.mutation): r for r in done if r.mutation and not caught(r)}
            whole = [Run("mutant", r.chapter, r.stage, r.tree, mutation=r.mutation,
                         exitfirst=True) for r in missed.values()]
            whole = list(pool.map(lambda run: grade(run, py, results_dir), whole))
            again = [Run("mutant", r.chapter, r.stage, r.tree, mutation=r.mutation,
                         exitfirst=True, stages=list(range(1, r.stage)))
                     for r in whole if r.stage > 1 and not caught(r)]
            earlier = {id(r.mutation): r for r in whole}
            earlier.update({id(r.mutation): r for r in pool.map(
                lambda run: grade(run, py, results_dir), again)})

        for n, c in chapters:
            print(f"== {c} (stage {n})", flush=True)
            ref = baseline[c]
            if ref.build_error or ref.error or not ref.results or not all(ref.results.values()):
                why = ref.build_error or ref.error or (
                    "no stage-%d tests" % n if not ref.results else
                    "fails " + ", ".join(t for t, ok in sorted(ref.results.items()) if not ok))
                failures.append(f"{c}: the reference does not pass its stage-{n} tests: {why}")
                print(f"  reference   FAIL  {why.splitlines()[0]}")
            else:
                print(f"  reference   ok    {ref.score[0]}/{ref.score[1]} ({ref.seconds:.0f}s)")
            for run in done:
                if run.chapter != c:
                    continue
                what = f"{run.region.where} ({run.region.desc})" if run.region else "handout"
                named_missed = False
                if run.mutation:
                    what = f"{run.mutation.path}: {run.mutation.why}"
                    if not caught(run) and id(run.mutation) in earlier:
                        named_missed = bool(run.select)
                        run = earlier[id(run.mutation)]
                if run.build_error:
                    failures.append(f"{c}: {what}: " + ("the stub" if run.region else "it")
                                    + " does not build:\n" + tail(run.build_error))
                    print(f"  {run.kind:<10}  FAIL  does not build: {what}")
                elif run.error:
                    failures.append(f"{c}: {what}: {run.error}")
                    print(f"  {run.kind:<10}  FAIL  {what}: grader error")
                elif run.kind == "handout":
                    lost = sorted(t for t, ok in run.results.items()
                                  if not ok and ref.results.get(t))
                    if lost:
                        print(f"  handout     ok    builds, loses points: {lost[0]} fails "
                              f"({run.seconds:.0f}s)")
                    else:
                        failures.append(f"{c}: the handout loses no points on the stage-{n} "
                                        f"tests ({run.score[0]}/{run.score[1]})")
                        print("  handout     FAIL  loses no points")
                elif run.kind == "mutant":
                    lost = sorted(t for t, ok in run.results.items() if not ok)
                    if lost and named_missed:
                        failures.append(f"{c}: {what}: its named test "
                                        f"{run.mutation.catch} does not fail, {lost[0]} does "
                                        f"(tools/lab_mutations.py: catch=)")
                        print(f"  mutant      FAIL  {what}: {lost[0]} fails, not "
                              f"{run.mutation.catch}")
                    elif lost:
                        print(f"  mutant      ok    {what}: {lost[0]} fails ({run.seconds:.0f}s)")
                    else:
                        failures.append(f"{c}: no test of stages 1-{n} fails with this wrong "
                                        f"answer: {what}")
                        print(f"  mutant      FAIL  {what}: no test fails")
                else:
                    changed = sorted(t for t, ok in run.results.items()
                                     if ref.results.get(t) != ok)
                    if changed:
                        print(f"  region      ok    {what}: noticed by {changed[0]} "
                              f"({run.seconds:.0f}s)")
                    else:
                        failures.append(f"{c}: no stage-{n} test notices when this region is "
                                        f"stubbed: {what}")
                        print(f"  region      FAIL  {what}: no test notices")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print(f"labs check: {time.monotonic() - t0:.0f}s, {len(failures)} failure(s)", flush=True)
    for f in failures:
        print(f"FAIL {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
