#!/usr/bin/python3
"""The Linux guest's initial RAM disk: a gzip'd newc cpio archive.

    tools/mkinitramfs.py [-o build/debian/initrd.gz]

Holds Debian's busybox-static (every applet a symbolic link to it), the
kernel modules that the guest needs for its virtio disk and network and an
ext4 file system, decompressed (.ko.xz -> .ko: busybox's insmod takes them
plain) with /lib/modules/load-order listing them dependencies first, and the
project's /init (tools/linux/init) with its DHCP hook and its web page's
power switch. The Debian files come
from tools/debian_guest.py (fetched and checked there, cached under
build/debian/).

The archive is written here (a bare Debian has no cpio): the "newc" format
of the kernel's Documentation/driver-api/early-userspace/buffer-format.rst,
110-byte ASCII headers, names and data padded to 4 bytes, "TRAILER!!!" last.
Every time stamp is 0 and the order fixed, so the same inputs give the same
bytes.
"""

import argparse
import fcntl
import gzip
import lzma
import os
import re
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import debian_guest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
INIT = os.path.join(HERE, "linux", "init")
UDHCPC_SCRIPT = os.path.join(HERE, "linux", "udhcpc.script")
POWEROFF_CGI = os.path.join(HERE, "linux", "poweroff.cgi")
OUTPUT = os.path.join(debian_guest.CACHE, "initrd.gz")

# What /init loads; their dependencies come along (ext4's crc32c is a soft
# dependency the kernel would ask for by name: named here).
MODULES = [
    "virtio_mmio",
    "virtio_blk",
    "virtio_net",
    "crc32c_generic",
    "libcrc32c",
    "crc16",
    "mbcache",
    "jbd2",
    "ext4",
]


class Cpio:
    """A newc archive being built in memory."""

    def __init__(self):
        self.out = bytearray()
        self.ino = 0
        self.names = set()

    def _entry(self, name, mode, data=b"", rdev=(0, 0), nlink=1):
        assert name not in self.names, name
        self.names.add(name)
        self.ino += 1
        encoded = name.encode() + b"\0"
        fields = (self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
                  len(encoded), 0)
        self.out += b"070701" + b"".join(b"%08X" % f for f in fields)
        self.out += encoded
        self.out += b"\0" * (-len(self.out) % 4)
        self.out += data
        self.out += b"\0" * (-len(self.out) % 4)

    def dir(self, name):
        self._entry(name, 0o040755, nlink=2)

    def file(self, name, data, mode=0o644):
        self._entry(name, 0o100000 | mode, data)

    def symlink(self, name, target):
        self._entry(name, 0o120777, target.encode())

    def char_device(self, name, major, minor, mode=0o600):
        self._entry(name, 0o020000 | mode, rdev=(major, minor))

    def finish(self):
        self._entry("TRAILER!!!", 0)
        return bytes(self.out)


def modinfo(ko):
    """The .modinfo section of a module (an ELF64 little-endian relocatable):
    {key: [values]}."""
    if ko[:4] != b"\x7fELF" or ko[4] != 2 or ko[5] != 1:
        raise ValueError("not an ELF64 little-endian file")
    shoff, = struct.unpack_from("<Q", ko, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", ko, 0x3A)
    sections = [struct.unpack_from("<IIQQQQ", ko, shoff + i * shentsize) for i in range(shnum)]
    names_off = sections[shstrndx][4]
    info = {}
    for name, _type, _flags, _addr, off, size in sections:
        end = ko.index(b"\0", names_off + name)
        if ko[names_off + name:end] == b".modinfo":
            for item in ko[off:off + size].split(b"\0"):
                if b"=" in item:
                    k, v = item.decode(errors="replace").split("=", 1)
                    info.setdefault(k, []).append(v)
    return info


def find_modules(moddir):
    """{module name: path} of every .ko(.xz) under the modules directory
    (a module's name uses _ where its file may have -)."""
    found = {}
    for root, _dirs, files in os.walk(os.path.join(moddir, "kernel")):
        for f in files:
            m = re.fullmatch(r"(.*)\.ko(\.xz)?", f)
            if m:
                found[m.group(1).replace("-", "_")] = os.path.join(root, f)
    return found


def read_module(path):
    with open(path, "rb") as f:
        data = f.read()
    return lzma.decompress(data) if path.endswith(".xz") else data


def load_order(wanted, available):
    """wanted and what they depend on (depends=, softdep pre:), each after
    its dependencies: {name: plain .ko bytes} in insmod order."""
    order, state = {}, {}

    def visit(name, chain):
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise SystemExit(f"mkinitramfs: module dependency loop: {' -> '.join(chain)}")
        if name not in available:
            raise SystemExit(f"mkinitramfs: no module {name} (needed by {' -> '.join(chain)})")
        state[name] = "visiting"
        ko = read_module(available[name])
        info = modinfo(ko)
        deps = [d for v in info.get("depends", []) for d in v.split(",") if d]
        for soft in info.get("softdep", []):
            m = re.search(r"pre:\s*([^:]*?)(?:\s+post:|$)", soft)
            deps += [d for d in (m.group(1).split() if m else []) if d in available]
        for d in deps:
            visit(d.replace("-", "_"), chain + [d])
        state[name] = "done"
        order[name] = ko

    for name in wanted:
        visit(name, [name])
    return order


def build(manifest, modules=MODULES):
    root = debian_guest.CACHE  # the manifest's paths are relative to it
    busybox = os.path.join(root, manifest["busybox"])
    moddir = os.path.join(root, manifest["modules"])
    kos = load_order(modules, find_modules(moddir))

    cpio = Cpio()
    for d in ("bin", "dev", "etc", "lib", "lib/modules", "mnt", "proc", "run", "sbin", "sys",
              "tmp"):
        cpio.dir(d)
    # The kernel opens it for /init's standard streams before any mount.
    cpio.char_device("dev/console", 5, 1)
    with open(busybox, "rb") as f:
        cpio.file("bin/busybox", f.read(), 0o755)
    cpio.symlink("bin/sh", "busybox")  # /init's interpreter; --install adds the rest
    with open(INIT, "rb") as f:
        cpio.file("init", f.read(), 0o755)
    for path, name in ((UDHCPC_SCRIPT, "etc/udhcpc.script"), (POWEROFF_CGI, "etc/poweroff.cgi")):
        with open(path, "rb") as f:
            cpio.file(name, f.read(), 0o755)
    for name, ko in kos.items():
        cpio.file(f"lib/modules/{name}.ko", ko)
    cpio.file("lib/modules/load-order", "".join(f"{n}\n" for n in kos).encode())
    return gzip.compress(cpio.finish(), 9, mtime=0), list(kos)


def ensure(output=OUTPUT):
    """output, built again if it is older than what goes into it (the
    manifest, /init and its scripts, this file); fetches what is missing."""
    manifest = debian_guest.fetch()
    inputs = [debian_guest.MANIFEST, INIT, UDHCPC_SCRIPT, POWEROFF_CGI, os.path.abspath(__file__)]
    with open(os.path.join(debian_guest.CACHE, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(output) and all(
            os.path.getmtime(p) <= os.path.getmtime(output) for p in inputs
        ):
            return output, manifest
        data, _order = build(manifest)
        write(output, data)
    return output, manifest


def write(output, data):
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    tmp = output + ".part"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, output)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-o", "--output", default=OUTPUT, help="default: %(default)s")
    args = ap.parse_args()
    try:
        manifest = debian_guest.fetch()
    except debian_guest.FetchError as e:
        print(f"mkinitramfs: {e}", file=sys.stderr)
        return 1
    data, order = build(manifest)
    write(args.output, data)
    print(f"mkinitramfs: {args.output}: {len(data)} bytes; modules in load order: "
          f"{' '.join(order)}", file=sys.stderr)
    print(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
