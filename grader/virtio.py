"""QEMU's virtio devices for stage 6 on: a disk image and a NIC that the
hypervisor drives (and mediates to its guests), as extra arguments of a
Machine (boot(..., extra=...)).

The transports are version 2 (virtio 1.2, §4.2): QEMU 7.2 gives legacy
(version 1) devices unless told otherwise, hence the -global. The NIC is
QEMU's user networking with restrict=on: guests get DHCP leases from it
(10.0.2.15 on), the host reaches them only through hostfwd rules bound to
127.0.0.1, and nothing leaves the machine.
"""

from __future__ import annotations

import socket
from pathlib import Path

from mix64 import splitmix64

SECTOR = 512
MODERN = ["-global", "virtio-mmio.force-legacy=false"]
# The first address QEMU's DHCP server hands out (slirp's dhcpstart).
FIRST_LEASE = "10.0.2.15"


def disk_args(image: Path, read_only: bool = False, drive_id: str = "hd0") -> list[str]:
    """A virtio-blk device backed by a raw image file."""
    ro = ",readonly=on" if read_only else ""
    return ["-drive", f"file={image},if=none,format=raw,id={drive_id}{ro}",
            "-device", f"virtio-blk-device,drive={drive_id}"]


def net_args(hostfwd: list[tuple[int, str, int]] = (), netdev_id: str = "net0") -> list[str]:
    """A virtio-net device on QEMU's user network, restricted to the
    machine; hostfwd: (host port on 127.0.0.1, guest address, guest port)."""
    fwd = "".join(f",hostfwd=tcp:127.0.0.1:{hp}-{ga}:{gp}" for hp, ga, gp in hostfwd)
    return ["-netdev", f"user,id={netdev_id},restrict=on{fwd}",
            "-device", f"virtio-net-device,netdev={netdev_id}"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sector_bytes(nonce: int, sector: int) -> bytes:
    """The content the grader writes into `sector` of a disk made from
    `nonce`: 64 words of splitmix64(nonce ^ sector << 8 ^ word), little-endian.
    A guest that checks a sector recomputes the same words."""
    return b"".join(
        splitmix64(nonce ^ (sector << 8) ^ w).to_bytes(8, "little") for w in range(SECTOR // 8))


def make_disk(path: Path, nonce: int, sectors: int) -> Path:
    """A raw disk image of `sectors` sectors, each filled from the nonce."""
    with open(path, "wb") as f:
        for s in range(sectors):
            f.write(sector_bytes(nonce, s))
    return path


def read_sector(path: Path, sector: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(sector * SECTOR)
        return f.read(SECTOR)
