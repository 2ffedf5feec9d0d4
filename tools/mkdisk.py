#!/usr/bin/python3
"""The disk of ch6-virtio's `make run`: a raw image with a GUID partition
table and, in each partition, an ext4 file system with a welcome file.

    tools/mkdisk.py OUT NAME... [--size 32M]

Partition k is called NAME k (the hypervisor finds it by that name:
`vmN.disk=part=NAME`) and holds README (what the VM that mounts it should
know) and hvlab/nonce (a word that the Linux guest's /init prints, so that
each VM says which partition it got). The file systems are made by
e2fsprogs' `mke2fs -d`; the table is written here (UEFI 2.10 §5.3):

  LBA 0        a protective MBR (one partition of type 0xEE over the disk)
  LBA 1        the GPT header; LBA 2..33 its 128 entries of 128 bytes
  1 MiB on     the partitions, each a multiple of 1 MiB, one after another
  the end      the backup entries, then the backup header at the last LBA
"""

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import uuid
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECTOR = 512
ALIGN = 1 << 20  # partitions start on 1 MiB, as partitioning tools do
ENTRIES, ENTRY_SIZE = 128, 128
ENTRY_SECTORS = ENTRIES * ENTRY_SIZE // SECTOR  # 32
LINUX_FS = uuid.UUID("0fc63daf-8483-4772-8e79-3d69d8477de4")  # "Linux filesystem data"
# GUIDs derived from the names, so that the same command makes the same disk.
NAMESPACE = uuid.UUID("68766c61-6200-4000-8000-000000000000")  # "hvlab"

README = """\
Welcome to {name}'s disk.

This file is on the GPT partition named "{name}" of QEMU's virtio disk
({disk}). The hypervisor read the partition table,
found "{name}" by its name (the command line's {vm}.disk=part={name}) and
gives this VM an emulated virtio-blk device over that partition's sectors
only: Linux's virtio_blk driver sees them as /dev/vda. Every request is
checked against the partition and turned into a request on QEMU's disk by
the hypervisor's own virtio driver.

/hvlab/from-guest was written by this VM's /init when it booted. What you
write here stays in the image for the next `make run`:

    echo hello > /mnt/note; sync
"""


def mke2fs():
    """e2fsprogs' mke2fs (in /usr/sbin: not on every user's PATH)."""
    found = shutil.which("mke2fs") or shutil.which("mke2fs", path="/usr/sbin:/sbin")
    if not found:
        sys.exit("mkdisk: mke2fs not found (Debian package e2fsprogs: tools/deps.sh)")
    return found


def ext4(name, size, workdir, disk):
    """The bytes of an ext4 file system of `size` bytes for partition `name`."""
    root = os.path.join(workdir, name)
    os.makedirs(os.path.join(root, "hvlab"))
    vm = name if name.startswith("vm") else "vmN"
    with open(os.path.join(root, "README"), "w", encoding="utf-8") as f:
        f.write(README.format(name=name, vm=vm, disk=disk))
    with open(os.path.join(root, "hvlab", "nonce"), "w", encoding="utf-8") as f:
        f.write(f"partition-{name}\n")
    image = os.path.join(workdir, name + ".img")
    subprocess.run([mke2fs(), "-F", "-q", "-t", "ext4", "-L", name, "-E", "root_owner=0:0",
                    "-d", root, image, f"{size // 1024}k"], check=True, stdout=subprocess.DEVNULL)
    with open(image, "rb") as f:
        return f.read()


def write_sparse(f, offset, data, block=1 << 16):
    """data at offset, leaving the file's holes where data has zeros."""
    for at in range(0, len(data), block):
        chunk = data[at:at + block]
        if chunk.count(0) != len(chunk):
            f.seek(offset + at)
            f.write(chunk)


def gpt_entry(name, first, last):
    encoded = name.encode("utf-16-le")
    if len(encoded) > 72:
        sys.exit(f"mkdisk: partition name {name!r} is longer than 36 characters")
    unique = uuid.uuid5(NAMESPACE, "partition " + name)
    return struct.pack("<16s16sQQQ72s", LINUX_FS.bytes_le, unique.bytes_le, first, last, 0,
                       encoded)


def gpt_header(my_lba, alternate, first_usable, last_usable, entries_lba, entries_crc, disk_guid):
    def pack(crc):
        return struct.pack("<8sIIIIQQQQ16sQIII", b"EFI PART", 0x00010000, 92, crc, 0, my_lba,
                           alternate, first_usable, last_usable, disk_guid.bytes_le,
                           entries_lba, ENTRIES, ENTRY_SIZE, entries_crc)

    header = pack(zlib.crc32(pack(0)))
    return header + bytes(SECTOR - len(header))


def protective_mbr(total_sectors):
    mbr = bytearray(SECTOR)
    size = min(total_sectors - 1, 0xFFFFFFFF)
    mbr[446:462] = struct.pack("<B3sB3sII", 0, b"\x00\x02\x00", 0xEE, b"\xff\xff\xff", 1, size)
    mbr[510:512] = b"\x55\xaa"
    return bytes(mbr)


def build(out, names, size):
    if size % ALIGN:
        sys.exit("mkdisk: the partition size must be a multiple of 1 MiB")
    total = (ALIGN + len(names) * size + ALIGN) // SECTOR
    last_lba = total - 1
    entries, first = b"", ALIGN // SECTOR
    for name in names:
        entries += gpt_entry(name, first, first + size // SECTOR - 1)
        first += size // SECTOR
    entries += bytes(ENTRIES * ENTRY_SIZE - len(entries))
    entries_crc = zlib.crc32(entries)
    first_usable = 2 + ENTRY_SECTORS
    last_usable = last_lba - 1 - ENTRY_SECTORS
    backup_entries = last_lba - ENTRY_SECTORS
    disk_guid = uuid.uuid5(NAMESPACE, "disk " + " ".join(names))

    disk = os.path.relpath(os.path.abspath(out), ROOT)
    tmp = out + ".part"
    with tempfile.TemporaryDirectory() as workdir, open(tmp, "wb") as f:
        f.truncate(total * SECTOR)  # sparse: only what is written takes room
        f.write(protective_mbr(total))
        f.write(gpt_header(1, last_lba, first_usable, last_usable, 2, entries_crc, disk_guid))
        f.write(entries)
        for k, name in enumerate(names):
            write_sparse(f, ALIGN + k * size, ext4(name, size, workdir, disk))
        f.seek(backup_entries * SECTOR)
        f.write(entries)
        f.write(gpt_header(last_lba, 1, first_usable, last_usable, backup_entries, entries_crc,
                           disk_guid))
    os.replace(tmp, out)


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if text[-1:].upper() in units:
        return int(text[:-1]) * units[text[-1].upper()]
    return int(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("out", help="the disk image to write")
    ap.add_argument("names", nargs="+", help="the partitions' names, in order")
    ap.add_argument("--size", default="32M", type=parse_size,
                    help="each partition's size (default 32M)")
    args = ap.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    build(args.out, args.names, args.size)
    print(f"mkdisk: {args.out}: GPT, " + ", ".join(
        f'partition "{n}" (ext4, {args.size >> 20} MiB)' for n in args.names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
