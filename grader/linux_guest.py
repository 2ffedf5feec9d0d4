"""Unmodified Debian Linux as a guest (stage 4 on): Debian's riscv64 kernel
and an initramfs with busybox and the project's /init (tools/linux/init),
fetched, checked and built by tools/debian_guest.py and tools/mkinitramfs.py
(cached under build/debian/), staged in host RAM by QEMU's loader like any
raw image (what `make run GUEST=vmlinux GUEST_INITRD=initrd.gz` does).

The guest's /init prints `hvlab-init: ...` lines through the kernel's log
(so they carry its time stamp: `[    2.79] hvlab-init: up: nonce ...`)."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from guests import RAW_IMAGE_ADDR

TOOLS = Path(__file__).resolve().parent.parent / "tools"
# Room for the kernel (31 MB in 6.12) before the initrd, in host RAM.
INITRD_OFFSET = 64 << 20


@dataclass(frozen=True)
class LinuxGuest:
    vmlinux: Path
    initrd: Path
    kernel_release: str  # what `uname -r` says: 6.12.117+deb13-riscv64

    def loader(self) -> list[str]:
        """QEMU's arguments that stage the kernel and the initrd (once, for
        every VM that boots them)."""
        return ["-device", f"loader,file={self.vmlinux},addr={RAW_IMAGE_ADDR:#x},force-raw=on",
                "-device", f"loader,file={self.initrd},addr={RAW_IMAGE_ADDR + INITRD_OFFSET:#x},"
                "force-raw=on"]

    def vm_words(self, n: int, ram: str, vcpus: int, nonce: str, poweroff: int,
                 extra: str = "") -> str:
        """The command line's words for VM n booting this guest: the image,
        its initrd (the hypervisor's word) and the kernel's bootargs."""
        image = f"@{RAW_IMAGE_ADDR:#x}+{self.vmlinux.stat().st_size:#x}"
        initrd = f"@{RAW_IMAGE_ADDR + INITRD_OFFSET:#x}+{self.initrd.stat().st_size:#x}"
        args = ["console=ttyS0", "earlycon=sbi", f"hvlab.nonce={nonce}",
                f"hvlab.poweroff={poweroff}"] + extra.split()
        return " ".join([f"vm={image}:{ram}:{vcpus}", f"vm{n}.initrd={initrd}"]
                        + [f"vm{n}.{a}" for a in args])


_guest: LinuxGuest | None = None


def linux_guest() -> LinuxGuest:
    """The kernel and initramfs, fetched and built once per process. Skips
    the test only when the Debian mirror cannot be reached (and nothing is
    cached); a file that does not check out against the release fails it."""
    global _guest
    if _guest is None:
        sys.path.insert(0, str(TOOLS))
        import debian_guest
        import mkinitramfs
        try:
            initrd, manifest = mkinitramfs.ensure()
        except debian_guest.FetchError as e:
            if e.network:
                pytest.skip(f"no network to the Debian mirror (tools/debian_guest.py): {e}")
            pytest.fail(f"Debian's files do not check out: {e}", pytrace=False)
        root = Path(debian_guest.CACHE)  # the manifest's paths are relative to it
        release = Path(manifest["modules"]).name
        _guest = LinuxGuest(root / manifest["vmlinux"], Path(initrd), release)
    return _guest


def nonce() -> str:
    return f"{random.getrandbits(64):016x}"


def init_line(text: str, what: str) -> re.Match | None:
    """/init's line `hvlab-init: WHAT...` in a VM's text (the kernel's time
    stamp before it), as a match whose group 1 is the rest of the line."""
    return re.search(rf"^(?:\[ *\d+\.\d+\] )?hvlab-init: {re.escape(what)}(.*)$", text, re.M)


def e2fsprogs(command: str) -> str | None:
    """mke2fs or debugfs (in /usr/sbin: not on every user's PATH)."""
    return shutil.which(command) or shutil.which(command, path="/usr/sbin:/sbin")


def make_ext4(image: Path, offset: int, size: int, files: dict[str, str], workdir: Path) -> None:
    """An ext4 file system of `size` bytes at `offset` in `image` (created or
    extended), holding `files` (path -> text), made by e2fsprogs' mke2fs -d."""
    root = workdir / f"ext4-root-{offset}"
    for name, text in files.items():
        path = root / name.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    part = workdir / f"ext4-{offset}.img"
    subprocess.run([e2fsprogs("mke2fs"), "-F", "-q", "-t", "ext4", "-L", "hvlab", "-E", "root_owner=0:0",
                    "-d", str(root), str(part), f"{size // 1024}k"],
                   check=True, capture_output=True, text=True)
    with open(image, "r+b" if image.exists() else "wb") as f:
        f.seek(offset)
        f.write(part.read_bytes())
        f.truncate(max(f.tell(), offset + size))


def ext4_read(image: Path, offset: int, size: int, path: str, workdir: Path) -> str | None:
    """The text of `path` in the ext4 file system at `offset` in `image`
    (e2fsprogs' debugfs, on a copy of that slice); None if it has no such file."""
    part = workdir / f"readback-{offset}.img"
    with open(image, "rb") as f:
        f.seek(offset)
        part.write_bytes(f.read(size))
    r = subprocess.run([e2fsprogs("debugfs"), "-R", f"cat {path}", str(part)], capture_output=True,
                       text=True)
    if r.returncode != 0 or "File not found" in r.stderr:
        return None
    return r.stdout
