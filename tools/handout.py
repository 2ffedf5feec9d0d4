#!/usr/bin/env python3
"""The student handout: hvlab with the labs taken out.

    tools/handout.py --check            validate the LAB markers of every chapter
    tools/handout.py --list             print every LAB region (file:line: LAB N: what)
    tools/handout.py [--out DIR] [--solved N] [--due "ch1-boot ..."]
                                        write the handout (default build/handout)
    tools/handout.py --leaks DIR [--solved N]
                                        look for solution lines in a handout
    tools/handout.py --out DIR --only FILE:LINE
                                        a tree where only that region is stubbed
                                        (what tools/labs_real.py grades)

Code that is chapter N's exercise sits between markers on lines of their own:

    /* LAB N BEGIN: what to implement */
    ... reference solution ...
    /* LAB N END */

In the handout, every LAB region becomes a stub that compiles: a
`/* TODO(lab N): what */` comment and, in C inside a function, a
`panic("lab N: what");` (in assembly, a message and an SBI shutdown that
end the run). That is every region of every chapter (chapter M has the
regions of labs 1..M: a lab's code is copied forward with its chapter), so
the handout holds no solution; a student carries their own forward
(tools/forward_port.py). With --solved N, the regions of labs up to N
keep their code and lose their marker lines (a course releases a lab once
its deadline has passed). A comment that opens the region with `/* Spec: `
(what the graded output must look like, what else the code must set) is
part of the exercise: the stub keeps it under the TODO. A region of lab M in
a chapter numbered below M is an error, as are unbalanced, nested and
malformed markers; those are reported as `file:line: message` and nothing
is written. After writing, every file of the handout is searched for the
stubbed regions' lines (--leaks): a handout that holds one is an error.

The tree is the repository's tracked files plus untracked ones that git does
not ignore (so that it works on uncommitted work), without build outputs
and the instructors' tools that quote solutions. The reference tree is
never modified.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chapter_diff  # noqa: E402  (regenerates the handout's chapter patches)

REPO = Path(__file__).resolve().parent.parent
MARKED_SUFFIXES = (".c", ".h", ".S")
# Written at the top of every handout: .ci/run skips the instructors' checks
# in a tree that has it, and a second `make handout` knows it may replace it.
HANDOUT_STAMP = ".hvlab-handout"
CI_TEMPLATE = "tools/ci-template/grade.yml"
# The instructors' tools that hold or need the solutions: not in a students'
# tree (the usual wrong answers quote the reference).
INSTRUCTORS_ONLY = ("tools/labs_real.py", "tools/lab_mutations.py", "tools/gradescope/",
                    "tools/test_gradescope.sh")
CI_WORKFLOW = ".github/workflows/grade.yml"
# The top README's instructors-only block; the handout puts the students'
# section in its place.
README_BLOCK = re.compile(r"<!-- instructors: begin -->.*?<!-- instructors: end -->\n?", re.S)

BEGIN_RE = re.compile(r"^(?P<indent>[ \t]*)/\* LAB (?P<n>\d+) BEGIN: (?P<desc>\S(?:.*\S)?) \*/[ \t]*$")
END_RE = re.compile(r"^[ \t]*/\* LAB (?P<n>\d+) END \*/[ \t]*$")
# Anything that looks like a marker, so that a typo is an error, not code.
LOOSE_RE = re.compile(r"\bLAB\s+\S+\s+(BEGIN|END)\b")
CHAPTER_RE = re.compile(r"ch(\d+)-[^/]+")
PANIC_INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"lib/panic\.h"', re.M)
INCLUDE_RE = re.compile(r"^\s*#\s*include\b")
COLUMNS = 100  # .clang-format's ColumnLimit (tabs count 8)


@dataclass(frozen=True)
class Region:
    path: str  # relative to the tree's root, e.g. "ch1-boot/hv/boot/dt.c"
    lab: int
    desc: str
    begin: int  # 1-based line of the BEGIN marker
    end: int  # 1-based line of the END marker
    indent: str

    @property
    def chapter(self) -> str:
        return self.path.split("/", 1)[0]

    @property
    def where(self) -> str:
        return f"{self.path}:{self.begin}"

    def __str__(self) -> str:
        return f"{self.where}: LAB {self.lab}: {self.desc}"


class MarkerError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


# -- the files of a tree ----------------------------------------------------

def tree_files(root: Path) -> list[str]:
    """Tracked files plus untracked ones git does not ignore, that exist."""
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "-co", "--exclude-standard"],
                             check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"handout: {root} is not a git work tree ({e})")
    # (a tracked file deleted in the work tree is not part of it)
    return sorted({f for f in out.decode().split("\0") if f and os.path.lexists(root / f)})


def chapter_number(relpath: str) -> int | None:
    m = CHAPTER_RE.fullmatch(relpath.split("/", 1)[0])
    return int(m.group(1)) if m and "/" in relpath else None


def is_marked(relpath: str) -> bool:
    return relpath.endswith(MARKED_SUFFIXES)


# -- markers ----------------------------------------------------------------

def scan(relpath: str, text: str) -> tuple[list[Region], list[str]]:
    """The LAB regions of one file, and its marker errors."""
    chapter = chapter_number(relpath)
    regions: list[Region] = []
    errors: list[str] = []
    open_: tuple[int, int, str, str] | None = None  # (lab, line, desc, indent)

    def err(line: int, msg: str) -> None:
        errors.append(f"{relpath}:{line}: {msg}")

    for i, line in enumerate(text.splitlines(), 1):
        if not LOOSE_RE.search(line):
            continue
        b, e = BEGIN_RE.match(line), END_RE.match(line)
        if not (b or e):
            err(i, "malformed LAB marker (expected a line of its own: "
                   "'/* LAB N BEGIN: description */' or '/* LAB N END */')")
            continue
        lab = int((b or e).group("n"))
        if chapter is None:
            err(i, "LAB marker outside a chapter directory (chN-*)")
            continue
        if b:
            if open_:
                err(i, f"nested LAB region: LAB {open_[0]} opened at line {open_[1]} is not closed")
                continue
            if lab < 1 or lab > chapter:
                err(i, f"LAB {lab} region in chapter {chapter} ({relpath.split('/')[0]}): "
                       f"lab numbers run from 1 to the chapter's number")
            open_ = (lab, i, b.group("desc"), b.group("indent"))
        else:
            if not open_:
                err(i, f"LAB {lab} END without a BEGIN")
                continue
            if lab != open_[0]:
                err(i, f"LAB {lab} END closes the LAB {open_[0]} region opened at line {open_[1]}")
            elif i == open_[1] + 1:
                err(open_[1], f"LAB {lab} region is empty")
            else:
                regions.append(Region(relpath, lab, open_[2], open_[1], i, open_[3]))
            open_ = None
    if open_:
        err(open_[1], f"LAB {open_[0]} BEGIN is never closed")
    return regions, errors


def collect(root: Path, files: list[str]) -> dict[str, tuple[str, list[Region]]]:
    """path -> (text, regions) for every marked file; raises MarkerError."""
    out: dict[str, tuple[str, list[Region]]] = {}
    errors: list[str] = []
    for f in files:
        if not is_marked(f):
            continue
        text = (root / f).read_text()
        regions, errs = scan(f, text)
        errors += errs
        if regions:
            out[f] = (text, regions)
    if errors:
        raise MarkerError(errors)
    return out


# -- stubs ------------------------------------------------------------------

def width(s: str) -> int:
    return len(s.expandtabs(8))


def c_string(s: str) -> str:
    """A string literal that panic()'s printf-style format prints as is."""
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")


def panic_call(indent: str, message: str) -> list[str]:
    """panic("message"); split into adjacent literals, aligned after the
    parenthesis, where one line would pass the column limit (the form that
    clang-format keeps as it is)."""
    one = f'{indent}panic("{c_string(message)}");'
    if width(one) <= COLUMNS:
        return [one]
    lines: list[str] = []
    words, cur = message.split(" "), ""
    lead, cont = f"{indent}panic(", f"{indent}      "
    for j, w in enumerate(words):
        cand = f"{cur} {w}" if cur else w
        prefix = cont if lines else lead
        # a line ends in `"` after a space, the last one in `");`
        tail = '");' if j == len(words) - 1 else ' "'
        if cur and width(f'{prefix}"{c_string(cand)}{tail}') > COLUMNS:
            lines.append(f'{prefix}"{c_string(cur)} "')
            cur = w
        else:
            cur = cand
    lines.append(f'{cont if lines else lead}"{c_string(cur)}");')
    return lines


# A small C lexer: enough to find function bodies and their parameters, and
# which identifiers the code uses, outside comments, literals and directives.
TOKEN_RE = re.compile(r"""
    (?P<nl>\n) | (?P<ws>[ \t\r\f\v]+) | (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<str>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')
  | (?P<id>[A-Za-z_]\w*) | (?P<num>\.?\d[\w.]*) | (?P<punct>.)""", re.S | re.X)


@dataclass
class Token:
    kind: str  # id, num, str, punct
    text: str
    line: int


def tokens(text: str) -> list[Token]:
    out: list[Token] = []
    line, pos, at_line_start = 1, 0, True
    while pos < len(text):
        m = TOKEN_RE.match(text, pos)
        kind, tok = m.lastgroup, m.group()
        if kind == "punct" and tok == "#" and at_line_start:
            # a preprocessor directive, with its continuation lines
            end = pos
            while end < len(text) and not (text[end] == "\n" and text[end - 1] != "\\"):
                end += 1
            line += text.count("\n", pos, end)
            pos = end
            continue
        pos = m.end()
        line += tok.count("\n") if kind in ("nl", "comment") else 0
        if kind == "nl":
            at_line_start = True
        elif kind not in ("ws", "comment"):
            at_line_start = False
            out.append(Token(kind, tok, line))
    return out


@dataclass
class Function:
    first: int  # line of the body's `{`
    last: int  # line of its `}`
    params: list[str]
    body: list[Token]


def matching(toks: list[Token], i: int, step: int) -> int:
    """Index of the bracket matching toks[i], searching forward (step 1)
    or backward (step -1)."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    opening = toks[i].text if step > 0 else {v: k for k, v in pairs.items()}[toks[i].text]
    closing = pairs[opening]
    depth = 0
    while 0 <= i < len(toks):
        t = toks[i].text
        if t == (opening if step > 0 else closing):
            depth += 1
        elif t == (closing if step > 0 else opening):
            depth -= 1
            if depth == 0:
                return i
        i += step
    return -1


def param_names(toks: list[Token]) -> list[str]:
    """Names in a parameter list: the last identifier of each parameter,
    or the one in `(*name)` for a function pointer."""
    names, cur, depth = [], [], 0
    for t in toks + [Token("punct", ",", 0)]:
        if t.text in "([" and t.kind == "punct":
            depth += 1
        elif t.text in ")]" and t.kind == "punct":
            depth -= 1
        if t.text == "," and depth == 0:
            ids = [x.text for x in cur if x.kind == "id"]
            star = [k for k in range(len(cur) - 2) if cur[k].text == "(" and cur[k + 1].text == "*"]
            if star and cur[star[0] + 2].kind == "id":
                names.append(cur[star[0] + 2].text)
            elif ids and not (len(cur) == 1 and ids == ["void"]):
                # the name comes before any array brackets
                bracket = next((k for k, x in enumerate(cur) if x.text == "["), len(cur))
                before = [x.text for x in cur[:bracket] if x.kind == "id"]
                if len(before) > 1:  # an unnamed parameter is only its type
                    names.append(before[-1])
            cur = []
        else:
            cur.append(t)
    return names


def functions(text: str) -> list[Function]:
    """Function definitions: a top-level `{` right after `)`."""
    toks = tokens(text)
    out, i = [], 0
    while i < len(toks):
        if toks[i].text == "{":
            end = matching(toks, i, 1)
            if end < 0:
                break
            if i > 0 and toks[i - 1].text == ")":
                start = matching(toks, i - 1, -1)
                # skip __attribute__((...)) between the parameters and the body
                while start > 1 and toks[start - 1].text in ("__attribute__", "(") \
                        and toks[start - 2].text == ")":
                    start = matching(toks, start - 2, -1)
                out.append(Function(toks[i].line, toks[end].line,
                                    param_names(toks[start + 1:matching(toks, start, 1)]),
                                    toks[i + 1:end]))
            i = end + 1
        else:
            i += 1
    return out


SPEC_RE = re.compile(r"^[ \t]*/\* Spec: ")


def spec_lines(src: list[str], region: Region) -> list[str]:
    """The region's opening `/* Spec: ... */` comment, if it has one."""
    body = src[region.begin:region.end - 1]
    if not body or not SPEC_RE.match(body[0]):
        return []
    for k, line in enumerate(body):
        if "*/" in line:
            return body[:k + 1]
    return []


def stub(region: Region, fn: Function | None, stubbed: list[Region],
         spec: list[str] = ()) -> list[str]:
    """The TODO comment and the region's spec; in a C function also `(void)`
    for each parameter that only the stubbed code used (-Wunused-parameter),
    and the panic."""
    lines = [f"{region.indent}/* TODO(lab {region.lab}): {region.desc} */"] + list(spec)
    if region.path.endswith(".S"):
        return lines + asm_stop(region.indent, f"lab {region.lab}: {region.desc}")
    if fn is None:
        return lines
    used = {t.text for t in fn.body if t.kind == "id"
            and not any(r.begin < t.line < r.end for r in stubbed)}
    lines += [f"{region.indent}(void){name};" for name in fn.params if name not in used]
    return lines + panic_call(region.indent, f"lab {region.lab}: {region.desc}")


def asm_stop(indent: str, message: str) -> list[str]:
    """Assembly has no panic() that works everywhere (there may be no stack
    yet): the stub prints the message through the SBI legacy console, as a
    panic's first line, then an SBI system reset (shutdown, reason "system
    failure") stops the run at once, where falling through would hang it
    until a timeout. Only t0, a0, a6 and a7 change."""
    i = indent or "\t"
    text = f"[hv] panic in assembly: {message}".replace("\\", "\\\\").replace('"', '\\"')
    return [f"{i}.pushsection .rodata",
            f'97301:\t.asciz "{text}\\n[hv] panic: end of report, powering off\\n"',
            f"{i}.popsection",
            f"{i}la\tt0, 97301b",
            "97302:\tlbu\ta0, 0(t0)\t/* until then: print the message, then SBI SRST */",
            f"{i}beqz\ta0, 97303f",
            f"{i}li\ta7, 1\t/* legacy console_putchar */",
            f"{i}ecall",
            f"{i}addi\tt0, t0, 1",
            f"{i}j\t97302b",
            "97303:\tli\ta7, 0x53525354\t/* SRST: shutdown, system failure */",
            f"{i}li\ta6, 0", f"{i}li\ta0, 0", f"{i}li\ta1, 1", f"{i}ecall"]


def add_panic_include(lines: list[str], before: int) -> list[str]:
    """`#include "lib/panic.h"` after the last #include above line index
    `before` (else after a header's include guard, else at the top)."""
    at = None
    for k in range(min(before, len(lines))):
        if INCLUDE_RE.match(lines[k]):
            at = k + 1
    if at is None:
        at = 0
        if len(lines) > 1 and lines[0].startswith("#ifndef") and lines[1].startswith("#define"):
            at = 2
        else:  # after a leading comment
            k = 0
            while k < len(lines) and lines[k].lstrip().startswith(("/*", "*", "//")):
                k += 1
                if lines[k - 1].rstrip().endswith("*/"):
                    at = k
                    break
    return lines[:at] + ['#include "lib/panic.h"'] + lines[at:]


def transform(text: str, regions: list[Region], stubbed: set[Region]) -> tuple[str, dict[Region, int]]:
    """The file with the `stubbed` regions stubbed and every other region's
    marker lines removed; also the 1-based line of each stub's TODO."""
    src = text.splitlines()
    fns = functions(text) if stubbed and not regions[0].path.endswith(".S") else []
    mine = sorted(stubbed, key=lambda r: r.begin)
    by_begin = {r.begin: r for r in regions}
    out: list[str] = []
    todo_at: dict[Region, int] = {}
    voided: set[tuple[int, str]] = set()  # (function, parameter) already voided
    first_panic = None
    k = 1
    while k <= len(src):
        r = by_begin.get(k)
        if r is None:
            out.append(src[k - 1])
            k += 1
            continue
        if r in stubbed:
            fn = next((f for f in fns if f.first < r.begin < f.last), None)
            lines = stub(r, fn, mine, spec_lines(src, r))
            # a parameter is voided once per function, by its first stub
            kept = []
            for ln in lines:
                key = (fn.first if fn else 0, ln.strip())
                if ln.strip().startswith("(void)"):
                    if key in voided:
                        continue
                    voided.add(key)
                kept.append(ln)
            if any("panic(" in ln for ln in kept) and first_panic is None:
                first_panic = len(out)
            todo_at[r] = len(out) + 1
            out += kept
        else:
            out += src[r.begin:r.end - 1]
        k = r.end + 1
    if first_panic is not None and not PANIC_INCLUDE_RE.search(text):
        out = add_panic_include(out, first_panic)
        todo_at = {r: n + 1 for r, n in todo_at.items()}
    return "\n".join(out) + ("\n" if text.endswith("\n") else ""), todo_at


# -- solutions that must not leak ------------------------------------------

# A line too short or too common to give anything away: a brace, `return 0;`.
TRIVIAL = 16
COMMENT_RE = re.compile(r"^(/\*|\*|//)")


def quotes_diffs(path: str) -> bool:
    """A file that may quote code in a diff's +/- column: a README, a
    chapter's patch (tools/chapter_diff.py)."""
    return path.endswith((".md", ".patch", ".diff"))


def normal(line: str, diff_column: bool = False) -> str:
    """A line as it is compared: without indentation, a trailing comment,
    and, in a file that quotes diffs, the diff's +/- column."""
    if diff_column:
        line = re.sub(r"^[+\- ]", "", line)
    line = re.sub(r"\s*/\*.*?\*/\s*$", "", line.strip())
    return re.sub(r"\s+", " ", line)


def solution_lines(root: Path, solved: int = 0) -> dict[str, Region]:
    """The lines that only the solutions of labs above `solved` contain:
    each region's code lines (not its comments) that appear nowhere outside
    the regions in the reference's code, and are not trivial."""
    files = tree_files(root)
    marked = collect(root, files)
    secret: dict[str, Region] = {}
    released: set[str] = set()  # the lines of the labs handed out solved
    for text, regions in marked.values():
        lines = text.splitlines()
        for r in regions:
            for line in lines[r.begin:r.end - 1]:
                n = normal(line)
                if r.lab <= solved:
                    released.add(n)
                elif len(n) >= TRIVIAL and not COMMENT_RE.match(n):
                    secret.setdefault(n, r)
    for n in released:
        secret.pop(n, None)
    # what the code outside the regions says anyway (not the READMEs and the
    # chapters' patches, which quote the regions; not the instructors' tools)
    for f in files:
        if quotes_diffs(f) or f.startswith(INSTRUCTORS_ONLY) or not (root / f).is_file():
            continue
        try:
            text = (root / f).read_text()
        except UnicodeDecodeError:
            continue
        inside: set[int] = set()
        for r in marked.get(f, ("", []))[1]:
            inside.update(range(r.begin, r.end + 1))
        for i, line in enumerate(text.splitlines(), 1):
            if i not in inside:
                secret.pop(normal(line), None)
    return secret


def find_leaks(root: Path, tree: Path, solved: int = 0) -> list[str]:
    """Every line of `tree` (any file, its READMEs and the chapters'
    patches included) that is a solution line of a lab above `solved`:
    `file:line: ...`."""
    secret = solution_lines(root, solved)
    leaks = []
    for path in sorted(p for p in tree.rglob("*") if p.is_file() and "build" not in
                       p.relative_to(tree).parts[:2] and ".git" not in p.parts):
        try:
            text = path.read_text()
        except (UnicodeDecodeError, OSError):
            continue
        diffs = quotes_diffs(path.name)
        for i, line in enumerate(text.splitlines(), 1):
            r = secret.get(normal(line, diffs))
            if r:
                leaks.append(f"{path.relative_to(tree)}:{i}: solution of {r.where} "
                             f"(LAB {r.lab}): {line.strip()}")
    return leaks


# -- the tree ---------------------------------------------------------------

def prepare_out(out: Path, root: Path) -> None:
    out = out.resolve()
    if out == root.resolve() or root.resolve().is_relative_to(out):
        sys.exit(f"handout: refusing to write over the reference tree ({out})")
    if out.exists():
        if any(out.iterdir()) and not (out / HANDOUT_STAMP).exists():
            sys.exit(f"handout: {out} exists, is not empty and is not a handout; not touching it")
        shutil.rmtree(out)
    out.mkdir(parents=True)


def write_tree(root: Path, out: Path, stubbed_pred, student: bool = True,
               due: list[str] | None = None, solved: int = 0) -> list[tuple[Region, int]]:
    """Writes the tree; returns the stubbed regions with the line of their
    TODO in the output. `stubbed_pred(region)` says which ones to stub."""
    files = tree_files(root)
    marked = collect(root, files)
    if student:
        files = [f for f in files if not f.startswith(INSTRUCTORS_ONLY)]
    prepare_out(out, root)
    stubs: list[tuple[Region, int]] = []
    for f in files:
        dst = out / f
        dst.parent.mkdir(parents=True, exist_ok=True)
        src = root / f
        if src.is_symlink():
            os.symlink(os.readlink(src), dst)
        elif f in marked:
            text, regions = marked[f]
            new, todo_at = transform(text, regions, {r for r in regions if stubbed_pred(r)})
            dst.write_text(new)
            shutil.copymode(src, dst)
            stubs += sorted(todo_at.items(), key=lambda t: t[0].begin)
        else:
            # copy2 keeps the times: make then sees the tree's sources as old
            # as the reference's (a shared libfdt cache stays up to date).
            shutil.copy2(src, dst)
    (out / HANDOUT_STAMP).write_text(
        "This tree was generated by tools/handout.py from the hvlab reference.\n"
        "Its CI skips the instructors' checks (chapter diffs, labs check).\n")
    if student:
        finish_student_tree(out, stubs, due or [], solved)
    return stubs


GRADING_CONF = """\
# The chapters that count for the grade: `make grade` without CH grades
# them, and CI (.ci/run) is green when each of them has full marks; the
# other chapters are graded and reported too, without failing the run.
# The course moves this line as deadlines pass (e.g. due = ch1-boot ch2-trap).
due = {due}
"""


def finish_student_tree(out: Path, stubs: list[tuple[Region, int]], due: list[str],
                        solved: int = 0) -> None:
    """The README's students' section, chapter patches (and their README
    sections) regenerated from the handout's code, stubs and not solutions,
    the CI workflow in place, and grading.conf."""
    (out / "grading.conf").write_text(GRADING_CONF.format(due=" ".join(due)))
    readme = out / "README.md"
    if readme.exists():
        text = readme.read_text()
        section = students_section(stubs, solved)
        if README_BLOCK.search(text):
            text = README_BLOCK.sub(lambda _: section, text, count=1)
        else:
            text = text.rstrip("\n") + "\n\n" + section
        readme.write_text(text)
    if (out / CI_TEMPLATE).exists():
        (out / CI_WORKFLOW).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out / CI_TEMPLATE, out / CI_WORKFLOW)
    chapter_diff.update(out, chapter_diff.walk_files(out), check=False, quiet=True)


def students_section(stubs: list[tuple[Region, int]], solved: int = 0) -> str:
    own = [(r, line) for r, line in stubs if r.lab == chapter_number(r.path)]
    rows = []
    for r, line in sorted(own, key=lambda t: (chapter_number(t[0].path), t[0].path, t[1])):
        rows.append(f"| {r.lab} | `{r.path}:{line}` | {r.desc} |")
    table = "\n".join(rows) or "| | | (no lab left to do) |"
    released = (f"Labs 1 to {solved} are solved in every chapter (their deadline has "
                f"passed); the others are yours. " if solved else "")
    return f"""## Your labs

This is the students' tree of hvlab. {released}The code of each lab has been
taken out wherever it appears: lab N is the exercise of chapter N, and since
each chapter is a complete copy of the one before plus new work, chapter M
holds labs 1 to M. Each place says `TODO(lab N)` and, in C, stops the
hypervisor with `panic("lab N: ...")` until you write it (in assembly, it
prints that it stops and shuts the machine down through SBI). A `Spec:`
comment under the TODO says what the graded output must look like and what
else to set. Each chapter's README explains the concepts and gives hints.

| lab | where (in its chapter) | what to implement |
| --- | --- | --- |
{table}

### Carrying a lab forward

Solve lab N in chapter N first. Chapter N+1 and later hold the same stubs
of lab N and cannot pass the earlier stages until they get your code: carry
it forward with `tools/forward_port.py`, which applies your changes to
chapter N to every later chapter, file by file where they apply:

```sh
git commit -am "lab 1"                            # your lab-1 work in ch1-boot
tools/forward_port.py ch1-boot --since-handout    # all your ch1-boot changes so far
tools/forward_port.py ch1-boot --commits HEAD     # later: one fix, one commit
tools/forward_port.py ch1-boot --dry-run          # only say where it would apply
make grade CH="ch1-boot ch2-trap"                 # ch2-trap now passes stage 1
```

Where a later chapter changed the code around a lab, the tool says which
file did not take the change and why; `--reject` applies the rest and
leaves `.rej` files to finish by hand. Each chapter's `from-chM-x.patch`
(its diff against the chapter before; `make diffs` regenerates it) shows the
code of this tree, stubs included.

### Testing

```sh
make grade CH=ch1-boot                           # or: cd ch1-boot && make test
make grade CH=ch1-boot PYTEST_ARGS="-k nonce -x" # one test, stop at the first failure
make grade CH="ch1-boot ch2-trap"                # several chapters
make grade                                       # the chapters due (grading.conf)
make grade CH=all                                # every chapter, as CI does
```

Chapter N is graded on the tests of stages 1 to N. The grader prints the
score of each chapter and stage, then `Score: X/Y`; each failure names the
serial log it kept in `grader/logs/` and the hypervisor's first `panic`
line, if any.

### Submitting

`grading.conf` says which chapters are due (`due = ...`); the course moves
that line as deadlines pass. Commit and push to your course repository. CI
(`.github/workflows/grade.yml`) runs `bash .ci/run`: the formatting check
(`make format-check`; `make format` fixes it), then the grader on every
chapter. It shows the score of each chapter and stage in the run's summary,
publishes `grader/results.json` (Gradescope format) and `grader/junit.xml`
as artifacts, and is green when every due chapter has full marks (the
others are reported without failing the run). The grade itself comes from
the course's own copy of the grader, which takes only your chapter
directories.
"""


# -- command line -----------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=REPO, help="the reference tree (default: this repository)")
    ap.add_argument("--out", type=Path, help="where to write the handout (default build/handout)")
    ap.add_argument("--check", action="store_true", help="only validate the markers")
    ap.add_argument("--list", action="store_true", help="print every LAB region")
    ap.add_argument("--only", metavar="FILE:LINE",
                    help="stub only the region whose BEGIN marker is at FILE:LINE")
    ap.add_argument("--solved", type=int, default=0, metavar="N",
                    help="keep labs 1..N solved (their deadline has passed); default 0")
    ap.add_argument("--due", metavar="CHAPTERS",
                    help="the chapters due, for the handout's grading.conf "
                         "(space-separated; default: chapters 1 to N+1 with --solved N)")
    ap.add_argument("--leaks", type=Path, metavar="DIR",
                    help="only look for solution lines of labs above --solved in DIR")
    args = ap.parse_args(argv)
    root = args.root.resolve()

    try:
        marked = collect(root, tree_files(root))
    except MarkerError as e:
        for line in e.errors:
            print(line, file=sys.stderr)
        print(f"handout: {len(e.errors)} marker error(s)", file=sys.stderr)
        return 1
    regions = [r for _, rs in marked.values() for r in rs]
    if args.list:
        for r in sorted(regions, key=lambda r: (chapter_number(r.path), r.path, r.begin)):
            print(r)
        return 0
    if args.check:
        print(f"handout: LAB markers OK ({len(regions)} regions in {len(marked)} files)")
        return 0
    if args.leaks:
        return report_leaks(find_leaks(root, args.leaks.resolve(), args.solved), args.leaks)

    if args.only:
        chosen = [r for r in regions if r.where == args.only]
        if not chosen:
            print(f"handout: no LAB region begins at {args.only}", file=sys.stderr)
            return 1
        out = args.out or root / "build" / "handout-one"
        write_tree(root, out, lambda r: r == chosen[0], student=False)
        print(f"handout: {out}: only {chosen[0]} stubbed")
        return 0

    chapters = sorted({r.chapter for r in regions}, key=lambda c: chapter_number(c + "/"))
    due = args.due.split() if args.due else \
        [c for c in chapters if chapter_number(c + "/") <= args.solved + 1] or chapters[:1]
    unknown = [c for c in due if c not in chapters]
    if unknown:
        print(f"handout: no such chapter: {' '.join(unknown)}", file=sys.stderr)
        return 1
    out = args.out or root / "build" / "handout"
    stubs = write_tree(root, out, lambda r: r.lab > args.solved, due=due, solved=args.solved)
    print(f"handout: {out}: {len(stubs)} lab regions stubbed"
          + (f", labs 1-{args.solved} solved" if args.solved else "") + f"; due: {' '.join(due)}")
    return report_leaks(find_leaks(root, out, args.solved), out)


def report_leaks(leaks: list[str], tree: Path) -> int:
    for line in leaks:
        print(f"{tree}/{line}", file=sys.stderr)
    if leaks:
        print(f"handout: {len(leaks)} line(s) of solutions in {tree}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
