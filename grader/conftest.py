"""The grader's plumbing: which chapters to grade, building them, QEMU runs
that are logged when a test fails, points per test, `Score: X/Y`, and a
Gradescope-style results.json.

Options:
  --chapter NAME   grade one chapter (its stages 1..N; repeatable, or several
                   names in one, space-separated); default every chapter
  --tree DIR       the tree to grade (default: this repository), e.g. a handout
  --results FILE   where results.json goes (default grader/results.json)
  --stage S        run only the tests of stage S (repeatable)
  --due NAME       a chapter that counts for the grade (repeatable); default
                   $HVLAB_DUE, else the `due = ...` line of the tree's
                   grading.conf, else every graded chapter

The score is shown by chapter and stage before `Score: X/Y`, and kept in
results.json (`extra_data`, and the table as `output`).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from qemu import Machine, QemuRun, dump_dtb

GRADER_DIR = Path(__file__).resolve().parent
REPO_ROOT = GRADER_DIR.parent


def pytest_addoption(parser):
    parser.addoption("--chapter", action="append", default=[],
                     help="grade only this chapter (repeatable)")
    parser.addoption("--tree", default=str(REPO_ROOT), help="the tree whose chapters to grade")
    parser.addoption("--results", default=str(GRADER_DIR / "results.json"),
                     help="where to write the Gradescope-style results.json")
    parser.addoption("--stage", type=int, action="append", default=[],
                     help="run only the tests of this stage (repeatable)")
    parser.addoption("--due", action="append", default=[],
                     help="a chapter that counts for the grade (repeatable; default: "
                          "$HVLAB_DUE, else grading.conf's `due = ...`, else all)")


# -- chapters --------------------------------------------------------------

@dataclass(frozen=True)
class Chapter:
    name: str
    number: int
    path: Path

    @property
    def elf(self) -> Path:
        return self.path / "build" / "hv.elf"

    def __str__(self) -> str:
        return self.name


def all_chapters(tree: Path) -> list[Chapter]:
    out = []
    for d in sorted(tree.glob("ch[0-9]*-*")):
        m = re.fullmatch(r"ch(\d+)-.+", d.name)
        if m and (d / "Makefile").exists():
            out.append(Chapter(d.name, int(m.group(1)), d))
    return sorted(out, key=lambda c: c.number)


def names(values: list[str]) -> list[str]:
    """Chapter names from options that may hold several, space-separated."""
    return [n for v in values for n in v.split()]


def read_due(tree: Path) -> list[str]:
    """The `due = ch1-boot ch2-trap` line of the tree's grading.conf."""
    conf = tree / "grading.conf"
    if not conf.exists():
        return []
    for line in conf.read_text().splitlines():
        m = re.fullmatch(r"\s*due\s*=\s*(.*?)\s*", line.split("#", 1)[0])
        if m:
            return m.group(1).split()
    return []


def due_chapters(config) -> list[str]:
    """The chapters that count for the grade; empty: every graded one."""
    due = names(config.getoption("--due"))
    if not due and os.environ.get("HVLAB_DUE", "").strip():
        due = os.environ["HVLAB_DUE"].split()
    if not due:
        due = read_due(Path(config.getoption("--tree")).resolve())
    return [] if due == ["all"] else due


def selected_chapters(config) -> list[Chapter]:
    chapters = all_chapters(Path(config.getoption("--tree")).resolve())
    wanted = [n for n in names(config.getoption("--chapter")) if n != "all"]
    if wanted:
        unknown = set(wanted) - {c.name for c in chapters}
        if unknown:
            raise pytest.UsageError(f"no such chapter: {', '.join(sorted(unknown))}")
        chapters = [c for c in chapters if c.name in wanted]
    return chapters


def pytest_generate_tests(metafunc):
    """A test of stage S (module-level STAGE = S) runs on every selected
    chapter whose number is S or more: later chapters must keep passing it."""
    if "chapter" in metafunc.fixturenames:
        stage = getattr(metafunc.module, "STAGE", 1)
        chapters = [c for c in selected_chapters(metafunc.config) if c.number >= stage]
        metafunc.parametrize("chapter", chapters, ids=[c.name for c in chapters],
                             indirect=True)


def pytest_ignore_collect(collection_path, config):
    """A stage's test module (test_stageS_*.py) is not even collected when
    no selected chapter has reached stage S."""
    m = re.match(r"test_stage(\d+)_", collection_path.name)
    if m and collection_path.suffix == ".py":
        return all(c.number < int(m.group(1)) for c in selected_chapters(config)) or None
    return None


def pytest_collection_modifyitems(config, items):
    """Tests of a stage that no selected chapter has reached are not graded:
    they are left out altogether (pytest would otherwise report them as
    skipped with an empty parameter set). --stage S: only the tests whose
    module has STAGE = S."""
    items[:] = [i for i in items if "chapter" not in i.fixturenames
                or isinstance(getattr(i, "callspec", None) and i.callspec.params.get("chapter"),
                              Chapter)]
    stages = config.getoption("--stage")
    if not stages:
        return
    keep = [i for i in items if getattr(i.module, "STAGE", 1) in stages]
    dropped = [i for i in items if i not in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


_built: dict[str, str] = {}


@pytest.fixture
def chapter(request) -> Chapter:
    """The chapter under test, built (once per session; a file lock keeps
    parallel workers from building the same chapter at once)."""
    ch: Chapter = request.param
    if ch.name not in _built:
        lock = ch.path / "build" / ".grader-lock"
        lock.parent.mkdir(exist_ok=True)
        with open(lock, "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            r = subprocess.run(["make", "-s", "-C", str(ch.path)], capture_output=True,
                               text=True)
        _built[ch.name] = "" if r.returncode == 0 else r.stdout + r.stderr
    if _built[ch.name]:
        pytest.fail(f"{ch.name} does not build:\n{_built[ch.name][-3000:]}", pytrace=False)
    return ch


# -- QEMU runs, logged on failure -----------------------------------------

@pytest.fixture
def boot(request, chapter, tmp_path):
    """Starts a chapter's image: boot(mem=, smp=, append=, cpu=) -> QemuRun.
    Every run is killed at the end of the test and its serial log kept under
    grader/logs/ when the test fails."""
    runs: list[QemuRun] = []
    request.node.hvlab_runs = runs

    def start(ch: Chapter | None = None, name: str | None = None, **kw) -> QemuRun:
        ch = ch or chapter
        run = QemuRun(ch.elf, Machine(**kw), name=name or f"qemu{len(runs)}")
        runs.append(run)
        return run.start()

    yield start
    for run in runs:
        run.kill()


@pytest.fixture
def device_tree(tmp_path):
    """device_tree(machine) -> the blob QEMU builds for it."""
    from devicetree import DeviceTree

    def get(**kw) -> DeviceTree:
        path = tmp_path / f"virt-{len(list(tmp_path.glob('*.dtb')))}.dtb"
        return DeviceTree(dump_dtb(Machine(**kw), path))

    return get


LOGS = GRADER_DIR / "logs"


def _log_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1])[:150] + ".log"


def _keep_log(item) -> tuple[Path, str | None] | None:
    """Writes the serial log of the item's QEMU runs; (path, first panic line)."""
    runs = getattr(item, "hvlab_runs", [])
    if not runs:
        return None
    LOGS.mkdir(exist_ok=True)
    path = LOGS / _log_name(item.nodeid)
    path.write_text("".join(r.log_text() for r in runs))
    panics = [p for p in (r.first_panic() for r in runs) if p]
    return path, panics[0] if panics else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Points and where the test belongs go with the report; a failure names
    its serial log and the hypervisor's first panic line."""
    outcome = yield
    report = outcome.get_result()
    if call.when == "setup":
        points = item.get_closest_marker("points")
        report.user_properties.append(("points", points.args[0] if points else 1))
        ch = getattr(item, "callspec", None) and item.callspec.params.get("chapter")
        if isinstance(ch, Chapter):
            report.user_properties.append(("chapter", ch.name))
        report.user_properties.append(("stage", getattr(item.module, "STAGE", 1)))
    if report.failed:
        item.hvlab_failed = True
    if report.failed and call.when == "call":
        kept = _keep_log(item)
        if kept:
            path, panic = kept
            rel = os.path.relpath(path)
            note = f"serial log: {rel}" + (f"\nfirst panic: {panic}" if panic else "")
            report.sections.append(("hvlab", note))
            report.user_properties.append(("log", rel))
            if panic:
                report.user_properties.append(("panic", panic))
    elif call.when == "teardown" and getattr(item, "hvlab_failed", False):
        _keep_log(item)  # the whole output, now that the runs are over


# -- points, score, results.json ------------------------------------------

class Scoreboard:
    """Points go to tests that ran and passed. A test that did not run (a
    skip, whatever its reason: a tool missing on the grading machine, say)
    keeps its place in the maximum and scores 0, so that a score means the
    same everywhere; its output says why it did not run."""

    def __init__(self):
        self.tests: dict[str, dict] = {}

    def pytest_runtest_logreport(self, report):
        t = self.tests.setdefault(report.nodeid, {
            "name": report.nodeid.split("::", 1)[-1], "max_score": 1, "passed": False,
            "failed": False, "output": ""})
        for key, value in report.user_properties:
            if key == "points":
                t["max_score"] = value
            elif key in ("chapter", "stage", "log", "panic"):
                t[key] = value
        if report.when == "call" and report.passed:
            t["passed"] = True
        text = ""
        if report.failed:
            t["failed"] = True
            text = report.longreprtext or ""
        elif report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else \
                report.longreprtext
            text = f"not run ({reason}): scores 0\n"
        if text:
            t["output"] = (t["output"] + text)[-4000:]

    def pytest_terminal_summary(self, terminalreporter, config):
        if not self.tests:
            return
        for t in self.tests.values():
            t["score"] = t["max_score"] if t["passed"] and not t["failed"] else 0
            if "log" in t:
                where = f"serial log: {t['log']}\n"
                if "panic" in t:
                    where += f"first panic: {t['panic']}\n"
                t["output"] = where + t["output"]
        failed = sorted((t for t in self.tests.values() if "log" in t), key=lambda t: t["name"])
        if failed:
            terminalreporter.section("serial logs of the failed tests")
            for t in failed:
                terminalreporter.write_line(f"{t['name']}: {t['log']}")
                if "panic" in t:
                    terminalreporter.write_line(f"    first panic: {t['panic']}")
        got = sum(t["score"] for t in self.tests.values())
        total = sum(t["max_score"] for t in self.tests.values())
        due = due_chapters(config)
        chapters = by_chapter(self.tests.values(), due)
        table = score_table(chapters)
        results = {
            "score": got, "max_score": total,
            "output": "\n".join(table) + "\n",
            "tests": [{"name": t["name"], "score": t["score"], "max_score": t["max_score"],
                       "output": t["output"]}
                      for t in sorted(self.tests.values(), key=lambda t: t["name"])],
            "extra_data": {"chapters": chapters, "due": due},
        }
        Path(config.getoption("--results")).write_text(json.dumps(results, indent=2) + "\n")
        terminalreporter.section("score by chapter and stage")
        for line in table:
            terminalreporter.write_line(line)
        terminalreporter.write_line(f"Score: {got}/{total}", bold=True,
                                    green=got == total, red=got != total)


def by_chapter(tests, due: list[str]) -> dict:
    """chapter -> {score, max_score, due, stages: {stage: {score, max_score}}}."""
    out: dict[str, dict] = {}
    for t in tests:
        ch = out.setdefault(t.get("chapter", "other"), {
            "score": 0, "max_score": 0, "due": False, "stages": {}})
        st = ch["stages"].setdefault(str(t.get("stage", 0)), {"score": 0, "max_score": 0})
        for d in (ch, st):
            d["score"] += t["score"]
            d["max_score"] += t["max_score"]
    for name, ch in out.items():
        ch["due"] = not due or name in due
        ch["stages"] = dict(sorted(ch["stages"].items(), key=lambda kv: int(kv[0])))
    return dict(sorted(out.items(), key=lambda kv: (chapter_key(kv[0]), kv[0])))


def chapter_key(name: str) -> int:
    m = re.match(r"ch(\d+)-", name)
    return int(m.group(1)) if m else 1 << 30


def score_table(chapters: dict) -> list[str]:
    """A small table: a row per chapter, a column per stage, the total, and
    whether the chapter counts (is due)."""
    stages = sorted({int(s) for ch in chapters.values() for s in ch["stages"]})
    width = max([len("chapter")] + [len(n) for n in chapters])
    cells = lambda d: f"{d['score']}/{d['max_score']}"  # noqa: E731
    head = f"{'chapter':<{width}}" + "".join(f"  {'stage ' + str(s):>9}" for s in stages) \
        + f"  {'total':>9}"
    lines = [head]
    for name, ch in chapters.items():
        row = f"{name:<{width}}" + "".join(
            f"  {cells(ch['stages'][str(s)]) if str(s) in ch['stages'] else '':>9}"
            for s in stages)
        full = ch["score"] == ch["max_score"]
        lines.append(row + f"  {cells(ch):>9}  " + ("due" if ch["due"] else "not due")
                     + ("" if full else ", points lost"))
    due = [n for n, ch in chapters.items() if ch["due"]]
    got = sum(chapters[n]["score"] for n in due)
    total = sum(chapters[n]["max_score"] for n in due)
    lines.append(f"Due ({' '.join(due) or 'none'}): {got}/{total}"
                 + (", full marks" if got == total else ""))
    return lines


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): what the test is worth")
    # Only the controller (or the single process) keeps the score and starts
    # the run with no logs of an earlier one (workers start after this).
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(Scoreboard(), "hvlab-scoreboard")
        if not config.option.collectonly:
            shutil.rmtree(LOGS, ignore_errors=True)
            Path(config.getoption("--results")).unlink(missing_ok=True)
    os.environ.setdefault("HVLAB_TIMEOUT_SCALE", "1")
