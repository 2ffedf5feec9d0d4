"""Stage 6 (ch6-virtio and every later chapter): the hypervisor drives
QEMU's virtio-mmio disk and NIC.

The disk is an image made here from a nonce, of a size drawn here; the
hypervisor reads one sector of it through its virtio-blk driver (boot
parameter blk_probe) and prints a checksum that only the sector's bytes
give. The NIC gets a MAC drawn here; the hypervisor asks QEMU's user
network who has 10.0.2.2 (net_probe), and only a frame that the transmit
path put on the wire, from the MAC the driver read from the device,
brings back slirp's reply through the receive path.
"""

import random
import re

import pytest

from guests import vm_lines
from virtio import MODERN, disk_args, make_disk, net_args, read_sector, sector_bytes

STAGE = 6
GATEWAY_MAC = "52:55:0a:00:02:02"  # slirp's address for its host, 10.0.2.2
BURST = 48  # blk_probe's reads submitted at once (hv/selftest/virtio.c)


def fnv1a64(data: bytes) -> int:
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & (2**64 - 1)
    return h


def blk_line(run):
    m = re.search(r"^\[hv\] virtio-blk: (0x[0-9a-f]+) irq (\d+), (\d+) sectors, "
                  r"(read-write|read-only), features (.*)$", run.output, re.M)
    assert m, "no `virtio-blk: ADDR irq N, S sectors, read-write|read-only, features ...` line"
    return m


@pytest.mark.points(3)
def test_hypervisor_reads_a_sector_of_the_disk(boot, tmp_path):
    """The driver finds the disk, reports its capacity (the image's size,
    drawn here, in sectors) and reads a sector drawn here: the checksum
    printed is that of the nonce-derived bytes of that very sector, which
    only a read through the ring, completed by the device's interrupt, can
    give. Then 48 one-sector reads from there, submitted at once with
    interrupts off (more than the ring holds: the rest wait in the driver
    and go on as others complete): the checksum of all of them, in order."""
    nonce = random.getrandbits(48)
    sectors = random.randrange(64, 2048)
    sector = random.randrange(sectors - BURST)
    image = make_disk(tmp_path / "disk.img", nonce, sectors)
    run = boot(mem="128M", append=f"selftest=off blk_probe={sector}",
               extra=MODERN + disk_args(image))
    run.wait_clean_exit(30)
    m = blk_line(run)
    assert int(m[3]) == sectors, f"capacity {m[3]} sectors, the image has {sectors}"
    assert m[4] == "read-write", "a writable image reported read-only"
    assert "VERSION_1" in m[5].split(), "VIRTIO_F_VERSION_1 not among the features taken"
    got = re.search(rf"^\[hv\] blk_probe: sector {sector}: fnv1a64 (0x[0-9a-f]+) "
                    r"\((\d+) interrupts\)$", run.output, re.M)
    assert got, f"no checksum printed for sector {sector}"
    want = fnv1a64(sector_bytes(nonce, sector))
    assert int(got[1], 16) == want, \
        f"sector {sector}: checksum {got[1]}, its bytes give {want:#018x}"
    assert int(got[2]) >= 1, "the read completed without the disk's interrupt (polling?)"
    many = re.search(rf"^\[hv\] blk_probe: (\d+) requests at once from sector {sector}: "
                     r"(.*), fnv1a64 (0x[0-9a-f]+), (\d+) failed$", run.output, re.M)
    assert many, "no line about the reads submitted at once"
    assert int(many[1]) == BURST and many[2] == "all completed" and many[4] == "0", many[0]
    want = fnv1a64(b"".join(sector_bytes(nonce, s) for s in range(sector, sector + BURST)))
    assert int(many[3], 16) == want, \
        f"sectors {sector}..{sector + BURST - 1}: checksum {many[3]}, their bytes give {want:#018x}"


@pytest.mark.points(2)
def test_hypervisor_writes_a_sector_of_the_disk(boot, tmp_path):
    """The driver writes a sector drawn here with words derived from a
    second nonce, and flushes: after QEMU exits, the image holds exactly
    those bytes there, and its neighbours are untouched."""
    nonce, data_nonce = random.getrandbits(48), random.getrandbits(48)
    sectors = random.randrange(64, 1024)
    sector = random.randrange(1, sectors - 1)
    image = make_disk(tmp_path / "disk.img", nonce, sectors)
    run = boot(mem="128M", append=f"selftest=off blk_write={sector} blk_nonce={data_nonce:#x}",
               extra=MODERN + disk_args(image))
    run.wait_clean_exit(30)
    assert re.search(rf"^\[hv\] blk_write: sector {sector}: written, flushed$", run.output,
                     re.M), f"sector {sector} not reported written and flushed"
    assert read_sector(image, sector) == sector_bytes(data_nonce, sector), \
        f"sector {sector} of the image does not hold what was written"
    for s in (sector - 1, sector + 1):
        assert read_sector(image, s) == sector_bytes(nonce, s), f"sector {s} changed"


@pytest.mark.points(2)
def test_read_only_disk_and_a_read_past_its_end(boot, tmp_path):
    """A drive that QEMU opens read-only offers VIRTIO_BLK_F_RO, and the
    driver reports it; a write to it fails and leaves the image as it was;
    a read past the end (capacity drawn here) comes back with the device's
    error status, reported as a failure."""
    nonce = random.getrandbits(48)
    sectors = random.randrange(64, 1024)
    beyond = sectors + random.randrange(0, 64)
    sector = random.randrange(sectors)
    image = make_disk(tmp_path / "disk.img", nonce, sectors)
    run = boot(mem="128M", append=f"selftest=off blk_probe={beyond} blk_write={sector}",
               extra=MODERN + disk_args(image, read_only=True))
    run.wait_clean_exit(30)
    m = blk_line(run)
    assert int(m[3]) == sectors, f"capacity {m[3]} sectors, the image has {sectors}"
    assert m[4] == "read-only", "a read-only drive not reported read-only"
    assert "RO" in m[5].split(), "VIRTIO_BLK_F_RO offered but not among the features taken"
    assert re.search(rf"^\[hv\] blk_probe: sector {beyond}: read failed \(\d+ interrupts\)$",
                     run.output, re.M), \
        f"a read of sector {beyond} of a {sectors}-sector disk did not fail"
    assert re.search(rf"^\[hv\] blk_write: sector {sector}: write failed$", run.output, re.M), \
        "a write to a read-only disk not reported failed"
    assert read_sector(image, sector) == sector_bytes(nonce, sector), \
        "a read-only disk's image changed"


@pytest.mark.points(3)
def test_hypervisor_nic_gets_an_arp_reply(boot):
    """The driver reads the NIC's MAC (drawn here) from the configuration
    space, sends an ARP request for 10.0.2.2 from it, and receives QEMU
    slirp's reply: 10.0.2.2 is at 52:55:0a:00:02:02, addressed to that MAC.
    Only a working transmit path gets slirp to answer, and only a working
    receive path (buffers in the ring, the device's interrupt) brings the
    answer back."""
    mac = "52:54:00:" + ":".join(f"{random.randrange(256):02x}" for _ in range(3))
    net = net_args()
    net[-1] += f",mac={mac}"
    run = boot(mem="128M", append="selftest=off net_probe", extra=MODERN + net)
    run.wait_clean_exit(30)
    m = re.search(r"^\[hv\] virtio-net: (0x[0-9a-f]+) irq (\d+), mac ([0-9a-f:]+), features (.*)$",
                  run.output, re.M)
    assert m, "no `virtio-net: ADDR irq N, mac M, features ...` line"
    assert m[3] == mac, f"the driver reports mac {m[3]}, the device has {mac}"
    assert "VERSION_1" in m[4].split(), "VIRTIO_F_VERSION_1 not among the features taken"
    got = re.search(r"^\[hv\] net_probe: ARP reply: ([\d.]+) is at ([0-9a-f:]+), to ([0-9a-f:]+)$",
                    run.output, re.M)
    assert got, "no ARP reply from QEMU's user network reported"
    assert got[1] == "10.0.2.2" and got[2] == GATEWAY_MAC, \
        f"reply says {got[1]} is at {got[2]}; slirp's 10.0.2.2 is at {GATEWAY_MAC}"
    assert got[3] == mac, f"the reply went to {got[3]}, not to the NIC's {mac}"


@pytest.mark.points(1)
def test_legacy_devices_named_and_the_run_goes_on(boot, tmp_path):
    """Without `-global virtio-mmio.force-legacy=false` QEMU 7.2's devices
    are legacy (version 1): each is named with that option, left alone,
    and the hypervisor still runs a VM to its end."""
    nonce = random.getrandbits(32)
    image = make_disk(tmp_path / "disk.img", nonce, 64)
    run = boot(mem="256M", append=f"vm=hello vm1.nonce={nonce} blk_probe=0",
               extra=disk_args(image) + net_args())
    run.wait_clean_exit(60)
    for dev, irq in (("virtio-blk", 8), ("virtio-net", 7)):
        line = re.search(rf"^\[hv\] {dev}: 0x[0-9a-f]+ irq {irq}: legacy.*$", run.output, re.M)
        assert line, f"no message about the legacy {dev} device"
        assert "-global virtio-mmio.force-legacy=false" in line[0], \
            f"the legacy {dev} message does not name the QEMU option: {line[0]}"
    assert "[hv] blk_probe: no disk" in run.output, "a legacy disk must not be driven"
    assert f"hello via UART: nonce={nonce}" in vm_lines(run, 1), "the VM did not run to its end"
