#!/usr/bin/env python3
"""The MVM's disk: an ext2 file system (mke2fs -t ext2 -d) holding app
images and their JSON configs, at the start of a raw disk image that may
be bigger (the rest: slices for the VMs' own disks, cfg_list in their
configs).

    mkdisk.py OUT.img [--fs-size 8M] [--disk-size 32M] [--put SECTOR=IMAGE]
              FILE[=NAME] ...

Each FILE goes into the file system's root directory as NAME (default:
its own name). --put writes a file's bytes at a 512-byte sector of the
disk: a VM's own disk contents in its slice (httpd's files, say). Sizes take K, M, G suffixes. The MVM boots with it as its
disk slice: vmN.disk=0+FS_SIZE (so the VMs' slices stay apart from it).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    t = text.strip().upper()
    mult = units.get(t[-1:], 1)
    value = int(t[:-1] if t[-1:] in units else t, 0) * mult
    if value <= 0 or value % 1024:
        raise argparse.ArgumentTypeError(f"{text}: a positive multiple of 1K")
    return value


def mke2fs() -> str:
    for d in ("/sbin", "/usr/sbin"):
        p = Path(d) / "mke2fs"
        if p.exists():
            return str(p)
    found = shutil.which("mke2fs")
    if not found:
        sys.exit("mkdisk.py: mke2fs not found (Debian: e2fsprogs)")
    return found


def make(out: Path, files: list[tuple[Path, str]], fs_size: int, disk_size: int,
         puts: list[tuple[int, Path]]) -> None:
    if disk_size < fs_size:
        sys.exit("mkdisk.py: --disk-size is smaller than --fs-size")
    with tempfile.TemporaryDirectory(prefix="mvmdisk-") as tmp:
        root = Path(tmp)
        for src, name in files:
            if "/" in name or name in ("", ".", ".."):
                sys.exit(f"mkdisk.py: {name!r}: a file name, not a path")
            if (root / name).exists():
                sys.exit(f"mkdisk.py: {name} given twice")
            shutil.copyfile(src, root / name)
        out.parent.mkdir(parents=True, exist_ok=True)
        part = out.with_name(out.name + ".tmp")
        with open(part, "wb") as f:
            f.truncate(disk_size)
        # 1 KiB blocks: small files waste little; no reserved blocks (nobody is root).
        subprocess.run([mke2fs(), "-q", "-F", "-t", "ext2", "-b", "1024", "-m", "0",
                        "-L", "mvm", "-d", str(root), str(part), str(fs_size // 1024)],
                       check=True)
        with open(part, "r+b") as f:
            for sector, image in puts:
                data = image.read_bytes()
                if sector * 512 < fs_size or sector * 512 + len(data) > disk_size:
                    sys.exit(f"mkdisk.py: {image} at sector {sector}: not between the "
                             f"file system's end and the disk's")
                f.seek(sector * 512)
                f.write(data)
        part.replace(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--fs-size", type=size, default=size("8M"))
    ap.add_argument("--disk-size", type=size, default=None, help="default: --fs-size")
    ap.add_argument("--put", action="append", default=[], metavar="SECTOR=IMAGE")
    ap.add_argument("files", nargs="*", metavar="FILE[=NAME]")
    args = ap.parse_intermixed_args()
    files = []
    for spec in args.files:
        src, _, name = spec.partition("=")
        path = Path(src)
        if not path.is_file():
            sys.exit(f"mkdisk.py: {src}: no such file")
        files.append((path, name or path.name))
    puts = []
    for spec in args.put:
        sector, _, image = spec.partition("=")
        if not Path(image).is_file():
            sys.exit(f"mkdisk.py: --put {spec}: no such file")
        puts.append((int(sector, 0), Path(image)))
    make(args.out, files, args.fs_size, args.disk_size or args.fs_size, puts)


if __name__ == "__main__":
    main()
