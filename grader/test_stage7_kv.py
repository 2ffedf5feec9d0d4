"""Stage 7 (ch7-unikernel on): the kv app, a key-value store on a virtio
disk (uk/apps/kv, uk/lib/store), keeps its data across reboots and
survives a power cut in the middle of a write.

Every value is the grader's: record i of a run has key k<i mod keys> and a
value derived from the nonce and i (value() below, as apps/kv/main.c
computes it). The app prints a record as committed once store_put has
returned (the record is on the disk, flushed). The grader checks what the
app reads back in a later QEMU run against its own computation, and reads
the disk image itself with a parser of the store's format written here
(half headers and records with their CRC-32s, uk/lib/store/store.h): the
live half holds exactly the committed records, in order, and nothing
outside the store's slice changed.

The app waits for its disk by the completion interrupt (the virtio
drivers' interrupt path through the PLIC; the other apps poll), and says
how many it took. Each test runs on OpenSBI directly (`-kernel kv.bin`, QEMU's virtio-blk
on the store's slice given by `store=START+SECTORS`) and as a VM under
hvlab (the same image; the VM's disk is the slice `vm1.disk=START+SIZE`
of QEMU's disk, and the store fills it).
"""

from __future__ import annotations

import random
import re
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from mix64 import splitmix64
from qemu import QemuRun
from uk import ON, app_boot, app_image, app_output  # noqa: F401 (app_boot: a fixture)
from virtio import MODERN, SECTOR, disk_args, make_disk, sector_bytes

STAGE = 7
DISK_SECTORS = 4096  # 2 MiB
VALUE_MAX = 495

HALF_MAGIC, RECORD_MAGIC = 0x48534B55, 0x52534B55  # "UKSH", "UKSR"
PUT, DEL = 1, 2
HALF_HEADER = struct.Struct("<IIIIQQ")  # magic, crc, version, reserved, generation, sectors
RECORD = struct.Struct("<IIQQHHI")  # magic, crc, generation, seq, key_len, kind, val_len


# -- the grader's model ---------------------------------------------------

def value(nonce: int, i: int) -> bytes:
    """Record i's value: 16..495 bytes, i then splitmix64 words."""
    length = 16 + splitmix64(nonce ^ i) % (VALUE_MAX - 15)
    words = [i] + [splitmix64(nonce ^ (i << 20) ^ w) for w in range(1, (length + 7) // 8)]
    return b"".join(w.to_bytes(8, "little") for w in words)[:length]


def key(i: int, keys: int) -> str:
    return f"k{i % keys}"


def expected_state(nonce: int, records: range, keys: int) -> dict[str, int]:
    """Which record each key holds after writing `records` in order."""
    state = {}
    for i in records:
        state[key(i, keys)] = i
    return state


def entry_crc(k: str, v: bytes) -> int:
    return zlib.crc32(v, zlib.crc32(k.encode()))


# -- the store's format, read from the image ------------------------------

def parse_store(image: Path, first: int, sectors: int) -> dict:
    """The store on `sectors` sectors from `first` of the image: the live
    half (the valid header with the highest generation) and its records,
    read as far as each is the next one (its generation, the next sequence
    number, its CRC)."""
    data = image.read_bytes()[first * SECTOR:(first + sectors) * SECTOR]
    half = sectors // 2
    best = None
    for h in (0, 1):
        raw = data[h * half * SECTOR:h * half * SECTOR + HALF_HEADER.size]
        magic, crc, version, reserved, generation, size = HALF_HEADER.unpack(raw)
        zeroed = HALF_HEADER.pack(magic, 0, version, reserved, generation, size)
        if (magic == HALF_MAGIC and version == 1 and not reserved and size == half
                and crc == zlib.crc32(zeroed) and (best is None or generation > best[1])):
            best = (h, generation)
    assert best, "no valid half header in the store's slice"
    live, generation = best
    base = live * half * SECTOR
    records, state = [], {}
    at, seq = 1, 1
    while at < half:
        off = base + at * SECTOR
        magic, crc, gen, rseq, key_len, kind, val_len = RECORD.unpack_from(data, off)
        if magic != RECORD_MAGIC or gen != generation or rseq != seq:
            break
        n = (RECORD.size + key_len + val_len + SECTOR - 1) // SECTOR
        if not 1 <= key_len <= 47 or val_len > 3584 or kind not in (PUT, DEL) or at + n > half:
            break
        body = data[off + RECORD.size:off + RECORD.size + key_len + val_len]
        header = RECORD.pack(magic, 0, gen, rseq, key_len, kind, val_len)
        if zlib.crc32(body, zlib.crc32(header)) != crc:
            break
        k, v = body[:key_len].decode(), body[key_len:]
        records.append({"sector": first + live * half + at, "sectors": n, "key": k, "value": v})
        if kind == PUT:
            state[k] = v
        else:
            state.pop(k, None)
        at += n
        seq += 1
    return {"live": live, "generation": generation, "records": records, "state": state,
            "end": at}


def check_image_state(image: Path, first: int, sectors: int, nonce: int,
                      acceptable: dict[str, set[int]]) -> dict:
    """The store in the image holds, for each key, the value of one of its
    acceptable records, and no other key."""
    store = parse_store(image, first, sectors)
    assert set(store["state"]) == set(acceptable), (
        f"keys in the image {sorted(store['state'])}, expected {sorted(acceptable)}")
    for k, v in store["state"].items():
        assert v in [value(nonce, i) for i in acceptable[k]], (
            f"key {k} in the image: not the value of record(s) {sorted(acceptable[k])}")
    return store


# -- running the app ------------------------------------------------------

class Target:
    """Where the app runs (uk.app_boot): OpenSBI directly, or a VM under
    hvlab; `first` and `sectors` are the store's slice of QEMU's disk
    either way."""

    def __init__(self, on: str, chapter, app_boot, disk: Path, first: int, sectors: int):
        self.on, self.image, self.app_boot = on, app_image(chapter, "kv"), app_boot
        self.disk, self.first, self.sectors = disk, first, sectors

    def start(self, args: str, read_only: bool = False) -> QemuRun:
        """A run of the app with these bootargs; read_only: the disk
        (direct) or the VM's slice of it (hvlab) is read-only."""
        extra = MODERN + disk_args(self.disk, read_only=read_only and self.on == "direct")
        if self.on == "direct":
            return self.app_boot(self.image, "direct", f"{args} store={self.first}+{self.sectors}",
                                 mem="64M", extra=extra)
        slice_ = f"{self.first * SECTOR:#x}+{self.sectors * SECTOR:#x}"
        slice_ += ":ro" if read_only else ""
        return self.app_boot(self.image, "hvlab", args, mem="16M", extra=extra,
                             hv_args=f"vm1.disk={slice_}")

    def lines(self, run: QemuRun) -> list[str]:
        """The app's lines (without [vm1] under hvlab)."""
        return [ln for ln in app_output(run, self.on) if ln.startswith("kv: ")]

    def finish(self, run: QemuRun) -> list[str]:
        run.wait_clean_exit(120)
        return self.lines(run)


@pytest.fixture(params=ON)
def target(request, chapter, app_boot, tmp_path):
    """A fresh disk of grader-made sectors and the store's slice of it."""
    disk_nonce = random.getrandbits(64)
    disk = make_disk(tmp_path / "disk.img", disk_nonce, DISK_SECTORS)
    first = random.randrange(1, 8) * 256
    sectors = random.choice([64, 96, 128])
    t = Target(request.param, chapter, app_boot, disk, first, sectors)
    t.disk_nonce = disk_nonce
    return t


def check_outside_untouched(t: Target) -> None:
    data = t.disk.read_bytes()
    for s in list(range(0, t.first)) + list(range(t.first + t.sectors, DISK_SECTORS)):
        assert data[s * SECTOR:(s + 1) * SECTOR] == sector_bytes(t.disk_nonce, s), (
            f"sector {s}, outside the store's slice {t.first}+{t.sectors}, changed")


def committed(lines: list[str], nonce: int, keys: int) -> list[int]:
    """The records the app said were committed, each checked."""
    out = []
    for ln in lines:
        m = re.fullmatch(r"kv: committed (\d+) (k\d+) len (\d+)", ln)
        if m:
            i = int(m[1])
            assert m[2] == key(i, keys) and int(m[3]) == len(value(nonce, i)), (
                f"record {i}: {ln!r}, expected key {key(i, keys)} len {len(value(nonce, i))}")
            out.append(i)
    return out


def check_get(lines: list[str], nonce: int, acceptable: dict[str, set[int]]) -> dict[str, int]:
    """kv=get's report: each key once with the value of one of its
    acceptable records (its CRC the grader's), the count and the checksum."""
    got = {}
    checksum = 0
    for ln in lines:
        m = re.fullmatch(r"kv: get (k\d+) record (\d+) len (\d+) crc ([0-9a-f]{8}) (ok|BAD)", ln)
        if not m:
            continue
        k, i = m[1], int(m[2])
        assert k not in got, f"key {k} listed twice"
        assert k in acceptable, f"key {k} read back, but it was never committed"
        assert i in acceptable[k], (
            f"key {k} holds record {i}, expected record {sorted(acceptable[k])}")
        v = value(nonce, i)
        assert int(m[3]) == len(v) and int(m[4], 16) == entry_crc(k, v), (
            f"key {k}: {ln!r}, but record {i} has len {len(v)} crc {entry_crc(k, v):08x}")
        assert m[5] == "ok"
        got[k] = i
        checksum ^= entry_crc(k, value(nonce, i))
    assert set(got) == set(acceptable), (
        f"keys read back {sorted(got)}, expected {sorted(acceptable)}")
    summary = f"kv: get: {len(got)} keys, 0 bad, checksum {checksum:08x}"
    assert summary in lines, f"no {summary!r} in:\n" + "\n".join(lines)
    return got


def check_interrupts(lines: list[str]) -> None:
    """kv waits for its disk by the completion interrupt (KV_INTERRUPTS):
    as many interrupts as requests (a late one may cover two)."""
    m = next((re.fullmatch(r"kv: disk: (\d+) requests, (\d+) completion interrupts", ln)
              for ln in lines if ln.startswith("kv: disk: ")), None)
    assert m, "no 'kv: disk: R requests, I completion interrupts' line"
    requests, interrupts = int(m[1]), int(m[2])
    assert requests > 0 and requests / 2 <= interrupts <= requests + 1, (
        f"{interrupts} completion interrupts for {requests} requests: the driver should "
        "sleep until the device's interrupt, one per request")


def as_acceptable(state: dict[str, int]) -> dict[str, set[int]]:
    return {k: {i} for k, i in state.items()}


# -- tests ----------------------------------------------------------------

@pytest.mark.points(3)
def test_kv_data_survives_reboots(target):
    """Three QEMU runs on one disk: the first puts K records, the second
    puts M more (some overwrite keys of the first), the third reads every
    key back: each holds the value of its last record, by the app's report
    and in the image itself; nothing outside the store's slice changed."""
    t = target
    nonce = random.getrandbits(64)
    keys = random.randrange(6, 12)
    k = random.randrange(4, keys)
    m = random.randrange(3, 10)

    run = t.start(f"kv=put nonce={nonce:#x} keys={keys} count={k}")
    lines = t.finish(run)
    capacity = DISK_SECTORS if t.on == "direct" else t.sectors
    driver = rf"^virtio-blk: disk 0 at 0x[0-9a-f]+ irq \d+: {capacity} sectors, interrupts$"
    assert re.search(driver, "\n".join(app_output(run, t.on)), re.M), (
        f"the driver should see a disk of {capacity} sectors, completions by interrupt")
    assert "kv: opened: 0 keys, generation 1, half 0, 1 sectors used" in lines, (
        "a new store (the slice held grader-made sectors) should open empty:\n" + "\n".join(lines))
    assert committed(lines, nonce, keys) == list(range(k))
    check_image_state(t.disk, t.first, t.sectors, nonce,
                      as_acceptable(expected_state(nonce, range(k), keys)))

    lines = t.finish(t.start(f"kv=put nonce={nonce:#x} keys={keys} from={k} count={m}"))
    assert f"kv: opened: {min(k, keys)} keys" in " ".join(lines), (
        f"the second run should find the first run's {k} keys:\n" + "\n".join(lines))
    assert committed(lines, nonce, keys) == list(range(k, k + m))

    state = expected_state(nonce, range(k + m), keys)
    lines = t.finish(t.start(f"kv=get nonce={nonce:#x}"))
    check_get(lines, nonce, as_acceptable(state))
    check_interrupts(lines)
    check_image_state(t.disk, t.first, t.sectors, nonce, as_acceptable(state))
    check_outside_untouched(t)


@pytest.mark.points(3)
def test_kv_recovers_from_a_power_cut(target):
    """kv=fill writes records without end into a store small enough that
    it compacts (copies its live records into its other half) every few
    dozen records; the grader kills QEMU once N records are committed, at
    whatever point of a write or a compaction the app is. The next run
    recovers: every key holds the value of its last committed record (or
    of the one record being written when QEMU died, had it reached the
    disk whole), in the app's report and in the image; the store goes on
    working (a put, then a get)."""
    t = target
    nonce = random.getrandbits(64)
    keys = random.randrange(4, 9)
    n = random.randrange(80, 200)  # past the first compaction; every key written before
    run = t.start(f"kv=fill nonce={nonce:#x} keys={keys}")
    # the whole line: a VM's console may show a line's beginning before its end
    run.expect(rf"kv: committed {n - 1} k\d+ len \d+\r?\n", timeout=120)
    run.kill()
    done = committed(t.lines(run), nonce, keys)
    assert done == list(range(len(done))) and len(done) >= n
    last = done[-1]
    assert any(ln.startswith("kv: compacted") for ln in t.lines(run)), (
        "the store never compacted: the test would not cover it")

    # Each key: its last committed record, or the record in flight.
    acceptable = as_acceptable(expected_state(nonce, range(last + 1), keys))
    acceptable.setdefault(key(last + 1, keys), set()).add(last + 1)
    check_image_state(t.disk, t.first, t.sectors, nonce, acceptable)

    lines = t.finish(t.start(f"kv=get nonce={nonce:#x}"))
    got = check_get(lines, nonce, acceptable)

    # The recovered store takes new records and keeps them.
    lines = t.finish(t.start(f"kv=put nonce={nonce:#x} keys={keys} from={last + 2} count=3"))
    assert committed(lines, nonce, keys) == [last + 2, last + 3, last + 4]
    state = dict(got)
    state.update(expected_state(nonce, range(last + 2, last + 5), keys))
    lines = t.finish(t.start(f"kv=get nonce={nonce:#x}"))
    check_get(lines, nonce, as_acceptable(state))
    check_outside_untouched(t)


@pytest.mark.points(2)
def test_kv_ignores_a_torn_record(target):
    """The grader tears the last record itself: after a run that put K
    records (distinct keys), it changes one byte in the last sector of the
    last record in the image, as a power cut during its write would leave
    it. The next run recovers without that record: K-1 keys, each with its
    value; the store takes new records after it, and a run after that
    finds them with the K-1."""
    t = target
    nonce = random.getrandbits(64)
    k = random.randrange(4, 10)
    keys = 16
    t.finish(t.start(f"kv=put nonce={nonce:#x} keys={keys} count={k}"))
    store = parse_store(t.disk, t.first, t.sectors)
    assert len(store["records"]) == k, f"{len(store['records'])} records in the image, {k} put"
    torn = store["records"][-1]
    assert torn["key"] == key(k - 1, keys)
    data = bytearray(t.disk.read_bytes())
    last_sector = torn["sector"] + torn["sectors"] - 1
    used = (RECORD.size + len(torn["key"]) + len(torn["value"]) - 1) % SECTOR
    data[last_sector * SECTOR + random.randrange(0, used + 1)] ^= 1 << random.randrange(8)
    t.disk.write_bytes(bytes(data))

    state = expected_state(nonce, range(k - 1), keys)
    lines = t.finish(t.start(f"kv=put nonce={nonce:#x} keys={keys} from={k} count=2"))
    assert f"kv: opened: {k - 1} keys" in " ".join(lines), (
        f"the torn record should be dropped ({k - 1} keys):\n" + "\n".join(lines))
    assert committed(lines, nonce, keys) == [k, k + 1]
    state.update(expected_state(nonce, range(k, k + 2), keys))
    lines = t.finish(t.start(f"kv=get nonce={nonce:#x}"))
    check_get(lines, nonce, as_acceptable(state))
    check_image_state(t.disk, t.first, t.sectors, nonce, as_acceptable(state))
    check_outside_untouched(t)


@pytest.mark.points(1)
def test_kv_read_only_disk(target):
    """A store on a disk that has become read-only (VIRTIO_BLK_F_RO: QEMU's
    readonly=on directly, a `:ro` slice under hvlab) is still read back
    whole; a put is refused by the driver, reported, and changes no byte
    of the image."""
    t = target
    nonce = random.getrandbits(64)
    k = random.randrange(3, 8)
    t.finish(t.start(f"kv=put nonce={nonce:#x} count={k}"))
    before = t.disk.read_bytes()

    lines = t.finish(t.start(f"kv=get nonce={nonce:#x}", read_only=True))
    check_get(lines, nonce, as_acceptable(expected_state(nonce, range(k), 16)))

    run = t.start(f"kv=put nonce={nonce:#x} from={k} count=1", read_only=True)
    run.wait_exit(120)
    out = run.output
    assert "virtio-blk: write to a read-only disk" in out and f"kv: put k{k} failed" in out, (
        "a put on a read-only disk should fail in the driver and be reported:\n"
        + "\n".join(t.lines(run)))
    assert re.search(r"virtio-blk: disk 0 .*, read-only, ", out), "the disk not seen read-only"
    assert t.disk.read_bytes() == before, "the read-only disk's image changed"


@pytest.mark.points(1)
def test_legacy_device_refused(chapter, app_boot, tmp_path):
    """QEMU 7.2's virtio-mmio devices are legacy (version 1) unless told
    otherwise: the driver leaves such a device alone and names the option
    that makes it modern; kv then finds no disk."""
    disk = make_disk(tmp_path / "disk.img", random.getrandbits(64), 64)
    run = app_boot(app_image(chapter, "kv"), "direct", "kv=get", mem="64M", extra=disk_args(disk))
    run.wait_exit(60)
    out = "\n".join(app_output(run, "direct"))
    assert re.search(r"virtio: device at 0x[0-9a-f]+ is legacy \(version 1\).*"
                     r"-global virtio-mmio.force-legacy=false", out), (
        f"no line naming the legacy device and the option:\n{out}")
    assert "kv: no disk" in out


@pytest.mark.points(1)
@pytest.mark.parametrize("component", ["store", "ext2"])
def test_storage_host_tests(chapter, component):
    """The host tests of the storage components (uk/lib/NAME/test/, built
    with the host's cc and its sanitizers over a block device in memory):
    the store against power cuts after every written sector of a run that
    compacts, ext2 against mke2fs -d images of every supported layout."""
    test_dir = chapter.path / "uk" / "lib" / component / "test"
    r = subprocess.run(["make", "-s", "-C", str(test_dir)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0 and f"{component}: all tests passed" in r.stdout, (
        f"make -C {test_dir}:\n{r.stdout[-3000:]}{r.stderr[-3000:]}")
