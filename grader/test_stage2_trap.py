"""Stage 2 (ch2-trap and every later chapter): traps.

The exception reports are checked against the image's own ELF symbol table
and instruction bytes; the register round trip against a checksum that the
grader computes from the seed it chose; the tick counts against a rate and
window chosen here, under -icount so that time is the run's own, and
every tick deadline against the period; IPIs against the hart count of
QEMU's device tree; the panic against the ELF's symbols.
"""

import random
import re

import pytest

from elf import Elf
from mix64 import MASK64, rotl64
from qemu import icount

STAGE = 2

# self-test function -> (accepted scause values, the instruction it must point at)
EXCEPTIONS = {
    "selftest_ebreak": ({3}, "ebreak32"),
    "selftest_c_ebreak": ({3}, "ebreak16"),
    "selftest_illegal_32bit": ({2}, "illegal32"),
    "selftest_illegal_16bit": ({2}, "illegal16"),
    "selftest_load_access_fault": ({5}, "load"),
    "selftest_store_access_fault": ({7}, "store"),
    "selftest_misaligned_amo": ({4, 6}, "amo"),
}
CAUSE_NAMES = {2: "illegal instruction", 3: "breakpoint", 4: "load address misaligned",
               5: "load access fault", 6: "store/AMO address misaligned",
               7: "store/AMO access fault"}

# What an exception report looks like (trap.c, the lab-2 region), for messages.
EXCEPTION_FORMAT = ("[hv] exception: <cause name> (scause <decimal>) sepc 0x<hex> "
                    "<<function>+0x<hex offset>> stval 0x<hex>, <2 or 4>-byte instruction\n"
                    "           e.g. [hv] exception: breakpoint (scause 3) sepc 0x80201a2c "
                    "<selftest_ebreak+0x8> stval 0x0, 4-byte instruction")

EXCEPTION_LINE = (r"exception: (?P<name>.+) \(scause (?P<cause>\d+)\) sepc 0x(?P<sepc>[0-9a-f]+) "
                  r"<(?P<sym>[\w.]+)\+0x[0-9a-f]+> stval 0x(?P<stval>[0-9a-f]+), "
                  r"(?P<len>[24])-byte instruction")


def instruction_kind(raw: bytes) -> str:
    """What the instruction at the reported sepc is, decoded here."""
    half = int.from_bytes(raw[:2], "little")
    if half & 3 != 3:
        if half == 0x9002:
            return "ebreak16"
        if half == 0:
            return "illegal16"
        funct3 = half >> 13
        quadrant = half & 3
        if (quadrant, funct3) in {(0, 2), (0, 3), (2, 2), (2, 3)}:
            return "load"
        if (quadrant, funct3) in {(0, 6), (0, 7), (2, 6), (2, 7)}:
            return "store"
        return f"c.{half:#06x}"
    word = int.from_bytes(raw[:4], "little")
    if word == 0x00100073:
        return "ebreak32"
    if word == 0xc0001073:
        return "illegal32"
    opcode = word & 0x7f
    return {0x03: "load", 0x23: "store", 0x2f: "amo"}.get(opcode, f"{word:#010x}")


@pytest.mark.points(4)
@pytest.mark.parametrize("smp", [1, 2])
def test_exceptions_reported_and_survived(chapter, boot, device_tree, smp):
    elf = Elf(chapter.elf)
    dt = device_tree(mem="128M", smp=smp)
    run = boot(mem="128M", smp=smp)
    run.expect(r"\[hv\] selftest probe_write32")
    assert run.wait_exit(60) == 0, "the run must go on to a clean shutdown after the exceptions"
    lines = run.hv_lines()

    unclaimed = int(re.search(r"selftest: 0x([0-9a-f]+) is neither RAM nor a device",
                              run.output).group(1), 16)
    assert not dt.claims(unclaimed), f"0x{unclaimed:x} is claimed by a device-tree node"

    for fn, (causes, kind) in EXCEPTIONS.items():
        sym = elf.symbol(fn)
        i = lines.index(f"selftest {fn}: survived") if f"selftest {fn}: survived" in lines \
            else pytest.fail(f"no report that {fn} was survived")
        m = re.fullmatch(EXCEPTION_LINE, lines[i - 1])
        assert m, (f"the line before '{lines[i]}' is not an exception report:\n"
                   f"  printed:  [hv] {lines[i - 1]}\n  expected: {EXCEPTION_FORMAT}")
        cause, sepc = int(m["cause"]), int(m["sepc"], 16)
        assert cause in causes, f"{fn}: scause {cause}, expected one of {sorted(causes)}"
        assert m["name"] == CAUSE_NAMES[cause], f"{fn}: cause {cause} named {m['name']!r}"
        assert sepc in sym, f"{fn}: sepc 0x{sepc:x} is outside {fn} " \
            f"[0x{sym.addr:x}, 0x{sym.addr + sym.size:x})"
        assert m["sym"] == fn, f"{fn}: sepc symbolised as {m['sym']}"
        raw = elf.read(sepc, 4)
        length = 4 if raw[0] & 3 == 3 else 2
        assert int(m["len"]) == length, f"{fn}: reported a {m['len']}-byte instruction, " \
            f"the image has a {length}-byte one at 0x{sepc:x}"
        assert instruction_kind(raw) == kind, \
            f"{fn}: the instruction at sepc is {instruction_kind(raw)}, not {kind}"
        stval = int(m["stval"], 16)
        if kind in ("load", "store"):
            assert stval == unclaimed, f"{fn}: stval 0x{stval:x}, expected 0x{unclaimed:x}"
        if kind == "amo":
            assert stval % 4 != 0, f"{fn}: stval 0x{stval:x} is not misaligned"
        if kind == "illegal32":
            assert stval in (0, 0xc0001073), f"{fn}: stval 0x{stval:x} is not the instruction"

    value = re.search(r"selftest misaligned load: value 0x([0-9a-f]+)", run.output)
    assert value, "no 'selftest misaligned load: value 0x...' line"
    assert int(value.group(1), 16) == 0x16151413, \
        f"the misaligned load read 0x{value.group(1)}; the bytes there make 0x16151413"
    for op, cause, addr in (("read32", 5, unclaimed), ("write32", 7, unclaimed + 8)):
        m = re.search(rf"selftest probe_{op}\(0x([0-9a-f]+)\): (\S+), cause (\d+), "
                      rf"stval 0x([0-9a-f]+)", run.output)
        assert m, f"no probe_{op} report"
        assert (int(m[1], 16), m[2], int(m[3]), int(m[4], 16)) == (addr, "fault", cause, addr), \
            f"printed: {m[0]}\nexpected: selftest probe_{op}(0x{addr:x}): fault, cause {cause}, " \
            f"stval 0x{addr:x}"


def expected_checksum(seed: int) -> int:
    checksum = 0
    for n in range(1, 32):
        if n == 2:
            continue
        checksum = rotl64(checksum, 7) ^ (seed * (n + 1) & MASK64)
    return checksum


@pytest.mark.points(3)
def test_trap_frame_preserves_registers(chapter, boot):
    seed = random.getrandbits(48) | 1
    run = boot(mem="128M", smp=1, append=f"seed={seed:#x}")
    m = run.expect(r"\[hv\] selftest registers: seed 0x([0-9a-f]+), checksum 0x([0-9a-f]+), "
                   r"(\d+) of 30 intact")
    assert int(m[1], 16) == seed, f"seed 0x{m[1]} printed, 0x{seed:x} passed in the bootargs"
    changed = {int(n): (name, int(v, 16)) for n, name, v in re.findall(
        r"\[hv\] selftest registers: x(\d+) \((\w+)\) came back as 0x([0-9a-f]+)", run.output)}
    wrong = [f"x{n} ({name}) came back as 0x{v:x}, went in as 0x{seed * (n + 1) & MASK64:x}"
             for n, (name, v) in sorted(changed.items())]
    assert int(m[3]) == 30 and not wrong, \
        f"{30 - int(m[3])} of 30 registers changed across the trap:\n  " + "\n  ".join(wrong)
    assert int(m[2], 16) == expected_checksum(seed), "checksum of the registers after the trap"
    run.wait_clean_exit(60)


# The timer's two paths: stimecmp where the hart has Sstc (QEMU 7.2 has it
# by default), SBI set_timer through the firmware where it has not.
TIMER_CPUS = {"sstc": "rv64", "sbi": "rv64,sstc=false"}


@pytest.mark.points(2)
@pytest.mark.parametrize("smp", [1, 2])
@pytest.mark.parametrize("source", list(TIMER_CPUS))
def test_timer_ticks_on_schedule(chapter, boot, device_tree, smp, source):
    """Every tick deadline a hart programs is its first deadline plus a whole
    number of periods (a deadline computed from "now" drifts), and the ticks
    taken in the window are the deadlines of that schedule that fell in it."""
    hz = random.choice([50, 64, 100, 128, 200, 250, 300])
    ms = random.choice([200, 250, 300])
    cpu = TIMER_CPUS[source]
    dt = device_tree(mem="128M", smp=smp, cpu=cpu)
    # under -icount a loaded machine delays the run, not the ticks within it
    run = boot(mem="128M", smp=smp, cpu=cpu, append=f"tick_hz={hz} timer_ms={ms}",
               extra=icount(0))
    src = run.expect(r"\[hv\] timer: source (.+), rate (\d+) Hz, timebase (\d+) Hz\n")
    window = run.expect(r"\[hv\] timer: window (\d+) us, time 0x([0-9a-f]+) to 0x([0-9a-f]+)\n")
    run.wait_exit(60)
    timebase = dt.timebase()
    assert (int(src[2]), int(src[3])) == (hz, timebase), \
        f"timer: rate {src[2]} Hz, timebase {src[3]} Hz printed; asked {hz} Hz, the device " \
        f"tree's timebase is {timebase} Hz"
    has_sstc = "_sstc" in dt.harts()[0][1]
    want = "stimecmp (Sstc)" if has_sstc else "SBI set_timer"
    assert src[1] == want, \
        f"timer source {src[1]!r} with Sstc {'present' if has_sstc else 'absent'} (-cpu {cpu}); " \
        f"expected {want!r}"
    us, start, stop = int(window[1]), int(window[2], 16), int(window[3], 16)
    assert ms * 1000 <= us < ms * 1000 * 1.5 + 50000, f"window {us} us for {ms} ms asked"
    assert us == (stop - start) * 1000000 // timebase, \
        f"window {us} us, but time 0x{start:x} to 0x{stop:x} is " \
        f"{(stop - start) * 1000000 // timebase} us"

    period = timebase // hz
    ticks = {int(h): int(n) for h, n in re.findall(r"\[hv\] timer: hart (\d+): (\d+) ticks\n",
                                                   run.output)}
    schedules = {int(h): (int(first, 16),
                          [int(d, 16) for d in re.findall(r"\+0x([0-9a-f]+)", rest)])
                 for h, first, rest in re.findall(
                     r"\[hv\] timer: hart (\d+): first deadline 0x([0-9a-f]+), \d+ programmed "
                     r"in the window:(.*)\n", run.output)}
    harts = {h for h, _ in dt.harts()}
    assert set(ticks) == harts, f"tick counts for harts {sorted(ticks)}, expected {sorted(harts)}"
    assert set(schedules) == harts, \
        f"deadline lists for harts {sorted(schedules)}, expected {sorted(harts)}"
    for hart, n in sorted(ticks.items()):
        first, offsets = schedules[hart]
        for k, off in enumerate(offsets):
            assert off % period == 0, (
                f"hart {hart}: deadline {k + 1} of the window is first + 0x{off:x}, not a whole "
                f"number of periods (0x{period:x} = {timebase} / {hz}) after the first: a "
                f"deadline computed from the time of the interrupt drifts")
        assert offsets == sorted(set(offsets)) and all(off > 0 for off in offsets), \
            f"hart {hart}: deadlines do not move forward: {[hex(o) for o in offsets]}"
        assert len(offsets) == n, \
            f"hart {hart}: {n} ticks in the window but {len(offsets)} deadlines programmed"
        due = (stop - first) // period - (start - first) // period
        assert abs(n - due) <= 1, (
            f"hart {hart}: {n} ticks in the window; the schedule (first deadline 0x{first:x}, "
            f"period 0x{period:x}) has {due} deadlines in time 0x{start:x} to 0x{stop:x}")


@pytest.mark.points(3)
@pytest.mark.parametrize("smp", [1, 2, 4])
def test_ipi_acknowledged_by_every_hart(chapter, boot, device_tree, smp):
    dt = device_tree(mem="128M", smp=smp)
    run = boot(mem="128M", smp=smp)
    run.expect(r"\[hv\] ipi: \d+ sent")
    run.wait_clean_exit(60)
    boot_hart = run.boot_hart()
    others = {h for h, _ in dt.harts()} - {boot_hart}
    acks = [int(h) for h in re.findall(r"\[hv\] ipi: hart (\d+) acknowledged", run.output)]
    assert sorted(acks) == sorted(others), f"acknowledged by {acks}, expected {sorted(others)}"
    m = re.search(r"\[hv\] ipi: (\d+) sent, (\d+) acknowledged", run.output)
    assert (int(m[1]), int(m[2])) == (len(others), len(others))


@pytest.mark.points(3)
@pytest.mark.parametrize("how", ["1", "fault"])
def test_panic_backtrace(chapter, boot, how):
    elf = Elf(chapter.elf)
    run = boot(mem="128M", smp=2, append=f"panic={how}")
    run.expect(r"\[hv\] panic on hart \d+: ")
    status = run.wait_exit(60)
    assert status != 0, "a panic must end the run with a failure status"
    out = run.output
    for reg in ("ra", "sp", "gp", "tp", "s0", "a0", "a7", "s11", "t6"):
        assert re.search(rf"\b{reg}\s+0x[0-9a-f]{{16}}", out), f"register {reg} not printed"

    frames = re.findall(r"\[hv\]\s+#(\d+)\s+0x([0-9a-f]+) ([\w.]+)\+0x([0-9a-f]+)", out)
    assert frames, "no backtrace"
    names = [name for _, _, name, _ in frames]
    for depth, addr, name, _ in frames:
        pc = int(addr, 16)
        # frame #0 is the pc itself; the others are return addresses
        sym = elf.function_at(pc if depth == "0" else pc - 2)
        assert sym and sym.name == name, f"0x{pc:x} is in {sym and sym.name}, printed {name}"
    chain = ["selftest_panic_depth3", "selftest_panic_depth2", "selftest_panic_depth1"]
    i = names.index(chain[0]) if chain[0] in names else pytest.fail(f"backtrace: {names}")
    assert names[i:i + 3] == chain, f"backtrace order: {names}"

    if how == "fault":
        m = re.search(r"scause 0x5 \(load access fault\)\n\[hv\] sepc 0x([0-9a-f]+)", out)
        assert m, "the fatal load access fault is not reported with its cause"
        assert int(m[1], 16) in elf.symbol("selftest_panic_depth3")


@pytest.mark.points(1)
def test_parameter_out_of_range_is_refused(chapter, boot):
    """A number outside a parameter's range stops the boot with a panic that
    names the parameter, the value and the range (boot/params.c)."""
    hz = random.randint(10001, 99999)
    run = boot(mem="128M", smp=1, append=f"tick_hz={hz}")
    run.wait_exit(30)
    assert re.search(rf"panic.*bootarg tick_hz={hz}: a number from 1 to 10000", run.output), \
        f"tick_hz={hz} was not refused with its range"
