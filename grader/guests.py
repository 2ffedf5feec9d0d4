"""The guests of a run as the grader sees them (stages 4 and 5): what a VM
printed, why the hypervisor stopped it and how many time slices it had,
from the lines the hypervisor prints about it (hv/vm/vm.c, hv/vm/sched.c);
and a raw S-mode image booted as a VM (U-Boot), put in host RAM by QEMU's
loader."""

from __future__ import annotations

import re
from pathlib import Path

# Debian's U-Boot for QEMU virt in S-mode (package u-boot-qemu).
UBOOT = Path("/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin")
# Where QEMU's loader puts a raw image: host RAM above the hypervisor's
# image and its frames, with -m 1G.
RAW_IMAGE_ADDR = 0xA0000000


def vm_lines(run, n: int) -> list[str]:
    """What VM n printed, line by line, without the `[vmN] ` prefix."""
    prefix = f"[vm{n}] "
    return [ln[len(prefix):] for ln in run.output.splitlines() if ln.startswith(prefix)]


def vm_text(run, n: int) -> str:
    """What VM n printed, as one text (for re.search)."""
    return "\n".join(vm_lines(run, n))


def stop_reason(run, n: int) -> str | None:
    """Why the hypervisor stopped VM n (`[hv] vmN (name): stopped: why`),
    or None."""
    m = re.search(rf"^\[hv\] vm{n} \(\S+\): stopped: (.*)$", run.output, re.M)
    return m[1] if m else None


def stopped(run, n: int) -> str:
    """Why the hypervisor stopped VM n; the test fails if it did not say."""
    why = stop_reason(run, n)
    assert why is not None, f"vm{n} was not reported stopped"
    return why


def time_slices(run, n: int) -> int:
    """The time slices VM n had, as the hypervisor reports them at the end
    of the run (`[hv] vmN (name): K time slices, ...`)."""
    m = re.search(rf"^\[hv\] vm{n} \(\S+\): (\d+) time slices", run.output, re.M)
    assert m, f"no time slices reported for vm{n}"
    return int(m[1])


def raw_image(image: Path, ram: str, vcpus: int = 1) -> tuple[str, list[str]]:
    """A raw S-mode image as the next VM, the documented way (what `make
    run GUEST=...` does): QEMU's loader puts the file in host RAM and
    `vm=@ADDR+SIZE:RAM:VCPUS` names it. Returns that word of the command
    line and QEMU's extra arguments for the loader (boot with mem="1G")."""
    addr = RAW_IMAGE_ADDR
    return (f"vm=@{addr:#x}+{image.stat().st_size:#x}:{ram}:{vcpus}",
            ["-device", f"loader,file={image},addr={addr:#x},force-raw=on"])
