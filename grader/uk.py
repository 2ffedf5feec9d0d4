"""The library OS's apps (ch7-unikernel/uk/) as the grader runs them.

An app is built by the chapter's `make` into build/uk/NAME/ (NAME.bin, the
raw image linked at 0x80200000; NAME.elf; NAME.map, the linker's map). The
same image boots two ways:

  on="direct"  on OpenSBI, QEMU's -kernel (the machine's own devices); the
               app's arguments in -append;
  on="hvlab"   as vm1 of the chapter's hypervisor (guests.raw_image: QEMU's
               loader stages the file, vm=@ADDR+SIZE:RAM:VCPUS names it); the
               app's arguments become vm1.KEY=VALUE, which the hypervisor
               passes as KEY=VALUE in the VM's bootargs.

`app_boot` (a fixture: import it into the test module) starts either;
`app_output(run, on)` gives the app's lines, without OpenSBI's banner or
the hypervisor's `[vm1] ` prefix and its own lines.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from guests import raw_image, vm_lines
from qemu import Machine, QemuRun

ON = ("direct", "hvlab")
NM = "riscv64-unknown-elf-nm"


def app_dir(chapter, name: str) -> Path:
    return chapter.path / "build" / "uk" / name


def app_image(chapter, name: str) -> Path:
    """The raw image of app NAME (build/uk/NAME/NAME.bin)."""
    path = app_dir(chapter, name) / f"{name}.bin"
    assert path.exists(), f"{path} was not built (the chapter's make builds every app)"
    return path


def app_elf(chapter, name: str) -> Path:
    return app_dir(chapter, name) / f"{name}.elf"


def app_map(chapter, name: str) -> Path:
    return app_dir(chapter, name) / f"{name}.map"


def defined_symbols(path: Path, globals_only: bool = False, strong: bool = False) -> set[str]:
    """The symbols that an object file or ELF image defines (nm); strong:
    not the weak ones (plat's default hooks share the names of the
    definitions that other components give)."""
    out = subprocess.run([NM, "--defined-only", str(path)], capture_output=True, text=True,
                         check=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) != 3 or (strong and parts[1] in "WwVv"):
            continue
        if not globals_only or parts[1].isupper():
            names.add(parts[2])
    return names


def vm_args(args: str, n: int = 1) -> str:
    """An app's command line as the hypervisor's words for VM n."""
    return " ".join(f"vm{n}.{word}" for word in args.split())


@pytest.fixture
def app_boot(request, boot):
    """app_boot(image, on, args="", mem="128M", smp=1, extra=[], icount=[])
    -> QemuRun, started. Direct: a machine of MEM and SMP harts. hvlab: a VM
    of MEM and SMP vCPUs on a 1G machine of 2 harts. Runs are killed at the
    end of the test and logged when it fails (with the boot fixture's)."""

    def start(image: Path, on: str, args: str = "", mem: str = "128M", smp: int = 1,
              extra: list[str] | None = None, icount: list[str] | None = None,
              hv_args: str = "") -> QemuRun:
        extra = list(extra or []) + list(icount or [])
        if on == "direct":
            run = QemuRun(image, Machine(mem=mem, smp=smp, append=args, extra=extra),
                          name=f"{image.stem}-direct")
            request.node.hvlab_runs.append(run)
            return run.start()
        assert on == "hvlab", on
        vm, loader = raw_image(image, ram=mem, vcpus=smp)
        return boot(mem="1G", smp=2, append=f"{vm} {vm_args(args)} {hv_args}".strip(),
                    extra=loader + extra, name=f"{image.stem}-hvlab")

    return start


# OpenSBI's banner ends with its "Boot HART ..." lines; the app follows.
OPENSBI_LAST = re.compile(r"^Boot HART ")


def app_output(run: QemuRun, on: str) -> list[str]:
    """What the app printed, line by line."""
    if on == "hvlab":
        return vm_lines(run, 1)
    lines = run.output.splitlines()
    last = max((i for i, ln in enumerate(lines) if OPENSBI_LAST.match(ln)), default=-1)
    return lines[last + 1:]


def app_text(run: QemuRun, on: str) -> str:
    return "\n".join(app_output(run, on))
