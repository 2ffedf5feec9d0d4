"""Stage 6 (ch6-virtio on): a hostile driver of the emulated virtio-blk
disk (guest/virtiobad.c) against the device side of the split virtqueue
(hv/vdev/virtq.c) and the transport (hv/vdev/virtio_mmio.c).

Each case sets the device up afresh and then breaks one rule of virtio
1.2's split queues: a buffer outside the guest's RAM or on a device's
registers, a descriptor loop, a chain longer than 256 MiB, an INDIRECT
descriptor (not offered), a head or a `next` beyond the queue, a readable
descriptor after a writable one, avail.idx jumping past the queue size, a
request without its header; or a queue whose used ring is the UART's
registers, or whose descriptor table is outside RAM, made ready. Each
time the hypervisor must name the broken rule, set DEVICE_NEEDS_RESET (with
a configuration-change interrupt when the driver was running) and serve a
correct request once the guest resets the device; the hostile VM is not
stopped, and a second VM beside it reads its own slice of the disk with
the right checksum. Nothing may panic, and the image must be unchanged.
"""

from __future__ import annotations

import random
import re

import pytest

from guests import stopped, vm_text
from test_stage6_blk import DISK_SECTORS, assert_image, check_read, vblk_args
from virtio import MODERN, disk_args, make_disk

STAGE = 6

# case: (the reason the hypervisor prints, the interrupt status the guest
# sees: 0x2 once DRIVER_OK is set, 0 for a queue refused before it)
CASES = {
    "oob": ("buffer outside the guest's RAM", 0x2),
    "mmio_buffer": ("buffer outside the guest's RAM", 0x2),
    "loop": ("descriptor chain loops or is longer than the queue allows", 0x2),
    "oversized": ("descriptor chain longer than 256 MiB", 0x2),
    "indirect": ("indirect descriptor", 0x2),
    "head": ("chain head beyond the queue size", 0x2),
    "next": ("next beyond the queue size", 0x2),
    "read_after_write": ("device-readable descriptor after a device-writable one", 0x2),
    "avail_jump": ("avail.idx moved further than the queue size allows", 0x2),
    "no_header": ("request without its header", 0x2),
    "used_in_mmio": ("used ring misaligned or outside the guest's writable RAM", 0x0),
    "desc_outside": ("descriptor table misaligned or outside the guest's RAM", 0x0),
}
GROUPS = {
    "buffers": ["oob", "mmio_buffer", "oversized", "no_header"],
    "walk": ["loop", "indirect", "head", "next", "read_after_write"],
    "rings": ["avail_jump", "used_in_mmio", "desc_outside"],
}


@pytest.mark.points(2)
@pytest.mark.parametrize("group", list(GROUPS))
def test_hostile_chains_stop_only_their_device(chapter, boot, tmp_path, group):
    """Each case of the group in turn, in random order, on vm1's disk
    while vm2 reads its own slice of the same host disk."""
    cases = GROUPS[group][:]
    random.shuffle(cases)
    nonce = random.getrandbits(64)
    img = make_disk(tmp_path / "disk.img", nonce, DISK_SECTORS)
    base = 4096
    run = boot(mem="256M", smp=2, extra=MODERN + disk_args(img),
               append=f"vm=virtiobad vm1.disk=1M+1M vm1.cases={','.join(cases)} "
                      + vblk_args(2, f"{base * 512}+1M", nonce, base, "read=0+2048"))
    run.wait_clean_exit(60)
    out = vm_text(run, 1)
    assert "virtiobad: done" in out, f"the hostile VM did not finish:\n{out}"
    reasons = re.findall(r"^\[hv\] vm1 virtio-blk: needs reset: (.*)$", run.output, re.M)
    assert len(reasons) == len(cases), (
        f"{len(reasons)} needs-reset reports for {len(cases)} broken queues: {reasons}")
    for case, reason in zip(cases, reasons):
        want, isr = CASES[case]
        assert want in reason, f"{case}: the hypervisor said \"{reason}\", not \"{want}\""
        m = re.search(rf"virtiobad: {case}: needs reset (\w+), interrupt status (0x[0-9a-f]+), "
                      r"after a reset: status (-?\d+)", out)
        assert m, f"{case}: no report from the guest"
        assert m[1] == "yes", f"{case}: DEVICE_NEEDS_RESET not set"
        assert int(m[2], 16) == isr, f"{case}: interrupt status {m[2]}, expected {isr:#x}"
        assert m[3] == "0", f"{case}: after a reset the device did not serve a read ({m[3]})"
    assert stopped(run, 1) == "SBI system reset: shutdown", "the hostile VM was stopped"
    check_read(run, 2, nonce, base, 0, 2048)
    assert not re.search(r"^\[hv\] vm2 virtio-blk: needs reset", run.output, re.M), (
        "the other VM's device failed")
    assert "all VMs stopped, 0 failed" in run.output
    assert_image(img, nonce)
