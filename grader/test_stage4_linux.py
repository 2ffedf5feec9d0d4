"""Stage 4 (ch4-vcpu and every later chapter): unmodified Debian Linux boots
as a raw image with an initial RAM disk.

Debian's riscv64 kernel (the current stable release's linux-image-*-riscv64,
as Debian builds it) is staged by QEMU's loader with an initramfs holding
busybox and the project's /init (grader/linux_guest.py). Only a working
raw-image loader, initrd placement and /chosen (linux,initrd-start/end),
SBI and trap-and-emulate path get the kernel to run /init from that
initramfs, and /init prints what only it can know: the nonce of the
kernel's command line (passed through the hypervisor's vmN. words), the
kernel's release and the vCPUs and RAM the kernel found, both drawn here.
"""

import random
import re

import pytest

from guests import stopped, vm_text
from linux_guest import init_line, linux_guest, nonce

STAGE = 4


@pytest.mark.points(3)
def test_debian_linux_boots_to_its_initramfs(chapter, boot):
    """The kernel finds the initrd where the guest's /chosen says, unpacks
    it, runs /init, which prints the nonce and powers off (SBI SRST)."""
    guest = linux_guest()
    mib = random.choice([192, 224, 256])
    vcpus = random.choice([1, 2])
    n = nonce()
    words = guest.vm_words(1, f"{mib}M", vcpus, n, poweroff=0)
    run = boot(mem="1G", smp=2, append=words, extra=guest.loader())
    # About 10 s on an idle machine; the kernel prints a lot through the console.
    run.expect(r"hvlab-init: up: ", timeout=90)
    run.wait_clean_exit(60)
    text = vm_text(run, 1)
    size = guest.initrd.stat().st_size
    m = re.search(r"^\[hv\] vm1: initrd (\d+) bytes at gpa (0x[0-9a-f]+)$", run.output, re.M)
    assert m and int(m[1]) == size, f"the hypervisor did not place the {size}-byte initrd"
    # At the top of RAM, page-aligned, below the guest's device tree (16 KiB)
    ram_end = 0x80000000 + (mib << 20)
    assert int(m[2], 16) == (ram_end - 0x4000 - size) & ~0xFFF, \
        f"initrd at {m[2]}: not the highest page-aligned place below the device tree"
    assert re.search(rf"^\[ *[\d.]+\] Memory: \d+K/{mib * 1024}K available", text, re.M), \
        f"the kernel did not find the {mib} MiB of RAM that the guest's device tree gives it"
    assert re.search(r"^\[ *[\d.]+\] Freeing initrd memory: \d+K$", text, re.M), \
        "the kernel did not take the initrd named in /chosen"
    up = init_line(text, "up: ")
    assert up, "/init did not run (or printed nothing)"
    assert up[1] == f"nonce {n}, kernel {guest.kernel_release}, {vcpus} cpu(s)", \
        f"/init printed {up[1]!r}: expected the nonce {n}, the kernel's release and {vcpus} CPUs"
    assert init_line(text, "powering off"), "/init did not reach its end"
    assert stopped(run, 1) == "SBI system reset: shutdown"
