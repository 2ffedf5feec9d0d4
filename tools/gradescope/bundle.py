#!/usr/bin/env python3
"""The Gradescope autograder bundle (`make gradescope`).

    tools/gradescope/bundle.py [--out DIR] [--solved N] [--due "ch1-boot ch2-trap"]

Writes DIR (default build/gradescope) with autograder.zip, whose top holds
what Gradescope runs: setup.sh (once, on its Ubuntu 24.04 image: the
packages of tools/deps.sh) and run_autograder (for each submission), plus
autograde.py, the students' tree as the course hands it out (tree/: the
handout with labs 1..N solved and grading.conf's due line; its grader is the
one that grades) and libfdt's sources (libfdt-src/, in place of Debian's
linux-source-6.1, which Ubuntu does not have). The same files are left
unzipped in DIR/source for a test run (tools/test_gradescope.sh).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
LINUX = Path("/usr/src/linux-source-6.1.tar.xz")
# Not needed to grade, or replaced by the bundle's own copy.
NOT_INSTALLED = {"linux-source-6.1"}


def libfdt_sources(dst: Path) -> None:
    dst.mkdir(parents=True)
    cached = REPO / "build" / "third_party" / "libfdt" / "src"
    if (cached / "fdt.c").exists():
        for f in cached.glob("*.[ch]"):
            shutil.copy2(f, dst)
    else:
        with tarfile.open(LINUX) as tar:
            for m in tar.getmembers():
                if m.name.startswith("linux-source-6.1/scripts/dtc/libfdt/") and \
                        m.name.endswith((".c", ".h")) and "/" not in m.name.split("libfdt/")[1]:
                    m.name = Path(m.name).name
                    tar.extract(m, dst)
    # tools/libfdt/libfdt_env.h replaces the hosted one (tools/build-libfdt.sh)
    (dst / "libfdt_env.h").unlink(missing_ok=True)


def packages() -> tuple[list[str], list[str]]:
    out = subprocess.run([str(REPO / "tools" / "deps.sh"), "--list"], check=True,
                         capture_output=True, text=True).stdout.split()
    required = [p for p in out if not p.endswith("?") and p not in NOT_INSTALLED]
    optional = [p[:-1] for p in out if p.endswith("?")]
    return required, optional


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "build" / "gradescope")
    ap.add_argument("--solved", type=int, default=0, help="labs 1..N handed out solved")
    ap.add_argument("--due", help="the chapters graded (default: the handout's default)")
    args = ap.parse_args(argv)

    out = args.out.resolve()
    if out.exists():
        shutil.rmtree(out)
    src = out / "source"
    src.mkdir(parents=True)
    cmd = [sys.executable, str(REPO / "tools" / "handout.py"), "--out", str(src / "tree"),
           "--solved", str(args.solved)]
    if args.due:
        cmd += ["--due", args.due]
    subprocess.run(cmd, check=True)
    libfdt_sources(src / "libfdt-src")
    for f in ("run_autograder", "autograde.py"):
        shutil.copy2(HERE / f, src / f)
    required, optional = packages()
    setup = (HERE / "setup.sh.in").read_text().replace("@PACKAGES@", " ".join(required)) \
        .replace("@OPTIONAL@", " ".join(optional))
    (src / "setup.sh").write_text(setup)
    (src / "setup.sh").chmod(0o755)

    bundle = out / "autograder.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(src.rglob("*")):
            if p.is_file():
                info = zipfile.ZipInfo.from_file(p, p.relative_to(src))
                with open(p, "rb") as f:
                    z.writestr(info, f.read(), zipfile.ZIP_DEFLATED)
    due = (src / "tree" / "grading.conf").read_text().split("due =")[-1].strip()
    print(f"gradescope: {bundle} ({bundle.stat().st_size // 1024} KiB); grades: {due}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
