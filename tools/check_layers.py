#!/usr/bin/env python3
"""Checks that hv/'s folders include one another only downwards.

    tools/check_layers.py [CHAPTER_DIR ...]      (default: every chapter)

The layers, bottom up (each chapter README's Layout section says why):

    regmap/                       register maps, #defines only
    arch/, lib/, boot/*.h         the CPU, printf/console/locks, what boot found
    mm/                           frames and page tables
    dev/                          host drivers
    vm/                           VMs, vCPUs, exits, SBI, the scheduler
    vdev/                         emulated devices and the guest's machine
    selftest/, boot/*.c           the self-tests and the top

A file may include headers of its own layer and of the layers below.
Exit status 1, with every offending line, when one includes upwards.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYER = {"regmap": 0, "arch": 1, "lib": 1, "mm": 2, "dev": 3, "vm": 4, "vdev": 5,
         "selftest": 6}
BOOT_HEADER, BOOT_CODE = 1, 6
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z]+)/([^"]+)"', re.M)


def layer(folder: str, name: str) -> int | None:
    if folder == "boot":
        return BOOT_HEADER if name.endswith(".h") else BOOT_CODE
    return LAYER.get(folder)


def check(chapter: Path) -> list[str]:
    bad = []
    for src in sorted((chapter / "hv").glob("*/*.[chS]")):
        own = layer(src.parent.name, src.name)
        if own is None:
            bad.append(f"{src.relative_to(ROOT)}: folder {src.parent.name}/ has no layer")
            continue
        for m in INCLUDE.finditer(src.read_text()):
            theirs = layer(m[1], m[2])
            if theirs is not None and theirs > own:
                line = src.read_text().count("\n", 0, m.start()) + 1
                bad.append(f"{src.relative_to(ROOT)}:{line}: includes {m[1]}/{m[2]}, "
                           f"a layer above {src.parent.name}/")
    return bad


def main(argv: list[str]) -> int:
    chapters = [Path(a).resolve() for a in argv] or sorted(
        d for d in ROOT.glob("ch[0-9]*-*") if (d / "hv").is_dir())
    bad = [b for c in chapters for b in check(c)]
    print("\n".join(bad) if bad else
          f"layers: {len(chapters)} chapter(s), no include goes up")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
