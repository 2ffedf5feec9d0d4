"""Stage 4 (ch4-vcpu and every later chapter): hostile guests.

A guest is hostile input. Each test runs a guest that does what a guest
must not (touch devices that are not its own, use the hypervisor's and the
machine's CSRs and instructions, trap as fast as it can, call SBI with
arguments made to break it) beside a benign VM (guest/benign.c) whose
checksum is recomputed here from its nonce and whose share of the hart is
judged against the hostile VM's. The worst a guest may get is its own VM
stopped with the reason printed, or the fault reflected into its own trap
handler; the benign VM finishes as if nothing happened.
"""

import random
import re

import pytest

from benign import assert_fair_share, benign_args, check_benign
from guests import stop_reason, vm_text

STAGE = 4

WIDTHS = (1, 2, 4, 8)


# -- MMIO that is not the guest's -------------------------------------------------

def aligned(addr, width):
    return addr & ~(width - 1)


# Where the host's devices are on QEMU virt; a guest that reaches them could
# take the host's interrupts (PLIC), its timer and IPIs (CLINT), power the
# machine off (the test finisher: 0x5555 written there ends QEMU), or drive
# a real virtio device.
def plic_register(rng, width):
    # the host UART's priority, the pending bits, hart 0's S-mode context
    # (enables, threshold, claim)
    return aligned(rng.choice([0x0C000028, 0x0C001000, 0x0C002080, 0x0C201000,
                               0x0C201004]), width)


def clint_register(rng, width):
    # msip of hart 0, mtimecmp of hart 0, mtime
    return aligned(rng.choice([0x02000000, 0x02004000, 0x0200BFF8]), width)


def finisher_register(rng, width):
    return 0x100000


def virtio_register(rng, width):
    # magic, device status (0 resets the device), queue notify, of one slot
    slot = 0x10001000 + 0x1000 * rng.randrange(8)
    return slot + aligned(rng.choice([0x000, 0x070, 0x050]), width)


def far_address(rng, width):
    # unmapped in the G-stage's reach (below 2^41), or beyond it
    high = rng.choice([1 << 41, 1 << 50, 1 << 62])
    return aligned(rng.randrange(0x100000000, high), width)


TARGETS = {
    "host-plic": plic_register,
    "clint": clint_register,
    "test-finisher": finisher_register,
    "virtio-mmio": virtio_register,
    "far-above-ram": far_address,
}
STORE_VALUES = {"test-finisher": 0x5555}  # FINISHER_PASS: QEMU would exit at once


def mmio_run(boot, target, op, rng):
    """Four VMs each make one access of `op`, one of every width, to
    `target`; a benign VM runs beside them. Returns the run, the benign
    nonce and what each hostile VM was asked."""
    words, asked = [], {}
    for n, width in enumerate(WIDTHS, 1):
        word = f"vm=badmmio vm{n}.op={op} vm{n}.width={width}"
        if target == "across-a-device-end":
            device = rng.choice(["ns16550a", "hvlab,mmio-test"])
            word += f" vm{n}.cross={device}"
            asked[n] = (width, None)
        else:
            addr = TARGETS[target](rng, width)
            word += f" vm{n}.addr={addr:#x}"
            asked[n] = (width, addr)
        if op == "store":
            word += f" vm{n}.value={STORE_VALUES.get(target, rng.getrandbits(64)):#x}"
        words.append(word)
    nonce = rng.getrandbits(64)
    benign_vm = len(WIDTHS) + 1
    words.append(benign_args(benign_vm, nonce, 300))
    run = boot(mem="256M", smp=2, append=" ".join(words) + " run_ms=10000")
    run.wait_exit(60)
    return run, nonce, asked, benign_vm


VIRTIO_MAGIC = 0x74726976  # "virt", little-endian


def check_access(run, n, op, width, addr):
    """VM n tried one access: stopped at it with the reason, unless a device
    of its own device tree answered it."""
    out = vm_text(run, n)
    m = re.search(rf"badmmio: {width}-byte {op} at 0x([0-9a-f]+) \((.*)\)", out)
    assert m, f"vm{n} did not say what it tried ({width}-byte {op})"
    tried = int(m[1], 16)
    assert addr is None or tried == addr, f"vm{n} tried 0x{tried:x}, not 0x{addr:x}"
    why = stop_reason(run, n)
    if m[2].startswith("my own "):
        # its own emulated device (the vPLIC from ch5 on): answered by the
        # device, or refused with the VM stopped; never the host's.
        if why != "SBI system reset: shutdown":
            assert why and f"gpa 0x{tried:x}" in why, f"vm{n}: {width}-byte {op}: {why}"
        elif op == "load":
            got = re.search(r"survived the load, read 0x([0-9a-f]+)", out)
            # Its own virtio-mmio slot (from ch6 on) has MagicValue at 0, "virt"
            # (virtio 1.2 §4.2.2); the other registers asked read 0 after reset.
            want = VIRTIO_MAGIC if "virtio" in m[2] and tried & 0xFFF == 0 else 0
            assert got and int(got[1], 16) == want, \
                f"vm{n}: its own {m[2][7:]} answered 0x{tried:x} with {got and got[1]}, " \
                f"not 0x{want:x}"
        return
    assert "survived" not in out, f"vm{n}'s {width}-byte {op} at 0x{tried:x} went through"
    assert why, f"vm{n} ({width}-byte {op} at 0x{tried:x}) was not stopped"
    cause = 21 if op == "load" else 23
    fault = rf"guest-page fault \(scause {cause}\) at gpa 0x{tried:x}\b"
    crossing = rf"{width}-byte access crosses the end of a device at gpa 0x{tried:x}$"
    assert re.search(fault, why) or re.search(crossing, why), \
        f"vm{n} ({width}-byte {op} at 0x{tried:x}) stopped for another reason: {why}"


@pytest.mark.points(2)
@pytest.mark.parametrize("target", list(TARGETS) + ["across-a-device-end"])
def test_forbidden_mmio_stops_only_the_offender(chapter, boot, target):
    """Loads and stores of every width to the host's PLIC, CLINT, test
    finisher, virtio-mmio slots, addresses far above RAM and across the end
    of an emulated device's window: each VM is stopped at its access, with
    the address in the reason (unless its own emulated device answers), and
    the benign VM beside them is unaffected."""
    rng = random.Random(random.getrandbits(64))
    for op in ("load", "store"):
        run, nonce, asked, benign_vm = mmio_run(boot, target, op, rng)
        for n, (width, addr) in asked.items():
            check_access(run, n, op, width, addr)
        check_benign(run, benign_vm, nonce)


# -- the hypervisor's and the machine's CSRs and instructions -----------------------

CSRS = {
    "hstatus": 0x600, "hedeleg": 0x602, "hideleg": 0x603, "hie": 0x604, "htimedelta": 0x605,
    "hcounteren": 0x606, "hgeie": 0x607, "htval": 0x643, "hip": 0x644, "hvip": 0x645,
    "htinst": 0x64A, "hgatp": 0x680, "vsstatus": 0x200, "vstvec": 0x205, "vsatp": 0x280,
    "mstatus": 0x300, "misa": 0x301, "medeleg": 0x302, "mideleg": 0x303, "mie": 0x304,
    "mtvec": 0x305, "mscratch": 0x340, "mepc": 0x341, "mcause": 0x342, "mip": 0x344,
    "pmpcfg0": 0x3A0, "pmpaddr0": 0x3B0, "mcycle": 0xB00, "mhartid": 0xF14,
}
# rd = t0, rs1 = sp, rs2 = zero (the RISC-V encodings, from the ISA manual)
INSNS = {
    "hlv.b": 0x600142F3, "hlv.d": 0x6C0142F3, "hlvx.hu": 0x643142F3, "hsv.w": 0x6A014073,
    "hsv.d": 0x6E014073, "hfence.gvma": 0x62000073, "hfence.vvma": 0x22000073,
    "mret": 0x30200073,
}


def privileged_attempts():
    """(what, name, instruction word) in the order guest/privileged.c runs them."""
    out = []
    for name, csr in CSRS.items():
        out.append(("csrr", name, csr << 20 | 2 << 12 | 5 << 7 | 0x73))  # csrrs t0, csr, x0
        out.append(("csrw", name, csr << 20 | 1 << 12 | 0x73))  # csrrw x0, csr, x0
    out += [("insn", name, word) for name, word in INSNS.items()]
    return out


@pytest.mark.points(3)
def test_privileged_csrs_and_instructions_are_illegal_in_the_guest(chapter, boot):
    """H- and M-mode CSRs (read and write), VS CSRs from VS-mode, hlv/hlvx/
    hsv/hfence and mret: the guest's own handler sees an illegal-instruction
    exception at the instruction, as S-mode software does on a hart without
    the H extension; stval is 0 or an instruction of this guest's own."""
    nonce = random.getrandbits(64)
    run = boot(mem="256M", smp=1, append=f"vm=privileged {benign_args(2, nonce, 300)}")
    run.wait_exit(60)
    out = vm_text(run, 1)
    attempts = privileged_attempts()
    executed = set()
    for what, name, word in attempts:
        m = re.search(rf"privileged: {what} {re.escape(name)} 0x([0-9a-f]+) -> (.*)", out)
        assert m, f"no report of {what} {name}"
        assert int(m[1], 16) == word, f"{what} {name}: ran 0x{m[1]}, not 0x{word:08x}"
        got = re.fullmatch(r"scause (\d+) stval 0x([0-9a-f]+) sepc (.*)", m[2])
        assert got, f"{what} {name}: {m[2]}"
        assert got[1] == "2", f"{what} {name}: scause {got[1]}, expected 2 (illegal instruction)"
        assert got[3] == "at it", f"{what} {name}: sepc {got[3]}"
        executed.add(word)
        tval = int(got[2], 16)
        # 0 or the instruction (privileged spec §3.1.16 / §4.1.9); a stale
        # value may only be one of this guest's own earlier instructions
        # (whether another guest's can show is test_stval_never_leaks_between_vms)
        assert tval == 0 or tval in executed, \
            f"{what} {name}: stval 0x{tval:x} is neither 0 nor an instruction of this guest's"
    assert f"privileged: done, {len(attempts)} traps" in out
    assert stop_reason(run, 1) == "SBI system reset: shutdown"
    check_benign(run, 2, nonce)


HLV_D = 0x6C0142F3  # hlv.d t0, (sp)


def stval_report(run, n):
    m = re.search(r"stvalleak: (\w+) 0x([0-9a-f]+), (\d+) traps, (\d+) not illegal:(.*)",
                  vm_text(run, n))
    assert m, f"vm{n} did not report"
    seen = {int(v, 16): int(c) for v, c in re.findall(r"0x([0-9a-f]+)\*(\d+)", m[5])}
    return int(m[2], 16), int(m[3]), int(m[4]), seen


@pytest.mark.points(3)
def test_stval_never_leaks_between_vms(chapter, boot):
    """Two VMs on one hart: vm1 executes an illegal instruction (custom-0,
    its other bits a nonce) over and over, vm2 executes hlv.d over and
    over. The stval that each one's handler sees is 0 or its own
    instruction: never the other VM's, nor anything else that the hart
    last trapped on."""
    nonce = random.getrandbits(25)
    spray = nonce << 7 | 0x0B
    benign = random.getrandbits(64)
    run = boot(mem="256M", smp=1,
               append=f"vm=stvalleak vm1.mode=spray vm1.nonce={nonce:#x} vm1.ms=500 "
                      f"vm=stvalleak vm2.mode=probe vm2.ms=500 {benign_args(3, benign, 500)} "
                      f"run_ms=10000")
    run.wait_exit(60)
    for n, own in ((1, spray), (2, HLV_D)):
        insn, traps, not_illegal, seen = stval_report(run, n)
        assert insn == own, f"vm{n} ran 0x{insn:08x}"
        assert traps > 0 and not_illegal == 0, f"vm{n}: {traps} traps, {not_illegal} not illegal"
        other = HLV_D if n == 1 else spray
        assert other not in seen, \
            f"vm{n} saw the other VM's instruction 0x{other:08x} as its stval {seen[other]} " \
            f"times in {traps} traps"
        foreign = {f"0x{v:x}": c for v, c in seen.items() if v not in (0, own)}
        assert not foreign, f"vm{n} (0x{own:08x}) saw stval values not its own: {foreign}"
    check_benign(run, 3, benign)


@pytest.mark.points(2)
def test_wfi_in_user_mode_is_illegal(chapter, boot):
    """A guest in U-mode executes wfi: its S-mode handler gets an illegal-
    instruction exception at the wfi (as on a hart without H, privileged
    spec §3.3.3); the vCPU neither sleeps nor skips it."""
    nonce = random.getrandbits(64)
    run = boot(mem="256M", smp=1,
               append=f"vm=wfiuser {benign_args(2, nonce, 300)} run_ms=3000")
    run.wait_exit(60)
    out = vm_text(run, 1)
    assert "wfiuser: to U-mode" in out, "the guest did not start"
    assert "wfi in U-mode returned without a trap" not in out, \
        "wfi in U-mode was a no-op: it must be an illegal instruction"
    m = re.search(r"wfi in U-mode -> scause (\d+) stval 0x([0-9a-f]+) sepc ([\w ]+), "
                  r"from (\w)-mode", out)
    assert m, f"the guest never came back from wfi in U-mode (stopped: {stop_reason(run, 1)})"
    assert m[1] == "2", f"scause {m[1]}, expected 2 (illegal instruction)"
    assert int(m[2], 16) in (0, 0x10500073), f"stval 0x{m[2]} is neither 0 nor the wfi"
    assert m[3] == "at the wfi" and m[4] == "U", m[0]
    assert "back in S-mode after 2 traps" in out
    assert stop_reason(run, 1) == "SBI system reset: shutdown"
    check_benign(run, 2, nonce)


# -- exit storms -------------------------------------------------------------------

@pytest.mark.points(1)
@pytest.mark.parametrize("mode", ["ecall", "uart", "illegal"])
def test_exit_storm_leaves_the_others_their_share(chapter, boot, mode):
    """A VM that traps as fast as it can (a null SBI call, an emulated UART
    register, an illegal instruction reflected into its handler) beside a
    benign VM on one hart: the benign VM keeps a fair share of the hart."""
    ms, tick_hz = 1000, 100
    nonce = random.getrandbits(64)
    run = boot(mem="256M", smp=1,
               append=f"tick_hz={tick_hz} vm=exitstorm vm1.mode={mode} vm1.ms={ms} "
                      f"{benign_args(2, nonce, ms)} run_ms=10000")
    run.wait_exit(60)
    m = re.search(rf"exitstorm: {mode}, (\d+) rounds, (\d+) wrong, ran (\d+) us",
                  vm_text(run, 1))
    assert m, f"the storm did not report (stopped: {stop_reason(run, 1)})"
    assert int(m[1]) > 0 and m[2] == "0", m[0]
    benign = check_benign(run, 2, nonce)
    assert_fair_share(run, 2, benign, 1, 1, [int(m[3])])


# -- SBI with arguments made to break it ----------------------------------------------

NOT_SUPPORTED, INVALID_PARAM = -2, -3  # SBI spec v2.0 §3.2, table 1

SBI_ANSWERS = {
    "unknown extension": NOT_SUPPORTED,
    "base function 7": NOT_SUPPORTED,
    "base function ~0": NOT_SUPPORTED,
    "time function 1": NOT_SUPPORTED,
    "ipi function 1": NOT_SUPPORTED,
    "rfence hfence.gvma": NOT_SUPPORTED,  # the guest has no H extension
    "rfence function 7": NOT_SUPPORTED,
    "hsm function 4": NOT_SUPPORTED,
    "srst function 1": NOT_SUPPORTED,
    "dbcn function 3": NOT_SUPPORTED,
    # HSM (chapter 9): a hart id that names no hart
    "hsm start hart ~0": INVALID_PARAM,
    "hsm start hart 1": INVALID_PARAM,
    "hsm start hart 1<<32": INVALID_PARAM,
    "hsm status hart ~0": INVALID_PARAM,
    "hsm status hart 1<<32": INVALID_PARAM,
    "hsm suspend type 1": INVALID_PARAM,  # reserved types (§9.4)
    "hsm suspend type 0x80000001": INVALID_PARAM,
    # a hart mask (§3.1) that names harts that do not exist
    "ipi mask 1 base 1<<63": INVALID_PARAM,
    "ipi mask 1 base ~0-1": INVALID_PARAM,
    "ipi mask ~0 base 0": INVALID_PARAM,
    "ipi mask 1<<63 base 0": INVALID_PARAM,
    "rfence fence.i mask 2 base 0": INVALID_PARAM,
    "rfence sfence.vma mask 1 base 1<<40": INVALID_PARAM,
    # DBCN (chapter 12): memory that is not the guest's RAM
    "dbcn write from gpa 0": INVALID_PARAM,
    "dbcn write from the uart": INVALID_PARAM,
    "dbcn write across the end of ram": INVALID_PARAM,
    "dbcn write from above ram": INVALID_PARAM,
    "dbcn write with base_hi 1": INVALID_PARAM,
    "dbcn write wrapping around": INVALID_PARAM,
    "dbcn read with base_hi 1": INVALID_PARAM,
    # SRST (chapter 10): reserved types and reasons, refused before anything
    "srst type 3": INVALID_PARAM,
    "srst type 0xefffffff": INVALID_PARAM,
    "srst reason 2": INVALID_PARAM,
    "srst reason 0xdfffffff": INVALID_PARAM,
    # legacy extensions that are not offered: the legacy shutdown must not stop the VM
    "legacy set_timer": NOT_SUPPORTED,
    "legacy shutdown": NOT_SUPPORTED,
}
# The buffer must be memory of the guest's for the whole num_bytes (§3.2,
# "shared memory physical address range"), for reads as for writes.
DBCN_RANGE_ANSWERS = {
    "dbcn read into gpa 0": INVALID_PARAM,
    "dbcn read across the end of ram": INVALID_PARAM,
    "dbcn write of ~0 bytes": INVALID_PARAM,
}


def unknown_eid(rng):
    known = {0x10, 0x54494D45, 0x735049, 0x52464E43, 0x48534D, 0x53525354, 0x4442434E}
    while True:
        # experimental, vendor or firmware ranges, or anywhere else
        eid = rng.choice([0x08000000, 0x09000000, 0x0A000000, 0]) + rng.getrandbits(24)
        if eid > 0x0F and eid not in known:
            return eid


def sbiabuse_run(boot):
    rng = random.Random(random.getrandbits(64))
    nonce = rng.getrandbits(64)
    run = boot(mem="256M", smp=1, append=f"vm=sbiabuse vm1.eid={unknown_eid(rng):#x} "
                                         f"{benign_args(2, nonce, 300)} run_ms=10000")
    run.wait_exit(60)
    return run, nonce, vm_text(run, 1)


def sbi_answers(out, expected):
    got = {}
    for what in expected:
        m = re.search(rf"sbi: {re.escape(what)}: error (-?\d+) value (-?\d+)", out)
        assert m, f"no answer to {what}"
        got[what] = int(m[1])
    return got


@pytest.mark.points(3)
def test_sbi_calls_with_hostile_arguments_get_the_specified_errors(chapter, boot):
    """Unknown extensions and functions, hart ids and masks that name no
    vCPU, a huge hart_mask_base, console buffers outside RAM or wrapping
    around, reserved reset and suspend types: each call gets the SBI
    specification's error, nothing else happens (set_timer(~0) raises no
    interrupt, the VM goes on to shut down by itself), and the benign VM
    finishes."""
    run, nonce, out = sbiabuse_run(boot)
    got = sbi_answers(out, SBI_ANSWERS)
    wrong = {what: f"{got[what]} (expected {want})"
             for what, want in SBI_ANSWERS.items() if got[what] != want}
    assert not wrong, f"wrong SBI errors: {wrong}"
    assert "sbi: set_timer(~0): error 0, sip.STIP clear in 20 ms" in out
    assert "sbiabuse: done" in out
    assert stop_reason(run, 1) == "SBI system reset: shutdown"
    check_benign(run, 2, nonce)


@pytest.mark.points(1)
def test_dbcn_refuses_buffers_that_are_not_ram_as_a_whole(chapter, boot):
    """console_read into memory that is not the guest's RAM, and
    console_write of ~0 bytes (which wrap around the address space), are
    invalid whatever the implementation would copy of them."""
    run, nonce, out = sbiabuse_run(boot)
    got = sbi_answers(out, DBCN_RANGE_ANSWERS)
    wrong = {what: f"{got[what]} (expected {want})"
             for what, want in DBCN_RANGE_ANSWERS.items() if got[what] != want}
    assert not wrong, f"wrong SBI errors: {wrong}"
    check_benign(run, 2, nonce)
