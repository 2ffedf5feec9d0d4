"""make bench, the unikernel apps (ch7-unikernel/uk): tools/bench.py calls
figures(chapter, run) when the chapter has uk/apps.

Per app (hello, threads, kv, httpd, mvm):
  - the image (NAME.bin) and the RAM the ELF occupies, _end - _start:
    text, rodata, data, bss (the boot thread's TLS block in it) and the
    boot stack (uk.ld); the heap is not in it: the allocator takes the RAM
    after _end that the device tree leaves (plat_free_ram);
  - the smallest VM memory (2 MiB steps, hvlab's) and QEMU -m (1 MiB steps,
    on OpenSBI directly) with which the app gets to its ready line;
  - boot to main: the platform reads instret at _start and before main and
    prints the difference with uk.bench=1 in its bootargs.
httpd, the same image on OpenSBI directly and as a VM (its virtio-net a
port of the switch, the uplink QEMU's user network, hostfwd on 127.0.0.1):
K keep-alive requests, sent pipelined, between two reads of /stats, whose
instret difference is the one hart's (-smp 1), hypervisor included; and a
large file from its ext2 disk between two /stats: bytes per 1000
instructions (the best of ROUNDS: idle time counts, see the README).
"""

from __future__ import annotations

import random
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QEMU = "qemu-system-riscv64"
APPS = ("hello", "threads", "kv", "httpd", "mvm")
REQUESTS = 200
ROUNDS = 3
BULK_FILE = 4 << 20
HTTP_DISK = "8M"


def machine(mem: str, append: str, kernel: Path, extra=()) -> list[str]:
    return [QEMU, "-machine", "virt", "-cpu", "rv64", "-m", mem, "-smp", "1", "-bios", "default",
            "-icount", "shift=0", "-display", "none", "-serial", "stdio", "-monitor", "none",
            "-kernel", str(kernel), "-append", append, *extra]


class Run:
    """A QEMU run read line by line in a thread; killed when done with."""

    def __init__(self, cmd: list[str]):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, errors="replace")
        self.out = ""
        self.lock = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self.lock:
                self.out += line
                self.lock.notify_all()
        with self.lock:
            self.out += "\n<exit>\n"
            self.lock.notify_all()

    def expect(self, pattern: str, timeout: float = 120) -> re.Match | None:
        """The first match of pattern, or None when the run ends or times out."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                m = re.search(pattern, self.out, re.M)
                if m or "<exit>" in self.out or time.monotonic() > deadline:
                    return m
                self.lock.wait(1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def grader_imports():
    sys.path.insert(0, str(ROOT / "grader"))


def app_setups(chapter: Path, work: Path) -> dict:
    """Per app: its arguments, the line that says it is up, the QEMU
    devices, and the hypervisor's extra words (disk slices, mvm=)."""
    grader_imports()
    from virtio import MODERN, disk_args
    kv_disk = work / "kv-disk.img"
    kv_disk.write_bytes(bytes(1 << 20))
    mvm_disk = work / "mvm-disk.img"
    subprocess.run([sys.executable, str(chapter / "uk/apps/mvm/mkdisk.py"), str(mvm_disk),
                    f"--fs-size={8 << 20}", f"--disk-size={16 << 20}"], check=True,
                   capture_output=True)
    http_disk = httpd_disk(work)
    return {
        "hello": dict(args="nonce=0x1", ready=r"hello: done"),
        "threads": dict(args="nonce=0x1 ticks=3", ready=r"threads: done after"),
        "kv": dict(args="nonce=0x1 kv=get", ready=r"kv: get: \d+ keys",
                   extra=MODERN + disk_args(kv_disk), hv="vm1.disk=0+1M"),
        "httpd": dict(args="nonce=0x1", ready=r"httpd: serving http://",
                      extra=MODERN + disk_args(http_disk) + net_extra(0),
                      hv=f"vm1.disk=0+{HTTP_DISK}"),
        # The MVM's calls go to hvlab: on OpenSBI alone it has no meaning.
        "mvm": dict(args="", ready=r"mvm: type help", extra=MODERN + disk_args(mvm_disk),
                    hv="vm1.disk=0+8M mvm=1", direct=False),
    }


def net_extra(port: int) -> list[str]:
    grader_imports()
    from virtio import FIRST_LEASE, net_args
    return net_args([(port, FIRST_LEASE, 80)] if port else [])


def httpd_disk(work: Path) -> Path:
    """httpd's ext2 disk (mke2fs -d, as the grader makes it): an index and
    a large file of random bytes."""
    www = work / "www"
    www.mkdir(exist_ok=True)
    (www / "index.html").write_text("<html><body>hvlab httpd bench</body></html>\n")
    (www / "big.bin").write_bytes(random.Random(1).randbytes(BULK_FILE))
    img = work / "httpd-disk.img"
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", "-d", str(www), str(img),
                    HTTP_DISK], check=True, capture_output=True)
    return img


def hv_cmd(chapter: Path, image: Path, mem: str, setup: dict, extra_words: str = "",
           extra=None) -> list[str]:
    grader_imports()
    from guests import raw_image
    vm, loader = raw_image(image, mem)
    words = " ".join(f"vm1.{w}" for w in setup["args"].split())
    append = f"{vm} {words} {setup.get('hv', '')} {extra_words} selftest=off"
    devices = setup.get("extra", []) if extra is None else extra
    return machine("1G", " ".join(append.split()), chapter / "build" / "hv.elf",
                   loader + devices)


def direct_cmd(image: Path, mem: str, setup: dict, extra_words: str = "", extra=None):
    devices = setup.get("extra", []) if extra is None else extra
    return machine(mem, f"{setup['args']} {extra_words}".strip(), image, devices)


def boots(cmd: list[str], ready: str, timeout: float = 90) -> tuple[bool, str]:
    r = Run(cmd)
    try:
        m = r.expect(ready, timeout)
        return m is not None, r.out
    finally:
        r.stop()


def smallest(candidates, make_cmd, ready: str):
    for mib in candidates:
        ok, _ = boots(make_cmd(f"{mib}M"), ready)
        if ok:
            return mib
    return None


def boot_instructions(cmd: list[str], ready: str) -> int | None:
    ok, out = boots(cmd, ready)
    m = re.search(r"uk: boot: (\d+) instructions from _start to main", out)
    return int(m[1]) if ok and m else None


def elf_ram(elf: Path) -> dict:
    grader_imports()
    from elf import Elf
    e = Elf(elf)
    sym = {n: e.symbol(n).addr for n in ("_start", "_end", "__bss_start", "__bss_end",
                                         "__boot_stack_top")}
    return {"ram_bytes": sym["_end"] - sym["_start"],
            "bss_bytes": sym["__bss_end"] - sym["__bss_start"],
            "boot_stack_bytes": sym["_end"] - sym["__bss_end"]}


# -- httpd ------------------------------------------------------------------

def http_get_all(sock: socket.socket, buf: bytearray, count: int) -> list[bytes]:
    """count responses (Content-Length bodies) from sock: their bodies."""
    bodies = []
    while len(bodies) < count:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            m = re.search(rb"Content-Length: (\d+)", bytes(buf[:end]))
            length = int(m[1])
            if len(buf) >= end + 4 + length:
                bodies.append(bytes(buf[end + 4:end + 4 + length]))
                del buf[:end + 4 + length]
                continue
        data = sock.recv(1 << 20)
        if not data:
            raise OSError("the server closed the connection")
        buf += data
    return bodies


def request(target: str) -> bytes:
    return f"GET {target} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()


def stats(sock, buf) -> dict:
    sock.sendall(request("/stats"))
    body = http_get_all(sock, buf, 1)[0].decode()
    return {k: int(v) for k, v in re.findall(r"^(\w+) (\d+)$", body, re.M)}


def http_figures(cmd: list[str], port: int) -> dict:
    r = Run(cmd)
    try:
        if not r.expect(r"httpd: serving http://", 180):
            sys.exit(f"bench: httpd did not start:\n{r.out[-3000:]}")
        with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
            buf = bytearray()
            stats(sock, buf)  # the first request warms ARP, the caches
            rates, bulks = [], []
            for _ in range(ROUNDS):
                before = stats(sock, buf)
                sock.sendall(request("/index.html") * REQUESTS)
                http_get_all(sock, buf, REQUESTS)
                after = stats(sock, buf)
                rates.append(round((after["requests"] - before["requests"]) * 1e6 /
                                   (after["instret"] - before["instret"]), 2))
                sock.sendall(request("/big.bin"))
                body = http_get_all(sock, buf, 1)[0]
                if len(body) != BULK_FILE:
                    sys.exit(f"bench: /big.bin came with {len(body)} bytes")
                bulk = stats(sock, buf)
                bulks.append(round(BULK_FILE * 1000 / (bulk["instret"] - after["instret"]), 1))
        # Idle time counts (see the README): the best round has the least.
        return {"requests_per_minstr": max(rates), "bulk_bytes_per_kinstr": max(bulks),
                "rounds": {"requests_per_minstr": rates, "bulk_bytes_per_kinstr": bulks}}
    finally:
        r.stop()


def httpd(chapter: Path, work: Path, setup: dict) -> dict:
    grader_imports()
    from virtio import MODERN, disk_args, free_port
    image = chapter / "build" / "uk" / "httpd" / "httpd.bin"
    disk = httpd_disk(work)
    out = {}
    for on in ("hvlab", "qemu"):
        port = free_port()
        devices = MODERN + disk_args(disk) + net_extra(port)
        cmd = (hv_cmd(chapter, image, "64M", setup, extra=devices) if on == "hvlab"
               else direct_cmd(image, "64M", setup, extra=devices))
        out[on] = http_figures(cmd, port)
    return out


# -- all --------------------------------------------------------------------

def figures(chapter: Path, run=None) -> tuple[dict, list, list]:
    work = chapter / "build" / "bench-uk"
    work.mkdir(parents=True, exist_ok=True)
    setups = app_setups(chapter, work)
    results = {}
    for app in APPS:
        setup = setups[app]
        image = chapter / "build" / "uk" / app / f"{app}.bin"
        elf = image.with_suffix(".elf")
        f = {"image_bytes": image.stat().st_size, **elf_ram(elf)}
        f["smallest_vm_mib"] = smallest(
            range(2, 130, 2), lambda m: hv_cmd(chapter, image, m, setup), setup["ready"])
        f["boot_to_main_hvlab"] = boot_instructions(
            hv_cmd(chapter, image, "64M", setup, "vm1.uk.bench=1"), setup["ready"])
        if setup.get("direct", True):
            f["smallest_qemu_m_mib"] = smallest(
                range(5, 130), lambda m: direct_cmd(image, m, setup), setup["ready"])
            f["boot_to_main_opensbi"] = boot_instructions(
                direct_cmd(image, "64M", setup, "uk.bench=1"), setup["ready"])
        else:
            f["smallest_qemu_m_mib"] = f["boot_to_main_opensbi"] = None
        results[app] = f
        print(f"bench: {app}: {f}", flush=True)
    results["httpd"]["http"] = httpd(chapter, work, setups["httpd"])
    rows = [(app, results[app]) for app in APPS]
    h = results["httpd"]["http"]
    http_rows = [
        (f"HTTP requests per million instructions ({REQUESTS} keep-alive GETs of a small "
         f"file, pipelined; best of {ROUNDS})", h["hvlab"]["requests_per_minstr"], h["qemu"]["requests_per_minstr"]),
        (f"TCP bulk: a {BULK_FILE >> 20} MiB file from the ext2 disk "
         f"(bytes per 1000 instructions; best of {ROUNDS})", h["hvlab"]["bulk_bytes_per_kinstr"],
         h["qemu"]["bulk_bytes_per_kinstr"]),
    ]
    return results, rows, http_rows


def cell(v) -> str:
    if v is None:
        return "n/a"
    return f"{v:,}" if isinstance(v, (int, float)) else str(v)


COLUMNS = ("app", "image (bytes)", "RAM from the ELF (bytes)", "smallest VM (MiB)",
           "smallest -m (MiB)", "boot to main, OpenSBI", "boot to main, hvlab")


def row_cells(app: str, f: dict) -> list[str]:
    return [app, cell(f["image_bytes"]), cell(f["ram_bytes"]), cell(f["smallest_vm_mib"]),
            cell(f["smallest_qemu_m_mib"]), cell(f["boot_to_main_opensbi"]),
            cell(f["boot_to_main_hvlab"])]


def text_table(rows, http_rows) -> str:
    lines = ["unikernel apps (ch7-unikernel/uk), -icount shift=0:",
             "  " + " | ".join(COLUMNS)]
    lines += ["  " + " | ".join(row_cells(app, f)) for app, f in rows]
    lines += [f"  {n}: hvlab {cell(hv)}, OpenSBI directly {cell(q)}, ratio {ratio(hv, q)}"
              for n, hv, q in http_rows]
    return "\n".join(lines)


def ratio(hv, q) -> str:
    return f"{hv / q:.2f}" if hv and q else "n/a"


def markdown_table(rows, http_rows) -> str:
    out = ["The unikernel apps of ch7-unikernel/uk: the image (`NAME.bin`); the RAM its ELF "
           "occupies (`_end - _start`: text, data, bss with the boot TLS block, the 16 KiB "
           "boot stack; the heap comes after it, from what the device tree leaves); the "
           "smallest VM memory under hvlab (2 MiB steps) and `-m` on OpenSBI directly "
           "(1 MiB steps) with which it gets to its ready line; instructions from `_start` "
           "to `main` (the app counts them itself with `uk.bench=1`, 64 MiB of RAM either "
           "way; under hvlab the hart's, the hypervisor's included).", "",
           "| " + " | ".join(COLUMNS) + " |",
           "| --- |" + " ---: |" * (len(COLUMNS) - 1)]
    out += ["| " + " | ".join(row_cells(app, f)) + " |" for app, f in rows]
    out += ["", "httpd, the same image under hvlab and on OpenSBI directly (the ratio "
            "hvlab / OpenSBI: 1.0 would mean no cost to the hypervisor):", "",
            "| httpd | hvlab | OpenSBI directly | ratio |", "| --- | ---: | ---: | ---: |"]
    out += [f"| {n} | {cell(hv)} | {cell(q)} | {ratio(hv, q)} |" for n, hv, q in http_rows]
    return "\n".join(out)


if __name__ == "__main__":
    chapter = ROOT / "ch7-unikernel"
    res, r, h = figures(chapter)
    print(text_table(r, h))
