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

guest/virtiorace.c races the device instead: a vCPU that keeps publishing
chains while another notifies (one notification takes only the chains
published before it, so no hart is held and a benign VM keeps its share),
a reset or QueueReady 0 while large reads are on the host disk (nothing of
them reaches the guest's memory after it), and a guest that fails and
resets its device in a loop (a few reports printed, the rest counted).
"""

from __future__ import annotations

import random
import re

import pytest

from benign import assert_fair_share, benign_args, check_benign
from guests import stop_reason, stopped, vm_text
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


@pytest.mark.points(1)
@pytest.mark.parametrize("harts", [1, 2])
def test_republishing_vcpu_cannot_hold_a_hart(chapter, boot, tmp_path, harts):
    """A two-vCPU VM whose vCPU 1 publishes chains that the device answers
    at once (GET_ID) without end, while vCPU 0 notifies as fast as it can,
    beside a benign VM, on one hart and on two (where vCPU 1 publishes while
    the other hart is in the device): a notification takes only the
    chains published before it (avail.idx read once), so the hypervisor
    returns to its scheduler, the benign VM keeps a fair share of the hart
    (its own run clock and the hypervisor's slice counts, relative to the
    racing vCPUs'), no notification gives back more chains than the queue
    holds (used.idx seen across the QueueNotify write), every chain
    published is given back, and the device never fails."""
    ms = 1000
    nonce = random.getrandbits(64)
    img = make_disk(tmp_path / "disk.img", nonce, DISK_SECTORS)
    run = boot(mem="256M", smp=harts, extra=MODERN + disk_args(img),
               append=f"tick_hz=100 vm=virtiorace:64M:2 vm1.disk=1M+1M vm1.mode=republish "
                      f"vm1.ms={ms} {benign_args(2, nonce, ms)} run_ms=20000")
    run.wait_exit(90)
    out = vm_text(run, 1)
    m = re.search(r"virtiorace: republish: (\d+) notifies, (\d+) published, all used (\w+), "
                  r"device (\w+), vcpu 0 ran (\d+) us, vcpu 1 ran (\d+) us", out)
    assert m, f"the racing VM did not report (stopped: {stop_reason(run, 1)}):\n{out}"
    assert int(m[1]) > 0 and int(m[2]) > 0, f"no race: {m[0]}"
    assert m[3] == "yes", f"chains published and never given back: {m[0]}"
    assert m[4] == "ok", "the device failed a correct queue"
    took = re.search(r"virtiorace: republish: at most (\d+) chains taken in one notification, "
                     r"queue size (\d+)", out)
    assert took and int(took[1]) <= int(took[2]), (
        "one notification took chains published after it (avail.idx read again while "
        f"the other vCPU published): {took and took[0]}")
    assert "virtiorace: done" in out
    benign = check_benign(run, 2, nonce)
    assert_fair_share(run, 2, benign, 1, 2, [int(m[5]), int(m[6])])
    assert_image(img, nonce)


@pytest.mark.points(1)
def test_reset_with_reads_in_flight_leaves_memory_alone(chapter, boot, tmp_path):
    """Large reads (several host requests each) made available, then at
    once a device reset, and again a QueueReady 0: the guest poisons the
    buffers, the status bytes and the used ring right after and finds them
    poisoned half a second later, when the host disk has long finished (the
    hypervisor drops what completes for a queue reset since: a chain
    carries its queue's epoch); then the device set up again serves a
    read."""
    nonce = random.getrandbits(64)
    img = make_disk(tmp_path / "disk.img", nonce, DISK_SECTORS)
    run = boot(mem="256M", smp=2, extra=MODERN + disk_args(img),
               append="vm=virtiorace vm1.disk=1M+2M vm1.mode=reset")
    run.wait_clean_exit(60)
    out = vm_text(run, 1)
    for what in ("reset", "QueueReady 0"):
        m = re.search(rf"virtiorace: {what} with reads in flight: memory untouched (\w+), "
                      r"a read after it: status (-?\d+)", out)
        assert m, f"{what}: no report:\n{out}"
        assert m[1] == "yes", f"{what}: the reads in flight reached the guest's memory after it"
        assert m[2] == "0", f"{what}: the device did not serve a read after it ({m[2]})"
    assert "virtiorace: done" in out
    assert_image(img, nonce)


@pytest.mark.points(1)
def test_failure_loop_does_not_flood_the_console(chapter, boot, tmp_path):
    """A driver that breaks its queue and resets the device, 200 times over:
    each time the device goes DEVICE_NEEDS_RESET, but the hypervisor prints
    only the first few reports (16: the console is written under the
    device's irq lock) and the number of the others at the end of the run,
    and a VM beside it reads its slice."""
    nonce = random.getrandbits(64)
    img = make_disk(tmp_path / "disk.img", nonce, DISK_SECTORS)
    base, rounds = 4096, 200
    run = boot(mem="256M", smp=2, extra=MODERN + disk_args(img),
               append=f"vm=virtiorace vm1.disk=1M+1M vm1.mode=failloop vm1.rounds={rounds} "
                      + vblk_args(2, f"{base * 512}+1M", nonce, base, "read=0+2048"))
    run.wait_clean_exit(90)
    out = vm_text(run, 1)
    assert f"virtiorace: failloop: {rounds} rounds, {rounds} failures seen" in out, (
        f"the device did not fail every round:\n{out}")
    printed = re.findall(r"^\[hv\] vm1 virtio-blk: needs reset: ", run.output, re.M)
    assert 0 < len(printed) <= 16, f"{len(printed)} needs-reset reports printed"
    m = re.search(r"^\[hv\] vm1 virtio: (\d+) more needs-reset reports not printed$",
                  run.output, re.M)
    assert m and int(m[1]) == rounds - len(printed), (
        f"the reports not printed not counted: {m and m[0]}")
    check_read(run, 2, nonce, base, 0, 2048)
    assert_image(img, nonce)
