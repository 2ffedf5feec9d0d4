"""Stage 6 (ch6-virtio on): each VM's virtio-blk disk is a slice of the
host's disk, mediated by the hypervisor (hv/vdev/vblk.c).

The grader makes the host disk: every sector s holds words derived from a
nonce and s (virtio.sector_bytes), which only the grader chooses. A VM's
test guest (guest/vblk.c) is told its slice's first host sector and reads
its sectors through the emulated device: it checks each against the same
formula and prints a checksum of every word it read, which the grader
recomputes here from what those sectors hold. Only a device that returns
the right host sectors, at the slice's offset, gives both. Blocks that a
guest writes are read back from the image file after QEMU has exited, and
every other sector of the image must be as the grader made it: a request
outside a slice, or a write to a read-only slice, is answered IOERR and
reaches no sector. The guest also sees the transport behave as virtio 1.2
says: FEATURES_OK refused for features not offered or without VERSION_1,
one interrupt per request through its vPLIC, GET_ID, UNSUPP for an unknown
request type, and a device reset that clears the registers and leaves a
device that works.
"""

from __future__ import annotations

import random
import re
import struct
import zlib
from pathlib import Path

import pytest

from guests import vm_text
from mix64 import splitmix64
from virtio import MODERN, SECTOR, disk_args, make_disk, sector_bytes

STAGE = 6
DISK_SECTORS = 8192  # 4 MiB
OK, IOERR, UNSUPP = 0, 1, 2


def checksum(data: bytes) -> int:
    """guest/vblk.c's checksum: splitmix64 folded over every word read."""
    h = 0
    for (w,) in struct.iter_unpack("<Q", data):
        h = splitmix64(h ^ w)
    return h


def expected_sum(nonce: int, first: int, count: int) -> int:
    return checksum(b"".join(sector_bytes(nonce, first + s) for s in range(count)))


def vblk_args(n: int, disk: str, nonce: int, base: int, extra: str = "") -> str:
    return (f"vm=vblk vm{n}.disk={disk} vm{n}.nonce={nonce:#x} vm{n}.base={base} "
            + " ".join(f"vm{n}.{kv}" for kv in extra.split()))


def check_transport(run, n: int, sectors: int, read_only: bool) -> None:
    """What every run of guest/vblk.c shows of the transport."""
    out = vm_text(run, n)
    assert "vblk: done" in out, f"vm{n} did not finish:\n{out}"
    m = re.search(r"vblk: device at 0x10001000 irq 16, capacity (\d+) sectors, "
                  r"features (0x[0-9a-f]+), (read-only|read-write)", out)
    assert m, f"vm{n} found no virtio-blk device at 0x10001000 irq 16:\n{out}"
    assert int(m[1]) == sectors, f"vm{n}: capacity {m[1]}, its slice has {sectors} sectors"
    features = int(m[2], 16)
    assert features & 1 << 32, "VIRTIO_F_VERSION_1 not offered"
    assert not features & (1 << 28 | 1 << 29), "INDIRECT_DESC or EVENT_IDX offered"
    assert bool(features & 1 << 5) == read_only and m[3] == (
        "read-only" if read_only else "read-write"), "VIRTIO_BLK_F_RO wrong"
    assert "unoffered feature refused yes, no VERSION_1 refused yes" in out, (
        "FEATURES_OK kept for features the device does not offer or without VERSION_1")
    assert f'vblk: id "hvlab-vm{n}" status {OK}' in out, "GET_ID not answered"
    assert f"vblk: unknown type: status {UNSUPP}" in out, "an unknown type not UNSUPP"
    m = re.search(r"vblk: interrupts (\d+) for (\d+) requests", out)
    assert m and m[1] == m[2], f"not one interrupt per request: {m and m[0]}"
    assert f"reset: registers cleared yes, a request after it: status {OK}" in out, (
        "a device reset did not clear the registers or left a device that does not work")
    wrong = re.findall(r"vblk: .*: used length \d+, \d+ expected", out)
    assert not wrong, f"vm{n}: used lengths not the chain's writable bytes: {wrong}"


def check_read(run, n: int, nonce: int, base: int, start: int, count: int) -> None:
    out = vm_text(run, n)
    m = re.search(rf"vblk: read {start}\+{count}: (.*)", out)
    assert m, f"vm{n} did not read {start}+{count}:\n{out}"
    # The guest checks every answer's used length (the chain's writable
    # bytes, status byte included: QEMU's in_len) and prints what differs.
    wrong = re.findall(r"vblk: .*: used length \d+, \d+ expected", out)
    assert not wrong, f"vm{n}: used lengths not the chain's writable bytes: {wrong}"
    want = expected_sum(nonce, base + start, count)
    assert m[1] == f"ok, checksum {want:#x}", (
        f"vm{n} read its sectors {start}+{count} (host {base + start}+{count}): {m[1]}, "
        f"expected ok and checksum {want:#x}")


def assert_image(img: Path, nonce: int, written: dict[int, bytes] | None = None) -> None:
    """Every sector as the grader made it, but those in `written`."""
    written = written or {}
    data = img.read_bytes()
    assert len(data) == DISK_SECTORS * SECTOR
    for s in range(DISK_SECTORS):
        want = written.get(s) or sector_bytes(nonce, s)
        assert data[s * SECTOR:(s + 1) * SECTOR] == want, (
            f"host sector {s}: " + ("not what the guest wrote" if s in written else
                                    "changed, though no guest wrote it"))


@pytest.mark.points(2)
def test_vblk_reads_its_slice(chapter, boot, tmp_path):
    """A VM's disk is a byte range of the host disk at a random offset: the
    guest reads sectors of it (in requests of up to 256 sectors in 4 KiB
    segments, larger than one bounce buffer), and the checksum is the
    grader's from the host sectors at that offset; requests past the end
    of the slice (and one whose sector count would wrap) are IOERR."""
    nonce = random.getrandbits(64)
    img = make_disk(tmp_path / "disk.img", nonce, DISK_SECTORS)
    base = random.randrange(1, 8) * 512  # sectors: a 256 KiB-aligned offset
    size = random.randrange(512, 2048)
    count = random.randrange(300, size)
    start = random.randrange(0, size - count + 1)
    run = boot(mem="256M", smp=2, extra=MODERN + disk_args(img),
               append=vblk_args(1, f"{base * SECTOR:#x}+{size * SECTOR:#x}", nonce, base,
                                f"read={start}+{count} beyond=1"))
    run.wait_clean_exit(60)
    assert f"vm1 virtio-blk: host sectors {base}+{size}, read-write" in run.output
    check_transport(run, 1, size, read_only=False)
    check_read(run, 1, nonce, base, start, count)
    assert f"vblk: beyond the disk: status {IOERR} {IOERR} {IOERR} {IOERR}" in vm_text(run, 1), (
        "a request past the end of the slice not answered IOERR")
    assert_image(img, nonce)


@pytest.mark.points(2)
def test_two_vms_read_disjoint_slices(chapter, boot, tmp_path):
    """Two VMs, each with its own slice of one host disk (K and M
    suffixes), each reads all of its slice: each checksum is the grader's
    for that VM's host sectors only. A third VM without vmN.disk= finds no
    virtio-blk device (its slot's DeviceID is 0)."""
    nonce = random.getrandbits(64)
    img = make_disk(tmp_path / "disk.img", nonce, DISK_SECTORS)
    a_base, a_size = 2048, 2 * random.randrange(128, 512)  # whole KiB
    b_base, b_size = 4096 + 2 * random.randrange(0, 512), random.randrange(256, 1024)
    run = boot(mem="256M", smp=2, extra=MODERN + disk_args(img),
               append=vblk_args(1, f"1M+{a_size // 2}K", nonce, a_base, f"read=0+{a_size}")
               + " " + vblk_args(2, f"{b_base // 2}K+{b_size * SECTOR}", nonce, b_base,
                                 f"read=0+{b_size}")
               + " vm=vblk")
    run.wait_exit(60)
    check_transport(run, 1, a_size, read_only=False)
    check_transport(run, 2, b_size, read_only=False)
    check_read(run, 1, nonce, a_base, 0, a_size)
    check_read(run, 2, nonce, b_base, 0, b_size)
    assert "vblk: no virtio-blk device" in vm_text(run, 3), (
        "a VM without a disk should see no virtio-blk device")
    assert_image(img, nonce)


@pytest.mark.points(2)
def test_vblk_writes_reach_the_disk(chapter, boot, tmp_path):
    """The guest writes sectors (their content from a second nonce and the
    host sector) and reads them back through the device; after QEMU exits
    the image holds them at the slice's offset, and nothing else changed:
    not the sectors around the slice, nor those that the IOERR requests past
    its end named."""
    nonce, wnonce = random.getrandbits(64), random.getrandbits(64)
    img = make_disk(tmp_path / "disk.img", nonce, DISK_SECTORS)
    base, size = 1024 + random.randrange(0, 16) * 64, 1024
    count = random.randrange(20, 400)
    start = random.randrange(0, size - count - 1)
    run = boot(mem="256M", smp=2, extra=MODERN + disk_args(img),
               append=vblk_args(1, f"{base * SECTOR}+{size * SECTOR}", nonce, base,
                                f"write={start}+{count} wnonce={wnonce:#x} beyond=1"))
    run.wait_clean_exit(60)
    check_transport(run, 1, size, read_only=False)
    out = vm_text(run, 1)
    assert f"vblk: write {start}+{count}: status {OK}" in out, f"the write failed:\n{out}"
    check_read(run, 1, wnonce, base, start, count)
    assert f"vblk: beyond the disk: status {IOERR} {IOERR} {IOERR} {IOERR}" in out
    written = {base + start + i: sector_bytes(wnonce, base + start + i) for i in range(count)}
    assert_image(img, nonce, written)


@pytest.mark.points(2)
@pytest.mark.parametrize("how", ["slice", "host"])
def test_read_only_disk_refuses_writes(chapter, boot, tmp_path, how):
    """A read-only slice (`:ro`), or a slice of a read-only host disk:
    VIRTIO_BLK_F_RO is offered, reads work, a write is answered IOERR and
    the image is unchanged, every byte."""
    nonce = random.getrandbits(64)
    img = make_disk(tmp_path / "disk.img", nonce, DISK_SECTORS)
    base, size = 2048, 512
    target = random.randrange(0, size)
    disk = f"{base * SECTOR}+{size * SECTOR}" + (":ro" if how == "slice" else "")
    run = boot(mem="256M", smp=2, extra=MODERN + disk_args(img, read_only=how == "host"),
               append=vblk_args(1, disk, nonce, base, f"read=0+64 rowrite={target}"))
    run.wait_clean_exit(60)
    assert f"vm1 virtio-blk: host sectors {base}+{size}, read-only" in run.output
    check_transport(run, 1, size, read_only=True)
    check_read(run, 1, nonce, base, 0, 64)
    assert f"vblk: write to sector {target}: status {IOERR}" in vm_text(run, 1), (
        "a write to a read-only disk not answered IOERR")
    assert_image(img, nonce)


def write_gpt(img: Path, parts: list[tuple[str, int, int]]) -> None:
    """A GPT (UEFI 2.10 §5.3) on the image: protective MBR, header at LBA 1,
    128 entries of 128 bytes from LBA 2; parts: (name, first LBA, last LBA)."""
    entries = bytearray(128 * 128)
    for i, (name, first, last) in enumerate(parts):
        type_guid = bytes.fromhex("af3dc60f838472478e793d69d8477de4")  # Linux data
        unique = random.randbytes(16)
        entries[i * 128:(i + 1) * 128] = (type_guid + unique + struct.pack("<QQQ", first, last, 0)
                                          + name.encode("utf-16-le").ljust(72, b"\0"))
    hdr = struct.pack("<8sIIIIQQQQ16sQIII", b"EFI PART", 0x10000, 92, 0, 0, 1,
                      DISK_SECTORS - 1, 34, DISK_SECTORS - 34, random.randbytes(16), 2, 128,
                      128, zlib.crc32(entries))
    hdr = hdr[:16] + struct.pack("<I", zlib.crc32(hdr)) + hdr[20:]
    mbr = bytearray(SECTOR)
    mbr[446:462] = bytes([0, 0, 2, 0, 0xEE, 0xFF, 0xFF, 0xFF]) + struct.pack(
        "<II", 1, DISK_SECTORS - 1)
    mbr[510:512] = b"\x55\xaa"
    with open(img, "r+b") as f:
        f.write(bytes(mbr))
        f.write(hdr.ljust(SECTOR, b"\0"))
        f.write(bytes(entries))


@pytest.mark.points(2)
def test_gpt_partition_by_name(chapter, boot, tmp_path):
    """`vmN.disk=part=NAME`: the hypervisor reads the host disk's GPT
    (checked with its CRC32s) and gives the VM the partition of that name,
    at partition boundaries the grader chose at random; the guest reads it
    all. A name that no partition has stops that VM's creation, with the
    reason, and the others run."""
    nonce = random.getrandbits(64)
    img = make_disk(tmp_path / "disk.img", nonce, DISK_SECTORS)
    a_first = random.randrange(64, 1024)
    a_last = a_first + random.randrange(100, 1000)
    b_first = a_last + 1 + random.randrange(0, 500)
    b_last = b_first + random.randrange(100, 1500)
    names = ["hv-" + "".join(random.choices("abcdefgh", k=6)) for _ in range(2)]
    write_gpt(img, [(names[0], a_first, a_last), (names[1], b_first, b_last)])
    before = img.read_bytes()
    b_size = b_last - b_first + 1
    run = boot(mem="256M", smp=2, extra=MODERN + disk_args(img),
               append=vblk_args(1, f"part={names[1]}", nonce, b_first, f"read=0+{b_size}")
               + f" vm=vblk vm2.disk=part=nosuch:ro")
    run.wait_exit(60)
    assert f"vm1 virtio-blk: host sectors {b_first}+{b_size}, read-write" in run.output, (
        f"partition {names[1]} is sectors {b_first}..{b_last}")
    check_transport(run, 1, b_size, read_only=False)
    check_read(run, 1, nonce, b_first, 0, b_size)
    assert re.search(r"vm vblk: disk=part=nosuch:ro: no partition of that name", run.output), (
        "a missing partition not reported")
    assert img.read_bytes() == before


@pytest.mark.points(1)
def test_overlapping_slices_refused(chapter, boot, tmp_path):
    """Two VMs' slices may share sectors only when both are read-only, and
    while a VM's disk is a GPT partition no writable slice may cover the
    GPT itself: each VM that breaks a rule is not created, with the reason
    printed, and the others run. Partition boundaries and slices are random:
    only a check of the actual ranges refuses exactly these."""
    nonce = random.getrandbits(64)
    img = make_disk(tmp_path / "disk.img", nonce, DISK_SECTORS)
    a_first = random.randrange(64, 1024)
    a_last = a_first + random.randrange(100, 1000)
    b_first = a_last + 1 + random.randrange(0, 500)
    b_last = b_first + random.randrange(100, 1500)
    name = "hv-" + "".join(random.choices("abcdefgh", k=6))
    write_gpt(img, [(name, a_first, a_last), ("hv-other", b_first, b_last)])
    before = img.read_bytes()
    inside_a = random.randrange(a_first, a_last)  # a sector of vm1's partition
    ro_start = b_first + random.randrange(0, 50)
    specs = {
        2: (f"{inside_a * SECTOR}+{64 * SECTOR}", "intersects the slice of vm1"),
        3: (f"0+{32 * SECTOR}", "covers the GPT's sectors, which vm1's part= relies on"),
        4: (f"{(ro_start + 10) * SECTOR}+{40 * SECTOR}:ro", None),
        5: (f"{ro_start * SECTOR}+{30 * SECTOR}:ro", None),
        6: (f"{(ro_start + 5) * SECTOR}+{SECTOR}", "intersects the slice of vm"),
    }
    append = vblk_args(1, f"part={name}", nonce, a_first)
    for n, (disk, _) in specs.items():
        append += f" vm=vblk vm{n}.disk={disk}"
    run = boot(mem="512M", smp=2, extra=MODERN + disk_args(img), append=append)
    run.wait_exit(60)
    assert f"virtio-blk: host sectors {a_first}+{a_last - a_first + 1}, read-write" in run.output
    for n, (disk, why) in specs.items():
        refused = re.search(rf"vm vblk: disk={re.escape(disk)}: (.*)", run.output)
        if why:
            assert refused and why in refused[1], (
                f"vm{n}.disk={disk}: not refused with \"{why}\": "
                f"{refused[1] if refused else 'created'}")
        else:
            assert not refused, f"vm{n}.disk={disk} (read-only beside read-only) refused: " \
                                f"{refused[1]}"
    for start, count in ((ro_start + 10, 40), (ro_start, 30)):
        assert f"virtio-blk: host sectors {start}+{count}, read-only" in run.output, (
            f"the read-only slice {start}+{count} was not created")
    assert img.read_bytes() == before
