"""Stage 6 (ch6-virtio on): Debian's unmodified U-Boot (qemu-riscv64_smode)
uses the emulated devices with its own virtio drivers, as it would use
QEMU's.

Its disk is a slice, at an offset the grader draws, of a host disk filled
from a nonce (virtio.sector_bytes): U-Boot's `crc32` of sectors it read
must be zlib's CRC-32 of the grader's bytes at that offset, and a block it
writes with a pattern the grader chose must land in the image file, in the
slice, and nowhere else. Its network is a port of the hypervisor's switch,
whose uplink is QEMU's user network: U-Boot's DHCP client gets its lease
from QEMU through the switch.
"""

from __future__ import annotations

import random
import re
import zlib

import pytest

from guests import UBOOT, raw_image
from virtio import MODERN, SECTOR, FIRST_LEASE, disk_args, make_disk, net_args, read_sector, \
    sector_bytes

STAGE = 6
DISK_SECTORS = 8192  # 4 MiB
SLICE_SECTORS = 2048  # 1 MiB
LOAD = 0x84000000  # in the VM's RAM (128 MiB from 0x80000000), clear of U-Boot


def prompt(run, timeout: float = 30) -> None:
    run.expect(r"\[vm1\] => ", timeout=timeout)


def command(run, text: str) -> None:
    run.send(text + "\r", char_delay=0.005)


@pytest.mark.points(4)
def test_uboot_reads_and_writes_its_slice(chapter, boot, tmp_path):
    """U-Boot scans virtio, sees a disk of the slice's size, reads sectors
    whose CRC-32 the grader computes from its nonce, and writes a block
    that the grader finds in the image after QEMU exits."""
    nonce = random.getrandbits(64)
    disk = make_disk(tmp_path / "disk.img", nonce, DISK_SECTORS)
    first = random.randrange(1, (DISK_SECTORS - SLICE_SECTORS) // 8) * 8
    read_at, count = random.randrange(0, SLICE_SECTORS - 8), 8
    write_at = random.randrange(0, SLICE_SECTORS)
    pattern = random.getrandbits(32) | 1

    vm, loader = raw_image(UBOOT, ram="128M")
    run = boot(mem="1G", smp=2,
               append=f"{vm} vm1.disk={first * SECTOR}+{SLICE_SECTORS * SECTOR} run_ms=90000",
               extra=MODERN + disk_args(disk) + loader)
    prompt(run, timeout=60)
    command(run, "virtio scan; virtio info")
    m = run.expect(r"\((\d+) x 512\)", timeout=30)
    assert int(m[1]) == SLICE_SECTORS, \
        f"U-Boot sees {m[1]} sectors; the slice has {SLICE_SECTORS}"
    prompt(run)
    command(run, f"virtio read {LOAD:#x} {read_at:#x} {count}; crc32 {LOAD:#x} {count * SECTOR:#x}")
    m = run.expect(r"==> ([0-9a-f]{8})", timeout=30)
    want = zlib.crc32(b"".join(sector_bytes(nonce, first + read_at + s) for s in range(count)))
    assert int(m[1], 16) == want, (
        f"CRC-32 {m[1]} of sectors {read_at}..{read_at + count - 1} of the slice; the host "
        f"disk's sectors {first + read_at}.. give {want:08x}")
    prompt(run)
    command(run, f"mw.l {LOAD:#x} {pattern:#x} 0x80; virtio write {LOAD:#x} {write_at:#x} 1")
    run.expect(r"1 blocks written: OK", timeout=30)
    prompt(run)
    command(run, "poweroff")
    run.wait_clean_exit(30)

    got = read_sector(disk, first + write_at)
    assert got == pattern.to_bytes(4, "little") * (SECTOR // 4), \
        f"sector {write_at} of the slice (host sector {first + write_at}) does not hold the " \
        f"pattern U-Boot wrote"
    for s in (first + write_at - 1, first + write_at + 1, write_at):
        if s != first + write_at:
            assert read_sector(disk, s) == sector_bytes(nonce, s), \
                f"host sector {s} changed: the write reached outside its block"


@pytest.mark.points(2)
def test_uboot_gets_a_dhcp_lease_through_the_switch(chapter, boot, tmp_path):
    """U-Boot's own virtio-net driver sends DHCP through the VM's port of
    the switch; QEMU's DHCP server, behind the uplink, answers with a lease
    in its range, which U-Boot takes."""
    vm, loader = raw_image(UBOOT, ram="128M")
    run = boot(mem="1G", smp=2, append=f"{vm} run_ms=90000",
               extra=MODERN + net_args() + loader)
    prompt(run, timeout=60)
    command(run, "setenv autoload no; dhcp; echo lease=${ipaddr}")
    m = run.expect(r"^\[vm1\] lease=(\S+)\n", timeout=60)  # the whole line
    prefix = FIRST_LEASE.rsplit(".", 1)[0]
    assert re.fullmatch(rf"{re.escape(prefix)}\.\d+", m[1]), \
        f"U-Boot's address is {m[1]!r}, not a lease from QEMU's {prefix}.0/24"
    assert int(m[1].rsplit(".", 1)[1]) >= int(FIRST_LEASE.rsplit(".", 1)[1])
    prompt(run)
    command(run, "poweroff")
    run.wait_clean_exit(30)
