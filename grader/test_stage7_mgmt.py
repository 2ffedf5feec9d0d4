"""Stage 7 (ch7-unikernel on): the management extension (hv/vm/sbi_mgmt.c,
hv/regmap/hvmgmt.h). The hypervisor word mvm=N makes the N-th VM the
management VM; guest/mgmttest.c plays both sides.

As another VM (role=other) every call is denied with the hypervisor's
line that names the caller, and that line is rate-limited. As the
management VM it sends a description with each bad field in turn, each
refused with the hypervisor's own message for that field and the SBI error
for it; bad buffers, bad ids, and stopping or destroying itself are
refused too. Then it creates a VM from the image of guest/mgmtchild.c that
it carries in its own memory, with a nonce of the grader's in the command
line, a read-only slice of the host disk and a MAC address of the
grader's: the child prints what it derives from the nonce and what its
devices say; the management VM reads that back through VM_CONSOLE and
prints a checksum of it, which the grader recomputes from the child's
lines; then stops it, destroys it, and creates it again in the same slot
with a second nonce, this time a child that drives its network card and
sends frames through the switch without end until it is stopped and
destroyed; and then many more, one after the other, more than fit the
machine's memory at once.
"""

from __future__ import annotations

import random
import re

import pytest

from guests import stopped
from mix64 import splitmix64
from virtio import MODERN, disk_args, make_disk, net_args

STAGE = 7
DISK_SECTORS = 8192
# VMs of 4 MiB created and destroyed one after the other, after the two
# checked ones: more than the 256 MiB machine holds at once.
ROUNDS = 64

INVALID_PARAM, DENIED, INVALID_ADDRESS = -3, -4, -5
# Each bad description: the field the hypervisor names, the SBI error.
BAD_FIELDS = {
    "magic": ("magic", INVALID_PARAM),
    "version": ("version", INVALID_PARAM),
    "size": ("size", INVALID_PARAM),
    "size-arg": ("size", INVALID_PARAM),
    "desc-outside": ("description", INVALID_ADDRESS),
    "desc-crossing": ("description", INVALID_ADDRESS),
    "flags": ("flags", INVALID_PARAM),
    "name-char": ("name", INVALID_PARAM),
    "name-empty": ("name", INVALID_PARAM),
    "name-nul": ("name", INVALID_PARAM),
    "reserved": ("reserved", INVALID_PARAM),
    "mem_gpa": ("mem_gpa", INVALID_ADDRESS),
    "mem_size-align": ("mem_size", INVALID_PARAM),
    "mem_size-huge": ("mem_size", INVALID_PARAM),
    "load_gpa": ("load_gpa", INVALID_ADDRESS),
    "entry_gpa": ("entry_gpa", INVALID_ADDRESS),
    "image-outside": ("image", INVALID_ADDRESS),
    "image-crossing": ("image", INVALID_ADDRESS),
    "image-too-big": ("image_size", INVALID_PARAM),
    "vcpus-0": ("vcpus", INVALID_PARAM),
    "vcpus-many": ("vcpus", INVALID_PARAM),
    "hart_mask": ("hart_mask", INVALID_PARAM),
    "mac": ("mac", INVALID_PARAM),
    "cmdline": ("cmdline", INVALID_PARAM),
    "disk-outside": ("disk", INVALID_PARAM),
    "disk-overlap": ("disk", INVALID_PARAM),
}
# Other calls refused: the call the hypervisor names, the SBI error.
BAD_CALLS = {
    "list-outside": ("VM_LIST", INVALID_ADDRESS),
    "list-mmio": ("VM_LIST", INVALID_ADDRESS),
    "list-crossing": ("VM_LIST", INVALID_ADDRESS),
    "console-crossing": ("VM_CONSOLE", INVALID_ADDRESS),
    "console-small": ("VM_CONSOLE", INVALID_ADDRESS),
    "start-0": ("VM_START", INVALID_PARAM),
    "start-99": ("VM_START", INVALID_PARAM),
    "stop-7": ("VM_STOP", INVALID_PARAM),
    "stop-self": ("VM_STOP", DENIED),
    "destroy-self": ("VM_DESTROY", DENIED),
}


def fnv1a(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & (1 << 64) - 1
    return h


def mgmt_run(boot, tmp_path, calls: int = 40):
    """vm1 the management VM (its own writable slice: sectors 0+2048), vm2
    another VM that makes `calls` management calls."""
    nonces = [random.getrandbits(48) | 1 << 48 for _ in range(2)]
    mac = [0x02] + [random.getrandbits(8) for _ in range(5)]
    child_start = random.randrange(4096, DISK_SECTORS - 1024, 8)
    child_sectors = random.randrange(64, 1024, 8)
    overlap = random.randrange(0, 2048 - 16, 8)
    img = make_disk(tmp_path / "disk.img", random.getrandbits(64), DISK_SECTORS)
    append = (f"selftest=off mvm=1 vm=mgmttest vm1.disk=0+1M "
              f"vm1.cnonce1={nonces[0]:#x} vm1.cnonce2={nonces[1]:#x} "
              f"vm1.cdisk={child_start}+{child_sectors} vm1.overlap={overlap}+16 "
              f"vm1.cmac={''.join(f'{b:02x}' for b in mac)} "
              f"vm1.rounds={ROUNDS} vm=mgmttest vm2.role=other vm2.calls={calls}")
    run = boot(mem="256M", smp=2, extra=MODERN + disk_args(img) + net_args(), append=append)
    run.wait_clean_exit(90)
    return run, nonces, mac, child_sectors


@pytest.fixture
def mgmt(boot, tmp_path):
    return mgmt_run(boot, tmp_path)


def refusal_before(lines: list[str], i: int) -> str | None:
    """The hypervisor's refusal line just before line i, if that is one."""
    for k in range(i - 1, -1, -1):
        if lines[k].startswith("[hv] mvm: "):
            return lines[k]
        if lines[k].startswith("[vm1] "):
            return None
    return None


@pytest.mark.points(2)
def test_other_vm_denied(mgmt):
    """A VM that mvm= does not name: every call SBI_ERR_DENIED, probe 0,
    and the hypervisor says who tried, naming the call; after the first
    few, only at powers of two (40 calls: not 40 lines)."""
    run = mgmt[0]
    assert "[hv] mvm: vm1 (mgmttest) is the management VM" in run.output
    assert "[vm2] mgmt: other: probe 0, 40 of 40 calls denied" in run.output, (
        "a VM other than the management VM was not denied every call, or saw the extension "
        "in probe_extension")
    denials = re.findall(r"^\[hv\] vm2 \(mgmttest\): management call (\S+( \d+)?) denied: "
                         r"not the management VM", run.output, re.M)
    assert denials, "no line said that vm2's management call was denied"
    assert denials[0][0] == "GET_VERSION", f"the first denied call named {denials[0][0]}"
    assert len(denials) < 10, f"{len(denials)} denial lines for 40 calls: not rate-limited"
    assert not re.search(r"^\[hv\] vm1 \(mgmttest\): management call", run.output, re.M), (
        "the management VM was denied")


@pytest.mark.points(3)
def test_bad_descriptions_refused(mgmt):
    """Every bad field of a VM_CREATE description is refused with the SBI
    error for it and the hypervisor's line naming that field (the line
    just before the guest's); so are bad buffers, bad ids, and the
    management VM stopping or destroying itself."""
    run = mgmt[0]
    lines = run.output.splitlines()
    assert "[vm1] mgmt: version 1 (error 0), probe 1" in lines, "GET_VERSION or probe wrong"
    seen = set()
    for i, ln in enumerate(lines):
        m = re.fullmatch(r"\[vm1\] mgmt: case (\S+): error (-?\d+)( UNEXPECTED)?", ln)
        if not m or (m[1] not in BAD_FIELDS and m[1] not in BAD_CALLS):
            continue
        seen.add(m[1])
        if m[1] in BAD_FIELDS:
            field, err = BAD_FIELDS[m[1]]
            want = rf"\[hv\] mvm: VM_CREATE refused: {re.escape(field)}[: ]"
        else:
            call, err = BAD_CALLS[m[1]]
            want = rf"\[hv\] mvm: {call} refused: "
        assert int(m[2]) == err, f"case {m[1]}: SBI error {m[2]}, expected {err}"
        before = refusal_before(lines, i)
        assert before and re.match(want, before), (
            f"case {m[1]}: the hypervisor's refusal should match {want!r}, was {before!r}")
    missing = set(BAD_FIELDS) | set(BAD_CALLS)
    missing -= seen
    assert not missing, f"the guest did not report the cases {sorted(missing)}"
    assert "[vm1] mgmt: case unknown-fid: error -2" in lines


@pytest.mark.points(4)
def test_create_list_start_console_stop_destroy(mgmt):
    """The good path, twice in one slot: the child prints what it derives
    from the grader's nonce and sees its disk slice and MAC; the listing
    shows it created, then stopped; the management VM's checksum of
    VM_CONSOLE is the grader's of the child's lines; a second VM_START, a
    VM_DESTROY of a running VM, a second VM_STOP are refused; the machine
    powers off only after the management VM has finished; 64 more VMs of
    4 MiB created and destroyed in turn on a 256 MiB machine."""
    run, nonces, mac, sectors = mgmt
    lines = run.output.splitlines()
    mac_text = ":".join(f"{b:02x}" for b in mac)
    child_id = None
    for rnd, nonce in enumerate(nonces, 1):
        m = re.search(rf"^\[vm1\] mgmt: round {rnd}: created vm(\d+)$", run.output, re.M)
        assert m, f"round {rnd}: VM_CREATE of a good description failed"
        cid = int(m[1])
        if child_id is not None:
            assert cid == child_id, "the second child did not reuse the destroyed VM's slot"
        child_id = cid
        # The child's lines in this round: from its creation to its destruction.
        start = lines.index(f"[vm1] mgmt: round {rnd}: created vm{cid}")
        end = next(i for i in range(start, len(lines)) if lines[i].startswith(
            f"[hv] vm{cid}: destroyed by the management VM, "))
        child = [ln[len(f"[vm{cid}] "):] for ln in lines[start:end]
                 if ln.startswith(f"[vm{cid}] ")]
        # Round 2's child drives its card and sends frames until destroyed.
        assert child == [
            f"child: nonce={nonce:#x} mix={splitmix64(nonce):#x}",
            f"child: blk id 2 capacity {sectors}",
            f"child: net id 1 mac {mac_text}",
        ] + (["child: net open 0"] if rnd == 2 else []) + [
            "child: waiting to be stopped",
        ], f"round {rnd}: the child printed {child}"
        text = "".join(ln + "\n" for ln in child).encode()
        want = f"[vm1] mgmt: round {rnd}: console first 0 len {len(text)} fnv {fnv1a(text):#x}"
        assert want in lines, (f"round {rnd}: VM_CONSOLE did not give back what the child "
                               f"printed ({want!r} expected)")
        assert (f"[vm1] mgmt: round {rnd}: console from the future: error 0 len 0 "
                f"first {len(text)}") in lines
        # Listed created (1) before its start, stopped (3) after VM_STOP.
        section = "\n".join(lines[start:end])
        assert f"mgmt: list: vm{cid} child state 1 mem 4 vcpus 1 mvm 0" in section
        assert f"mgmt: list: vm{cid} child state 3 mem 4 vcpus 1 mvm 0" in section
        assert f"[hv] vm{cid} (child): stopped: stopped by the management VM" in section
    cases = dict(re.findall(r"^\[vm1\] mgmt: case (\S+): error (-?\d+)", run.output, re.M))
    for name, err in {"create": 0, "start": 0, "start-again": -7, "stop": 0, "stop-again": -8,
                      "start-stopped": -3, "stop-created": -3, "destroy": 0, "destroy-again": -3,
                      "destroy-running": -7, "start-self": -7}.items():
        assert cases.get(name) == str(err), f"case {name}: error {cases.get(name)}, not {err}"
    assert "[vm1] mgmt: round 2: the child made 100 exits" in lines, (
        "the second child did not run (100 exits in VM_LIST's figures) before its stop")
    broken = [l for l in lines if re.match(r"\[vm1\] mgmt: (more )?round .* broken: ", l)]
    assert not broken, f"a round went wrong: {broken[0]}"
    assert f"[vm1] mgmt: {ROUNDS} more rounds of {ROUNDS}" in lines, (
        "VMs created and destroyed one after the other ran out: a destroyed VM's memory or "
        "slot not given back")
    # Every frame a VM held (its RAM, G-stage tables, device state, vnet
    # queues) comes back: the figure before the first create is the one
    # after the last destroy.
    before = re.findall(r"^\[hv\] vm\d+: created by the management VM, (\d+) frames were free$",
                        run.output, re.M)
    after = re.findall(r"^\[hv\] vm\d+: destroyed by the management VM, (\d+) frames free$",
                       run.output, re.M)
    assert before and after, "the hypervisor did not report its free frames"
    assert before[0] == after[-1], (
        f"{before[0]} frames free before the first create, {after[-1]} after the last destroy: "
        "destroyed VMs leak frames")
    assert "[vm1] mgmt: done, 0 unexpected" in lines
    # vm2 stopped long before: the machine stayed up for the management VM.
    assert lines.index("[vm1] mgmt: done, 0 unexpected") > lines.index(
        "[hv] vm2 (mgmttest): stopped: SBI system reset: shutdown")
    assert stopped(run, 1) == "SBI system reset: shutdown"
    assert "[hv] all VMs stopped, 0 failed" in lines


@pytest.mark.points(1)
def test_mvm_must_name_a_vm(boot):
    """mvm=N where N is not one of the vm=: refused by name; then no VM may
    manage (the guest is denied)."""
    run = boot(mem="256M", smp=2,
               append="selftest=off mvm=3 vm=mgmttest vm1.role=other vm1.calls=2")
    run.wait_clean_exit(60)
    assert "[hv] mvm=3 refused: not one of the 1 vm= (1..1)" in run.output
    assert "[vm1] mgmt: other: probe 0, 2 of 2 calls denied" in run.output

def test_one_management_vm(boot):
    """Two mvm= words: the first names the management VM, the second is
    refused by name; the VM it named stays an ordinary one (denied)."""
    run = boot(mem="256M", smp=2,
               append="selftest=off mvm=2 mvm=1 vm=mgmttest vm1.role=other vm1.calls=2 "
                      "vm=mgmttest vm2.role=other vm2.calls=2")
    run.wait_clean_exit(60)
    assert "[hv] mvm: vm2 (mgmttest) is the management VM" in run.output
    assert "[hv] mvm=1 refused: vm2 (mgmttest) is the management VM already" in run.output
    assert "[vm1] mgmt: other: probe 0, 2 of 2 calls denied" in run.output
    assert "0 of 2 calls denied" in next(
        l for l in run.output.splitlines() if l.startswith("[vm2] mgmt: other:"))
