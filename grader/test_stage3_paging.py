"""Stage 3 (ch3-paging and every later chapter): memory.

Frame counts are checked against -m, the image size in the ELF and the
region that OpenSBI's banner says it protects; W^X against the ELF's
sections; the G-stage table against a layout and a nonce chosen here, whose
pattern the grader computes itself, read back through the hardware walk.
"""

import random
import re

import pytest

from elf import Elf
from mix64 import GOLDEN, MASK64, mix64

STAGE = 3
PAGE = 4096


def pattern(nonce: int, gpa: int) -> int:
    """The hypervisor's nonce-derived pattern (hv/selftest/gstage.c:
    splitmix64's output function of nonce + gpa * 2^64/phi)."""
    return mix64(nonce + gpa * GOLDEN)


def firmware_frames(output: str, ram_base: int, ram_end: int) -> int:
    """Frames of RAM that OpenSBI's banner lists as closed to S-mode."""
    frames = 0
    for lo, hi in re.findall(r"Domain0 Region\d+\s*: 0x([0-9a-f]+)-0x([0-9a-f]+) \(\)", output):
        lo, hi = int(lo, 16), int(hi, 16) + 1
        if ram_base <= lo < ram_end:
            frames += (min(hi, ram_end) - lo + PAGE - 1) // PAGE
    return frames


@pytest.mark.points(3)
@pytest.mark.parametrize("mem", ["128M", "256M"])
def test_frame_counts(chapter, boot, mem):
    elf = Elf(chapter.elf)
    run = boot(mem=mem, smp=2)
    run.expect(r"\[hv\] sv39: on.*\n")
    run.wait_clean_exit(60)
    out = run.output
    m = re.search(r"\[hv\] frames: (\d+) total, (\d+) free \(image (\d+), device tree (\d+), "
                  r"reserved (\d+)\)", out)
    assert m, "no frame counts"
    total, free, image, fdt, reserved = map(int, m.groups())
    mem_bytes = run.machine.mem_bytes()
    assert total == mem_bytes // PAGE, f"{total} frames for -m {mem}"
    img = elf.symbol("__image_end").addr - elf.symbol("__image_start").addr
    assert image == (img + PAGE - 1) // PAGE, f"image frames {image}, the ELF spans {img} bytes"
    firmware = firmware_frames(out, 0x80000000, 0x80000000 + mem_bytes)
    assert reserved == firmware, \
        f"reserved {reserved} frames; the region that OpenSBI's banner protects spans {firmware}"
    dtb = re.search(r"\[hv\] device tree: (\d+) bytes at 0x([0-9a-f]+)", out)
    assert dtb, "no '[hv] device tree: N bytes at 0x...' line"
    at, size = int(dtb[2], 16), int(dtb[1])
    assert 0x80000000 <= at < 0x80000000 + mem_bytes, f"device tree at 0x{at:x}, outside RAM"
    spans = (at + size + PAGE - 1) // PAGE - at // PAGE
    assert fdt == spans, f"device tree {fdt} frames; {size} bytes at 0x{at:x} touch {spans} frames"
    assert free == total - image - fdt - reserved, \
        f"{free} free frames; total - image - device tree - reserved = " \
        f"{total} - {image} - {fdt} - {reserved} = {total - image - fdt - reserved}"

    sv39 = re.search(r"\[hv\] sv39: on, root 0x([0-9a-f]+), (\d+) frames of tables, (\d+) free",
                     out)
    assert sv39, "no '[hv] sv39: on, root 0x..., N frames of tables, M free' line"
    root, tables, after = int(sv39[1], 16), int(sv39[2]), int(sv39[3])
    assert root % PAGE == 0 and 0x80000000 <= root < 0x80000000 + mem_bytes, \
        f"sv39 root 0x{root:x} is not a page-aligned frame of RAM"
    assert not elf.symbol("__image_start").addr <= root < elf.symbol("__image_end").addr, \
        f"sv39 root 0x{root:x} is inside the hypervisor's image (take it from the allocator)"
    assert 0 < tables < 64, f"{tables} frames of tables to map RAM and a few devices"
    assert after == free - tables, \
        f"{after} frames free after the page tables; {free} free before less {tables} of " \
        f"tables is {free - tables}"


@pytest.mark.points(2)
def test_wx_refused(chapter, boot):
    elf = Elf(chapter.elf)
    run = boot(mem="128M", smp=1)
    run.expect(r"\[hv\] W\^X: write to rodata.*\n")
    assert run.wait_exit(60) == 0, "the hypervisor must keep running after the refusal"
    sections = {"text": (elf.symbol("__text_start").addr, elf.symbol("__text_end").addr),
                "rodata": (elf.symbol("__rodata_start").addr, elf.symbol("__rodata_end").addr)}
    for what, (lo, hi) in sections.items():
        m = re.search(rf"\[hv\] W\^X: write to {what} at 0x([0-9a-f]+) (.*)", run.output)
        assert m, f"no W^X report for {what}"
        addr = int(m[1], 16)
        assert lo <= addr < hi, f"0x{addr:x} is not in the image's {what}"
        r = re.fullmatch(r"refused: store/AMO page fault \(scause 15, stval 0x([0-9a-f]+)\)",
                         m[2])
        assert r, f"write to {what} not refused by a store page fault: {m[2]}"
        assert int(r[1], 16) == addr, f"write to {what} at 0x{addr:x} faulted with stval 0x{r[1]}"


def random_layout(rng: random.Random):
    low = rng.randrange(0x80000000, 0xc0000000, 0x200000)
    high = (1 << 39) + rng.randrange(0, 1 << 39, 0x200000)  # needs the 16 KiB root
    small = rng.randrange(0x10000, 0x1000000, PAGE)
    ranges = [(low, rng.choice([0x4000, 0x20000, 0x200000]), "rwx"),
              (high, rng.choice([0x2000, 0x8000]), "rw"),
              (small, PAGE * rng.choice([1, 2]), "r")]
    while True:
        unmapped = rng.randrange(0, 1 << 41, PAGE)
        if not any(g <= unmapped < g + s for g, s, _ in ranges):
            return ranges, unmapped


@pytest.mark.points(5)
@pytest.mark.parametrize("seed", [1, 2])
def test_gstage_walk_matches_hardware(chapter, boot, seed):
    rng = random.Random(seed * 7919 + random.getrandbits(32))
    ranges, unmapped = random_layout(rng)
    nonce = rng.getrandbits(64)
    layout = ",".join(f"{g:#x}:{s:#x}:{p}" for g, s, p in ranges)
    run = boot(mem="128M", smp=1, append=f"gstage={layout} nonce={nonce:#x} "
                                         f"unmapped={unmapped:#x}")
    run.expect(r"\[hv\] gstage: free frames after destroy.*\n")
    run.wait_clean_exit(60)
    lines = [ln[len("gstage: "):] for ln in run.hv_lines() if ln.startswith("gstage: ")]

    root = re.search(r"root 0x([0-9a-f]+), (\d+) frames", "\n".join(lines))
    assert root and int(root[1], 16) % 16384 == 0 and int(root[2]) == 4, \
        "the Sv39x4 root is 16 KiB (4 frames) aligned to 16 KiB"
    for g, size, p in ranges:
        assert f"mapped {g:#x}-{g + size:#x} {p.ljust(3, '-')}" in lines, \
            f"no line '[hv] gstage: mapped {g:#x}-{g + size:#x} {p.ljust(3, '-')}'"

    def range_of(gpa):
        for g, s, p in ranges:
            if g <= gpa < g + s:
                return p
        return None

    memory = {}  # what hsv wrote
    probed = {g: 0 for g, _, _ in ranges}
    host_pages = {}
    fault = r"-> guest-page fault \(scause (\d+), gpa 0x([0-9a-f]+)\)"
    for ln in lines:
        m = re.fullmatch(r"hlv\.d 0x([0-9a-f]+) = 0x([0-9a-f]+) \(hpa 0x([0-9a-f]+)\)", ln)
        if m:
            gpa, val, hpa = (int(x, 16) for x in m.groups())
            perms = range_of(gpa)
            assert perms, f"hlv.d read 0x{gpa:x}, which is not mapped"
            assert val == memory.get(gpa, pattern(nonce, gpa)), \
                f"hlv.d 0x{gpa:x}: 0x{val:x}, the pattern says 0x{pattern(nonce, gpa):x}"
            page = gpa // PAGE
            assert host_pages.setdefault(page, hpa // PAGE) == hpa // PAGE, \
                f"guest page 0x{page * PAGE:x} reported at two host pages"
            assert hpa % PAGE == gpa % PAGE, \
                f"hlv.d 0x{gpa:x}: hpa 0x{hpa:x} has another offset in its page"
            probed[next(g for g, s, _ in ranges if g <= gpa < g + s)] += 1
            continue
        m = re.fullmatch(r"hlvx\.hu 0x([0-9a-f]+) = 0x([0-9a-f]+)", ln)
        if m:
            gpa, val = int(m[1], 16), int(m[2], 16)
            want = memory.get(gpa, pattern(nonce, gpa)) & 0xffff
            assert val == want, f"hlvx.hu 0x{gpa:x}: 0x{val:x}, the pattern says 0x{want:x}"
            continue
        m = re.fullmatch(r"hsv\.d 0x([0-9a-f]+) <- 0x([0-9a-f]+), host reads 0x([0-9a-f]+)", ln)
        if m:
            gpa, val, host = (int(x, 16) for x in m.groups())
            assert "w" in (range_of(gpa) or ""), f"hsv.d to 0x{gpa:x} succeeded without W"
            assert val == pattern(nonce, gpa) ^ MASK64 and host == val, \
                f"hsv.d 0x{gpa:x}: the host-physical page reads 0x{host:x}"
            memory[gpa] = val
            continue
        m = re.fullmatch(r"(hlv\.d|hlvx\.hu|hsv\.d|after unmap, hlv\.d) 0x([0-9a-f]+) " + fault,
                         ln)
        if m:
            op, gpa, cause, fgpa = m[1], int(m[2], 16), int(m[3]), int(m[4], 16)
            assert fgpa == gpa, f"{op} 0x{gpa:x}: fault reports gpa 0x{fgpa:x}"
            perms = range_of(gpa)
            if op == "hsv.d":
                assert cause == 23 and perms and "w" not in perms, ln
            elif op == "hlvx.hu":
                assert cause == 21 and perms and "x" not in perms, ln
            elif op == "after unmap, hlv.d":
                assert cause == 21 and gpa == ranges[0][0], ln
            else:
                assert cause == 21 and perms is None, f"hlv.d faulted on a mapped page: {ln}"
            continue
    for g, n in probed.items():
        assert n >= 4, f"range 0x{g:x}: {n} successful hlv.d probes, expected 4"
    assert f"hlv.d {unmapped:#x} -> guest-page fault (scause 21, gpa {unmapped:#x})" in lines, \
        f"no line '[hv] gstage: hlv.d {unmapped:#x} -> guest-page fault (scause 21, " \
        f"gpa {unmapped:#x})': the unmapped address must fault"
    assert any(ln.startswith(f"after unmap, hlv.d {ranges[0][0]:#x} -> guest-page fault")
               for ln in lines), "the unmapped page is still readable"
    before, = re.findall(r"free frames before (\d+)", "\n".join(lines))
    after = re.search(r"free frames after destroy (\d+)", "\n".join(lines))[1]
    assert after == before, f"destroy returned {after} free frames, {before} before"
