#!/usr/bin/env python3
"""Writes the seed inputs of fuzz/corpus/: a few handcrafted cases per
target, in the input format that the head of fuzz/TARGET.c describes, so
that the fuzzer starts from inputs that reach deep (a valid SBI call, a
mapped range, a claim of a pending source) instead of finding them by
chance. The files are committed; run this again after changing a format.

    fuzz/seeds.py          rewrite fuzz/corpus/*/ (seed files only)
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
MASK64 = (1 << 64) - 1


def u8(v):
    return struct.pack("<B", v & 0xFF)


def u16(v):
    return struct.pack("<H", v & 0xFFFF)


def u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def u64(v):
    return struct.pack("<Q", v & MASK64)


# --- decode: word, flags, sizes, offset mode, offset, htinst, stval, sepc,
# device value, register seed.
def i_type(opcode, funct3, rd, rs1=11, imm=0):
    return (imm & 0xFFF) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode


def s_type(funct3, rs2, rs1=11, imm=0):
    return ((imm >> 5) & 0x7F) << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | (imm & 0x1F) << 7 | 0x23


def c_q0(funct3, reg_prime):  # c.lw/c.ld/c.sw/c.sd with rs1' = x9, offset 0
    return funct3 << 13 | 1 << 7 | (reg_prime - 8) << 2


def c_q2(funct3, rd_or_rs2):  # c.lwsp/c.ldsp (rd at 11:7), c.swsp/c.sdsp (rs2 at 6:2)
    if funct3 in (2, 3):
        return funct3 << 13 | rd_or_rs2 << 7 | 2
    return funct3 << 13 | rd_or_rs2 << 2 | 2


def decode(word, flags=0, sizes=6, offset_mode=0, offset=0x10, htinst=0, value=0x8081828384858687):
    return (u32(word) + u8(flags) + u8(sizes) + u8(offset_mode) + u16(offset) + u32(htinst)
            + u64(0x40) + u64(0x80001000) + u64(value) + u32(0x1234))


LOAD, STORE_CAUSE, REFUSE, TWO_DEVICES = 0, 0x10, 0x40, 0x80
HTINST_TRANSFORMED, HTINST_RAW, HTINST_PSEUDO = 1, 2, 3
DECODE = {
    "lw-fetched": decode(i_type(0x03, 2, 10)),
    "lb-sign-extended": decode(i_type(0x03, 0, 12), value=0x80),
    "lhu-htinst": decode(i_type(0x03, 5, 13), flags=HTINST_TRANSFORMED),
    "sd-htinst": decode(s_type(3, 14), flags=HTINST_TRANSFORMED | STORE_CAUSE),
    "sb-from-x0": decode(s_type(0, 0), flags=STORE_CAUSE),
    "c.lw-fetched": decode(c_q0(2, 10)),
    "c.sd-htinst": decode(c_q0(7, 15), flags=HTINST_TRANSFORMED | STORE_CAUSE),
    "c.ldsp": decode(c_q2(3, 5)),
    "c.swsp": decode(c_q2(6, 31), flags=STORE_CAUSE),
    "fetch-faults-second-half": decode(i_type(0x03, 3, 10), flags=2 << 2),
    "pseudoinstruction": decode(i_type(0x03, 2, 10), flags=HTINST_PSEUDO, htinst=0x3003),
    "load-at-store-fault": decode(i_type(0x03, 2, 10), flags=STORE_CAUSE),
    "crosses-into-next-device": decode(i_type(0x03, 2, 10), flags=TWO_DEVICES, sizes=0o22,
                                       offset_mode=1, offset=-2),
    "device-refuses": decode(s_type(2, 10), flags=STORE_CAUSE | REFUSE),
}


# --- sbi: vCPUs, RAM pages, layout flags, then calls of vCPU, extension,
# function, six (mode, value) arguments.
EXT = {"base": 0, "putchar": 1, "getchar": 2, "time": 3, "ipi": 4, "rfence": 5, "hsm": 6,
       "srst": 7, "dbcn": 8}
RAW, SMALL, NEAR_RAM, NEAR_RAM_END, SPECIAL, ALMOST_MAX = range(6)


def call(ext, fid, *args, vcpu=0):
    args = list(args) + [(RAW, 0)] * (6 - len(args))
    return u8(vcpu) + u8(EXT[ext] if isinstance(ext, str) else ext) + u8(fid) + b"".join(
        u8(mode) + u64(value) for mode, value in args)


def sbi(*calls, vcpus=4, ram_pages=16, flags=0x07):
    return u8(vcpus - 1) + u8(ram_pages - 1) + u8(flags) + b"".join(calls)


SBI = {
    "base-and-probes": sbi(call("base", 0), call("base", 1), call("base", 2), call("base", 4),
                           *[call("base", 3, (RAW, eid)) for eid in
                             (0x10, 0x4442434E, 0x48534D, 0x504D55, 0x01)]),
    "dbcn-write-from-ram": sbi(call("dbcn", 0, (SMALL, 40), (NEAR_RAM, 0x10)),
                               call("dbcn", 0, (SMALL, 40), (NEAR_RAM_END, -20)),
                               call("dbcn", 2, (SMALL, 0x41)), call("putchar", 0, (SMALL, 0x42))),
    "dbcn-read-only-page": sbi(call("dbcn", 0, (SMALL, 8), (SPECIAL, 18)),
                               call("dbcn", 1, (SMALL, 8), (SPECIAL, 18)),
                               call("dbcn", 1, (SMALL, 8), (NEAR_RAM, 0))),
    "hsm-start-status-stop": sbi(call("hsm", 2, (SMALL, 1)), call("hsm", 0, (SMALL, 1),
                                 (NEAR_RAM, 0x100), (RAW, 0x1234)),
                                 call("hsm", 0, (SMALL, 2), (SPECIAL, 19)),
                                 call("hsm", 2, (SMALL, 1)), call("hsm", 3, (SPECIAL, 8)),
                                 call("hsm", 1, vcpu=1), call("hsm", 1, vcpu=0)),
    "ipi-and-fences": sbi(call("ipi", 0, (SMALL, 0b1011), (SMALL, 0)),
                          call("ipi", 0, (SMALL, 1), (SPECIAL, 3)),
                          call("ipi", 0, (SMALL, 3), (SMALL, 3)),
                          call("rfence", 1, (SMALL, 0b11), (SMALL, 1)),
                          call("rfence", 0, (RAW, 0), (SPECIAL, 3)), call("rfence", 4)),
    "timer-and-reset": sbi(call("time", 0, (RAW, 0x123456789)), call("srst", 0, (SMALL, 1)),
                           call("srst", 0, (SMALL, 5)), call("srst", 0, (SMALL, 0), (SMALL, 1))),
    "unknown-extensions": sbi(call(0xc0, 0), call(0xc5, 1), call(0xff, 0, *[(RAW, 0)] * 5,
                                                                  (RAW, 0x53555350))),
}


# --- guest_mem: region count, regions (selector, page offset, pages, arena
# page, permissions), then operations (kind, region, address mode,
# address, length mode, length).
R, W, X = 2, 4, 8
RAM_BASE, BEYOND = 1, 6
HUGE_BLOCK, MANY_PAGES, BELOW = 0x20, 0x10, 0x08


def region(sel, pages, perms=R | W, offset=0, host=0):
    return u8(sel) + u16(offset) + u16(pages - 1) + u16(host) + u8(perms)


def op(kind, addr_mode=0, addr=0, len_mode=0, length=0, region_index=0):
    return u8(kind) + u8(region_index) + u8(addr_mode) + u64(addr) + u8(len_mode) + u64(length)


READ, WRITE, UNMAP, WALK = 0, 1, 2, 3
AT_START, AT_END, INSIDE, RAW_ADDRESS = 0, 1, 2, 3
SMALL_LEN, MEDIUM_LEN, TO_END, RAW_LEN = 0, 1, 2, 3


def guest_mem(regions, *ops):
    return u8(len(regions)) + b"".join(regions) + b"".join(ops)


GUEST_MEM = {
    "read-write-in-ram": guest_mem([region(RAM_BASE, 16)], op(READ, AT_START, 0x10, SMALL_LEN, 200),
                                   op(WRITE, INSIDE, 0x3ff0, MEDIUM_LEN, 0x20),
                                   op(READ, AT_END, -8, SMALL_LEN, 16),
                                   op(WALK, INSIDE, 0x1234)),
    "huge-page-split": guest_mem([region(RAM_BASE | HUGE_BLOCK | MANY_PAGES, 600, R | W | X)],
                                 op(READ, AT_START, 0x1ffff0, SMALL_LEN, 0x40),
                                 op(UNMAP, AT_START, 0x100000, SMALL_LEN, 3),
                                 op(READ, AT_START, 0x100ff0, SMALL_LEN, 0x20),
                                 op(WRITE, AT_START, 0x104000, TO_END, 0)),
    "permissions-and-holes": guest_mem([region(RAM_BASE, 4, R), region(RAM_BASE, 4, R | W, offset=5),
                                        region(RAM_BASE, 1, X, offset=10)],
                                       op(WRITE, AT_START, 0, SMALL_LEN, 8),
                                       op(READ, AT_END, -4, MEDIUM_LEN, 0x1008, region_index=0),
                                       op(READ, AT_START, 0, SMALL_LEN, 1, region_index=2)),
    "edges-of-the-space": guest_mem([region(BEYOND | BELOW, 4, offset=3), region(BEYOND, 1),
                                     region(0, 2)],
                                    op(READ, AT_END, -16, SMALL_LEN, 16),
                                    op(READ, AT_END, -16, RAW_LEN, MASK64),
                                    op(WRITE, RAW_ADDRESS, MASK64 - 7, SMALL_LEN, 16),
                                    op(READ, AT_START, 0, RAW_LEN, 1 << 63, region_index=1)),
}


# --- config: RAM regions, (base, size) selectors, reserved count, max, text.
def config(text, ram=((0, 1),), reserved=2, max_vms=8):
    return (u8(len(ram) - 1) + b"".join(u8(b) + u8(s) for b, s in ram) + u8(reserved)
            + u8(max_vms - 1) + text.encode())


CONFIG = {
    "two-builtin": config("console=ttyS0 vm=hello vm=echo:32M:2 vm2.nonce=0x12 vm1.a=b"),
    "raw-image": config("vm=@0x80200000+0x100000:64M:2 vm1.console=hvc0", ram=((0, 1), (2, 2))),
    "raw-image-initrd": config("vm=@0x80200000+0x100000:64M vm=hello vm1.initrd=@0x80400000+0x1000 "
                               "vm2.initrd=@0x80400000+0x1000 vm2.initrd=@0x80500000+0x10 "
                               "vm1.initrd=@0x7000000+0x10 vm1.initrd= vm2.initrd=@0x80400000+0x1x "
                               "vm1.console=ttyS0", ram=((0, 1),)),
    "raw-image-past-ram": config("vm=@0x87fff000+0x2000 vm=@0x80000000+0 vm=@0x80000000"),
    "long-name-and-args": config("vm=a-name-longer-than-sixteen vm=x:1G " + " ".join(
        f"vm1.key{i}=value{i}" for i in range(12))),
    "too-many": config(" ".join("vm=hello" for _ in range(10)), max_vms=3),
    "odd-tokens": config("vm= vm=:16M vm=hello: vm0.x=1 vm9.y=2 vm1. vm1x.z vm01.w=1  vm=@+ "),
    "macs": config("vm=hello vm=echo vm1.mac=02:68:76:00:00:09 vm2.mac=02:68:76:00:00:09:00 "
                   "vm2.mac= vm1.macx=1"),
}


# --- vplic: contexts, then steps (kind, index, width selector, value);
# kind & 3: 0 read, 1 write, 3 a source's line; (kind >> 2) % 7: the register.
def plic(kind, reg, index, value=0, width4=True):
    return u8(reg << 2 | kind) + u8(index) + u8(0 if width4 else 0xF0) + u32(value)


PRIO, PEND, ENABLE, THRESH, CLAIM, CTX_OTHER, ANY = range(7)
RD, WR, LINE = 0, 1, 3
VPLIC = {
    "claim-complete": u8(1) + plic(WR, PRIO, 10, 3) + plic(WR, ENABLE, 0, 1 << 10)
    + plic(LINE, 0, 10, 1) + plic(RD, PEND, 0) + plic(RD, CLAIM, 0) + plic(RD, CLAIM, 0)
    + plic(WR, CLAIM, 0, 10) + plic(LINE, 0, 10, 0) + plic(RD, CLAIM, 0),
    "priorities-and-threshold": u8(2) + plic(WR, PRIO, 5, 2) + plic(WR, PRIO, 7, 6)
    + plic(WR, PRIO, 9, 6) + plic(WR, ENABLE, 1, 0xFFFFFFFF) + plic(LINE, 0, 5, 1)
    + plic(LINE, 0, 7, 1) + plic(LINE, 0, 9, 1) + plic(WR, THRESH, 1, 5) + plic(RD, CLAIM, 1)
    + plic(RD, CLAIM, 1) + plic(RD, CLAIM, 1) + plic(WR, THRESH, 1, 9) + plic(RD, THRESH, 1),
    "odd-accesses": u8(3) + plic(RD, PRIO, 0, width4=False) + plic(WR, ANY, 0, 0x200006)
    + plic(RD, ENABLE, 9) + plic(WR, CLAIM, 9, 1) + plic(RD, CTX_OTHER, 0, 8)
    + plic(LINE, 0, 33, 1) + plic(WR, PEND, 0, 0xFF),
}


# --- vuart: vCPUs, source, then steps (kind, offset or vCPU, value);
# kind % 5: 0 a typed byte, 1 switch vCPU, 2 read, 3 write, 4 bounds check.
def uart(kind, where=0, value=0, anywhere=False, width=False):
    return u8(kind | (0x80 if anywhere else 0) | (0x40 if width else 0)) + u8(where) + u8(value)


TYPED, SWITCH, URD, UWR, BOUNDS = 0, 1, 2, 3, 4
VUART = {
    "echo": u8(1) + u8(9) + uart(UWR, 1, 0x05) + b"".join(uart(TYPED, 0, c) for c in b"hi\r")
    + uart(URD, 2) + uart(URD, 5) + uart(URD, 0) + uart(URD, 0) + uart(UWR, 0, 0x68)
    + uart(URD, 0) + uart(URD, 2),
    "thre-and-divisor": u8(0) + u8(9) + uart(UWR, 1, 0x02) + uart(URD, 2) + uart(URD, 2)
    + uart(UWR, 3, 0x83) + uart(UWR, 0, 0x01) + uart(UWR, 1, 0x00) + uart(URD, 0)
    + uart(UWR, 3, 0x03) + uart(UWR, 2, 0xC7) + uart(URD, 2) + uart(SWITCH, 1)
    + uart(UWR, 0, 0x41),
    "overrun": u8(0) + u8(9) + uart(UWR, 1, 0x07) + b"".join(uart(TYPED, 0, i) for i in range(70))
    + uart(URD, 2) + uart(URD, 5) + uart(URD, 5) + uart(BOUNDS) + uart(URD, 0x40, anywhere=True)
    + uart(UWR, 0, 1, width=True),
}


# --- virtq: size selector, desc/avail/used placement (mode, offset), the
# descriptors (placement, length, flags, next), avail.flags, avail.idx
# step, the ring; steps (kind, argument of 3 bytes).
VQ_NEXT, VQ_WRITE, VQ_INDIRECT = 1, 2, 4
POP, PUSH, PUBLISH, REWRITE, AVAIL = 0, 1, 2, 3, 4
STALE = 0x800000  # PUSH's argument: a chain from before a reset


def place(offset, mode=0):  # mode 0: RAM, 2: the read-only page, 4+: anywhere
    return u8(mode) + u16(offset)


def vdesc(offset, length, flags=0, nxt=0, mode=0):
    return place(offset, mode) + u16(length) + u8(flags) + u8(nxt)


def vstep(kind, arg=0):
    return u8(kind) + u32(arg)[:3]


def virtq(descs, heads, steps, size_sel=2, published=1, avail_flags=0):
    num = 1 << size_sel
    descs = descs + [vdesc(0, 0)] * (num - len(descs))
    heads = heads + [0] * (num - len(heads))
    return (u8(size_sel) + place(0) + place(0x100) + place(0x200) + b"".join(descs)
            + u8(avail_flags) + u8(published) + bytes(heads) + b"".join(steps))


READ_REQUEST = [vdesc(0x1000, 16, VQ_NEXT, 1), vdesc(0x2000, 512, VQ_WRITE | VQ_NEXT, 2),
                vdesc(0x3000, 1, VQ_WRITE)]
VIRTQ = {
    "one-chain-popped-and-pushed": virtq(READ_REQUEST, [0], [
        vstep(AVAIL), vstep(POP), vstep(PUSH, 513), vstep(PUBLISH, 1), vstep(POP),
        vstep(AVAIL), vstep(POP), vstep(PUSH, 1)]),
    "loop": virtq([vdesc(0x1000, 16, VQ_NEXT, 1), vdesc(0x2000, 16, VQ_NEXT, 0)], [0],
                  [vstep(AVAIL), vstep(POP)]),
    "writable-in-read-only": virtq([vdesc(0x1000, 16, VQ_NEXT, 1),
                                    vdesc(0x10, 16, VQ_WRITE, 0, mode=2)], [0],
                                   [vstep(AVAIL), vstep(POP)]),
    "indirect": virtq([vdesc(0x1000, 48, VQ_INDIRECT)], [0], [vstep(AVAIL), vstep(POP)]),
    "avail-jump": virtq(READ_REQUEST, [0], [vstep(PUBLISH, 0x10000 | 999), vstep(AVAIL),
                                            vstep(POP)]),
    "rewritten-between-pops": virtq(READ_REQUEST, [0, 0], [
        vstep(AVAIL), vstep(POP), vstep(REWRITE, 1) + vdesc(0x2000, 512, VQ_NEXT, 2),
        vstep(PUBLISH, 1), vstep(AVAIL), vstep(POP)], published=1),
    "published-after-the-read-waits": virtq(READ_REQUEST, [0, 0, 0], [
        vstep(AVAIL), vstep(PUBLISH, 2), vstep(POP), vstep(POP), vstep(AVAIL), vstep(POP),
        vstep(POP)]),
    "stale-chain-refused": virtq(READ_REQUEST, [0], [
        vstep(AVAIL), vstep(POP), vstep(PUSH, STALE | 513), vstep(PUSH, 513)]),
}


# --- gpt: mode (1: built), disk sectors, name selector; built: usable
# range, entries LBA, count, size selector, placement (bit 0: the usable
# range right after the entry array), entries (type, first, length
# + 8, name), the byte to spoil and its xor.
def gpt_entry(used, first, length, name_sel):
    return u8(used) + u8(first) + u8(length + 7) + u8(name_sel)


def gpt(entries, name_sel=0, sectors=64, first_usable=34, last_usable=60, count_sel=None,
        size_sel=0, spoil=(0, 0), place=0):
    count_sel = len(entries) - 1 if count_sel is None else count_sel
    return (u8(1) + u8(sectors) + u8(name_sel) + u8(first_usable) + u8(last_usable) + u8(0)
            + u8(count_sel) + u8(size_sel) + u8(place) + b"".join(entries) + u16(spoil[0])
            + u8(spoil[1]))


GPT = {
    "found": gpt([gpt_entry(1, 40, 10, 1), gpt_entry(1, 51, 5, 0)], name_sel=0),
    "first-of-two-names": gpt([gpt_entry(1, 40, 4, 0), gpt_entry(2, 45, 5, 0)]),
    "unused-entry-skipped": gpt([gpt_entry(0, 40, 4, 0), gpt_entry(1, 45, 5, 0)]),
    "outside-usable": gpt([gpt_entry(1, 20, 4, 0)]),
    "spoiled-entry-crc": gpt([gpt_entry(1, 40, 4, 0)], spoil=(2 * 512 + 40, 1)),
    "entries-of-512-bytes": gpt([gpt_entry(1, 40, 4, 3), gpt_entry(1, 45, 5, 0)], size_sel=2),
    "overlaps-another": gpt([gpt_entry(1, 40, 10, 0), gpt_entry(1, 45, 5, 1)]),
    "touches-another": gpt([gpt_entry(1, 40, 5, 0), gpt_entry(1, 45, 5, 1)]),
    "usable-over-the-array": gpt([gpt_entry(1, 40, 4, 0)], first_usable=2),
    "usable-right-after-the-array": gpt([gpt_entry(1, 40, 4, 0)], place=1),
    "raw-zeros": u8(0) + u8(64) + u8(0),
}


# --- vswitch: VM ports (bit 7: a host NIC), then steps: 0 a frame (port,
# length, destination, source, fill), 1 receive buffers (port, count,
# size), 2 the uplink's ring full (flag), 3 a VM stops (port).
BCAST, MCAST, VM1, VM2, VM3, SLIRP = 0, 1, 3, 4, 5, 7
NIC = 0x80


def frame(port, length, dst, src, fill=0):
    def mac(sel):
        return u8(sel) if isinstance(sel, int) else u8(0xFF) + bytes(sel)
    return u8(0) + u8(port) + u16(length) + mac(dst) + mac(src) + u8(fill)


def buffers(port, count, size=1526):
    return u8(1) + u8(port - 1) + u8(count) + u16(size)


VSWITCH = {
    "learn-then-unicast": u8(2 | NIC) + buffers(1, 7) + buffers(2, 7) + buffers(3, 7)
    + frame(1, 60, BCAST, VM1) + frame(2, 60, BCAST, VM2) + frame(1, 1514, VM2, VM1, 5)
    + frame(2, 1514, VM1, VM2, 6) + frame(3, 100, VM1, VM3) + frame(0, 42, BCAST, SLIRP)
    + frame(1, 42, SLIRP, VM1),
    "queue-fills-then-drains": u8(1) + b"".join(frame(1, 200 + i, BCAST, VM1, i) for i in range(70))
    + buffers(2, 7) + buffers(2, 7, 20) + buffers(2, 7) + frame(1, 64, VM2, VM1),
    "odd-lengths-and-sources": u8(3 | NIC) + frame(1, 13, BCAST, VM1) + frame(1, 1515, BCAST, VM1)
    + frame(2, 60, BCAST, MCAST) + frame(2, 60, VM2, VM2) + u8(2) + u8(1)
    + frame(3, 60, BCAST, VM3) + u8(3) + u8(1) + frame(3, 60, BCAST, VM3),
    "table-overflows": u8(2) + b"".join(frame(1, 60, BCAST, [2, 0, 0, 0, i >> 8, i & 0xFF])
                                        for i in range(80))
    + buffers(2, 7) + frame(2, 60, [2, 0, 0, 0, 0, 1], VM2) + frame(2, 60, [2, 0, 0, 0, 0, 79], VM2),
}


# --- uk_store: sectors - 32, mode 1 (built), generation - 1, live half,
# records (key selector, value length, kind), the spoiled byte, operations.
def store_record(key, length, delete=False):
    return u8(key) + u16(length) + u8(0 if delete else 1)


def store_slice(records, spoil=(0, 0), sectors=64, generation=0, live=0):
    return (u8(sectors - 32) + u8(1) + u8(generation) + u8(live) + u8(len(records))
            + b"".join(records) + u16(spoil[0]) + u8(spoil[1]))


def store_op(key, length, delete=False):
    return u8(key) + u8(length) + u8(1 if delete else 0)


STORE_OPS = store_op(0, 10) + store_op(1, 200) + store_op(0, 0, True) + store_op(2, 255)
UK_STORE = {
    "log-intact": store_slice([store_record(k % 6, 40 * k) for k in range(8)]) + STORE_OPS,
    "torn-tail": store_slice([store_record(0, 100), store_record(1, 1500)],
                             spoil=(512 * 3 + 700, 0x40)) + STORE_OPS,
    "deletions-half-1": store_slice([store_record(2, 30), store_record(2, 0, True),
                                     store_record(3, 3000)], live=1, generation=2) + STORE_OPS,
    "nearly-full": store_slice([store_record(k % 6, 3584) for k in range(4)], sectors=40)
    + STORE_OPS * 2,
    "bad-header": store_slice([store_record(1, 10)], spoil=(4, 1)) + STORE_OPS,
    "raw-zeros": u8(0) + u8(0) + bytes(512 * 32),
}


def uk_ext2_images():
    """Small images from mke2fs -d, made reproducible (a fixed time, UUID
    and hash seed): revision 1 with 1 KiB blocks, revision 0, 2 KiB blocks
    with 128-byte inodes."""
    import subprocess
    import tempfile
    images = {}
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "tree")
        os.makedirs(os.path.join(tree, "dir", "sub"))
        for path, data in (("a", b"hi\n"), ("dir/b", bytes(range(256)) * 12),
                           ("dir/sub/c", b"x\n")):
            with open(os.path.join(tree, path), "wb") as f:
                f.write(data)
        with open(os.path.join(tree, "holes"), "wb") as f:
            f.truncate(20000)
        for root, dirs, files in os.walk(tree):  # mke2fs -d copies times
            for name in dirs + files + ["."]:
                os.utime(os.path.join(root, name), (1700000000, 1700000000))
        fixed = "01234567-89ab-cdef-0123-456789abcdef"
        for name, opts, size in (("rev1-1k", ["-b", "1024"], 64 << 10),
                                 ("rev0-1k", ["-b", "1024", "-r", "0"], 64 << 10),
                                 ("rev1-2k-128", ["-b", "2048", "-I", "128"], 128 << 10)):
            img = os.path.join(tmp, name)
            subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", *opts, "-U", fixed,
                            "-E", f"hash_seed={fixed}", "-N", "32", "-d", tree, img,
                            str(size // 1024) + "K"], check=True, capture_output=True,
                           env=dict(os.environ, E2FSPROGS_FAKE_TIME="1700000000"))
            # Change times come from the tree, and no utime() sets them.
            paths = ["/", "/a", "/dir", "/dir/b", "/dir/sub", "/dir/sub/c", "/holes",
                     "/lost+found"]
            script = "".join(f"sif {p} {field} 1700000000\n"
                             for p in paths for field in ("atime", "ctime"))
            subprocess.run(["debugfs", "-w", "-f", "-", img], input=script.encode(),
                           check=True, capture_output=True)
            with open(img, "r+b") as f:
                f.truncate(size)  # mke2fs leaves unwritten blocks off the end
                f.seek(0)
                images[name] = f.read()
    return images


# --- mgmt: caller RAM, mem_max, harts, disk selectors; mode; the description
# (mode 0) or (field, value) changes of a valid one; a buffer.
def mgmt_desc(flags=0, name=b"child", mem=4 << 20, load=0x80000000, entry=0x80000000,
              image=0x80000000, image_size=0x4000, initrd=0, initrd_size=0, vcpus=1,
              mask=0, disk=0, sectors=0, mac=b"\0" * 6, cmdline=b"nonce=1"):
    return (u32(0x444D5648) + u32(1) + u32(416) + u32(flags) + name.ljust(16, b"\0")
            + u64(0x80000000) + u64(mem) + u64(load) + u64(entry) + u64(image) + u64(image_size)
            + u64(initrd) + u64(initrd_size) + u32(vcpus) + u32(0) + u64(mask) + u64(disk)
            + u64(sectors) + mac + b"\0\0" + b"\0" * 24 + cmdline.ljust(256, b"\0"))


def mgmt_changes(*pairs):
    return u8(len(pairs)) + b"".join(u8(k) + u64(v) for k, v in pairs)


MGMT_LIMITS = u8(4) + u8(1) + u8(2) + u8(1)  # 1 GiB at 0x80000000, 64 MiB, 2 harts, 8192 sectors
MGMT = {
    "valid": MGMT_LIMITS + u8(0) + mgmt_desc() + u64(0x80001000) + u64(64),
    "disk-net-mac-initrd": MGMT_LIMITS + u8(0)
    + mgmt_desc(flags=0xF, disk=4096, sectors=2048, mac=bytes([2, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE]),
                initrd=0x80100000, initrd_size=0x1000, mask=3, vcpus=8)
    + u64(0xBFFFFFC0) + u64(64),
    "image-at-the-end": MGMT_LIMITS + u8(0)
    + mgmt_desc(image=0xC0000000 - 0x4000, load=0x80200000, entry=0x80203FFC, mem=64 << 20)
    + u64(0xC0000000) + u64(0),
    "changes": MGMT_LIMITS + mgmt_changes((5, 0x3FC000), (1, 4 << 20), (16, 9), (22, 0x4141))
    + u64(0x7FFFFFFF) + u64(2),
}

def uk_vmconfig_seeds():
    """The MVM's example configs, and one in Rust-Shyper's own form."""
    vms = os.path.join(HERE, "..", "ch7-unikernel", "uk", "apps", "mvm", "vms")
    seeds = {}
    for name in sorted(os.listdir(vms)) if os.path.isdir(vms) else []:
        with open(os.path.join(vms, name), "rb") as f:
            seeds[name] = f.read()
    seeds["shyper.json"] = (
        b'{"name": "guest-os-1", "type": "VM_T_LINUX", "cmdline": "earlycon=sbi",'
        b' "image": {"kernel_filename": "Image", "kernel_load_ipa": "0x80200000",'
        b' "kernel_entry_point": "0x80200000", "device_tree_filename": "",'
        b' "ramdisk_filename": "initrd.gz", "ramdisk_load_ipa": "0"},'
        b' "memory": {"num": 1, "region": [{"ipa_start": "0x80000000", "length": "0x40000000"}]},'
        b' "cpu": {"num": 3, "allocate_bitmap": "0b1110", "master": 1},'
        b' "emulated_device": {"num": 1, "emulated_device_list": [{"name": "virtio_net@50000000",'
        b' "base_ipa": "0x50000000", "length": "0x1000", "irq_id": 20, "cfg_num": 6,'
        b' "cfg_list": ["0x74", "0x56", "0xaa", "0x0f", "0x47", "0xd1"],'
        b' "type": "EMU_DEVICE_T_VIRTIO_NET"}]},'
        b' "passthrough_device": {"passthrough_device_list": []}}')
    return seeds


def main():
    for name, seeds in (("decode", DECODE), ("sbi", SBI), ("guest_mem", GUEST_MEM),
                        ("config", CONFIG), ("vplic", VPLIC), ("vuart", VUART),
                        ("virtq", VIRTQ), ("gpt", GPT), ("vswitch", VSWITCH),
                        ("mgmt", MGMT), ("uk_store", UK_STORE), ("uk_ext2", uk_ext2_images()),
                        ("uk_vmconfig", uk_vmconfig_seeds())):
        directory = os.path.join(HERE, "corpus", name)
        os.makedirs(directory, exist_ok=True)
        for old in os.listdir(directory):
            os.remove(os.path.join(directory, old))
        for seed, data in seeds.items():
            with open(os.path.join(directory, seed), "wb") as f:
                f.write(data)
        print(f"fuzz/corpus/{name}: {len(seeds)} seeds")


if __name__ == "__main__":
    main()
