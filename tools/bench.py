#!/usr/bin/env python3
"""make bench: instruction counts, measured under QEMU with -icount shift=0.

With icount, QEMU retires one instruction per virtual time unit and instret
counts exactly, so the figures are the same on every machine. Runs on the
highest chapter that has the bench guest (guest/bench.c) and reports:

  - a null SBI call round trip (sbi_get_spec_version from the guest);
  - an emulated MMIO read round trip (the guest reads its UART's LSR);
  - instructions from the hypervisor's first instruction to the guest's;
  - from ch5 on, from an interrupt to the guest's handler: its timer's
    (Sstc's vstimecmp, and the host timer with hvip.VSTIP) and its UART's
    for a byte typed on the console;
  - from ch6 on, a full-size frame from one VM to another through the
    switch, from the sender's kick to its used entry, and the bytes per
    thousand instructions of 64 such frames back to back;
  - from ch6 on (guest/benchio.c), the disk's figures: a 4 KiB virtio-blk
    read from the guest's QueueNotify write to its used entry seen, and
    bytes per thousand instructions of 1 MiB read in 64 KiB and in 4 KiB
    requests; the same raw image also runs directly on QEMU's virtio-blk
    (-kernel, under OpenSBI), side by side: the ratio to beat. The
    guest's wait loop does not count (benchio.c says why and how); and
    the same image as two VMs on one hart, a full-size frame through the
    switch from the sender's kick to the receiver's used entry, and 32
    back to back to the receiver's last (no bare-QEMU equivalent);
  - the image sizes, and the smallest guest memory that boots;
  - from ch7 on (uk/, bench/unikernel.py), per unikernel app: image size,
    RAM from its ELF, smallest VM memory under hvlab and -m on QEMU, boot
    to main in instructions both ways, and httpd's requests per million
    instructions and bulk TCP bytes per thousand, both ways.

Prints a table, writes bench/results.json, and rewrites the table between
the bench markers of the top-level README.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QEMU = "qemu-system-riscv64"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def chapter_with_bench() -> Path:
    chapters = sorted((d for d in ROOT.glob("ch[0-9]*-*") if (d / "guest" / "bench.c").exists()),
                      key=lambda d: int(re.match(r"ch(\d+)", d.name)[1]))
    if not chapters:
        sys.exit("bench: no chapter has guest/bench.c yet")
    return chapters[-1]


def run(chapter: Path, append: str, mem="256M", extra=(), kernel: Path | None = None) -> str:
    kernel = kernel or chapter / "build" / "hv.elf"
    cmd = [QEMU, "-machine", "virt", "-cpu", "rv64", "-m", mem, "-smp", "1", "-bios", "default",
           "-icount", "shift=0", "-display", "none", "-serial", "stdio", "-monitor", "none",
           "-kernel", str(kernel), "-append", append, *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        sys.exit(f"bench: the run failed (status {r.returncode}):\n{r.stdout[-3000:]}")
    return r.stdout


def run_typing(chapter: Path, append: str, nbytes: int, mem="256M") -> str:
    """A run whose guest waits for input: one byte each time it asks."""
    cmd = [QEMU, "-machine", "virt", "-cpu", "rv64", "-m", mem, "-smp", "1", "-bios", "default",
           "-icount", "shift=0", "-display", "none", "-serial", "stdio", "-monitor", "none",
           "-kernel", str(chapter / "build" / "hv.elf"), "-append", append]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    # A guest that never asks for its next byte would keep this loop waiting.
    watchdog = threading.Timer(300, proc.kill)
    watchdog.start()
    out = []
    asked = 0
    try:
        for line in proc.stdout:
            out.append(line)
            if re.search(r"bench: (type \d+ bytes|got byte \d+)", line) and asked < nbytes:
                asked += 1
                proc.stdin.write("x")
                proc.stdin.flush()
        proc.wait(timeout=60)
    finally:
        watchdog.cancel()
    if proc.returncode != 0:
        sys.exit(f"bench: the run failed (status {proc.returncode}):\n{''.join(out)[-3000:]}")
    return "".join(out)


def symbol(elf: Path, name: str) -> int:
    sys.path.insert(0, str(ROOT / "grader"))
    from elf import Elf  # the grader's reader: no toolchain needed
    return Elf(elf).symbol(name).addr


DISK_NONCE = 0xbe7c4
DISK_SECTORS = 8192  # 4 MiB: benchio reads its first 3 MiB


def disk_figures(out: str) -> dict:
    """benchio's lines: the 4 KiB read's min and avg, and bytes per
    thousand instructions for each request size of the bulk read."""
    if not re.search(r"benchio: \d+ sectors checked, 0 bad, 0 requests failed", out):
        sys.exit(f"bench: the disk bench did not finish cleanly:\n{out[-2000:]}")
    m = re.search(r"benchio: blk_read_4k kick_to_used min (\d+) avg (\d+)", out)
    figures = {"blk_read_4k_min": int(m[1]), "blk_read_4k_avg": int(m[2])}
    for size, nbytes, insns in re.findall(
            r"benchio: blk_bulk_read (\d+) bytes in (\d+)-byte requests: (\d+) instructions", out):
        figures[f"blk_read_{int(nbytes) >> 10}k_requests_bytes_per_kinstr"] = round(
            int(size) * 1000 / int(insns), 1)
    return figures


def virtio_disk(chapter: Path) -> tuple[dict, list]:
    """guest/benchio.c under the hypervisor (a raw image, vm=@ADDR+SIZE,
    on a slice of the disk that starts at its first sector) and directly
    on QEMU's virtio-blk: the same file, loaded at 0x80200000 both ways."""
    sys.path.insert(0, str(ROOT / "grader"))
    from guests import raw_image
    from virtio import MODERN, disk_args, make_disk
    image = chapter / "build" / "guest-raw" / "benchio.bin"
    disk = make_disk(chapter / "build" / "bench-disk.img", DISK_NONCE, DISK_SECTORS)
    vm, loader = raw_image(image, "8M")
    args = f"nonce={DISK_NONCE:#x}"
    hv = disk_figures(run(chapter, f"{vm} vm1.disk=0+4M vm1.{args} selftest=off", mem="1G",
                          extra=loader + MODERN + disk_args(disk)))
    bare = disk_figures(run(chapter, args, extra=MODERN + disk_args(disk), kernel=image))
    results = {k: {"hvlab": hv[k], "qemu": bare[k]} for k in hv}
    names = {
        "blk_read_4k_min": "4 KiB virtio-blk read, kick to used entry, min (instructions)",
        "blk_read_4k_avg": "4 KiB virtio-blk read, kick to used entry, avg (instructions)",
        "blk_read_64k_requests_bytes_per_kinstr":
            "1 MiB disk read in 64 KiB requests (bytes per 1000 instructions)",
        "blk_read_4k_requests_bytes_per_kinstr":
            "1 MiB disk read in 4 KiB requests (bytes per 1000 instructions)",
    }
    rows = [(names[k], hv[k], bare[k]) for k in names]
    return results, rows


NO_NATIVE = "n/a: one machine"


def virtio_net(chapter: Path) -> tuple[dict, list]:
    """guest/benchio.c as two VMs on one hart, net=send and net=recv, the
    switch between them: a full-size frame from the sender's kick to the
    receiver's used entry seen (pairs of instret readings of the one
    hart), and 32 back to back until the receiver has the last. QEMU alone
    has one machine: no equivalent."""
    sys.path.insert(0, str(ROOT / "grader"))
    from guests import raw_image
    from virtio import MODERN, net_args
    image = chapter / "build" / "guest-raw" / "benchio.bin"
    vm, loader = raw_image(image, "8M")
    peer = "02:62:65:6e:63:02"
    out = run(chapter, f"{vm} {vm} vm1.net=send vm1.peer=0x{peer.replace(':', '')} "
              f"vm1.nonce={DISK_NONCE:#x} vm2.net=recv vm2.mac={peer} vm2.nonce={DISK_NONCE:#x} "
              "selftest=off", mem="1G", extra=loader + MODERN + net_args())
    kicks = dict(re.findall(r"benchio: net frame (\d+) kick at instret (\d+)", out))
    seen = dict(re.findall(r"benchio: net frame (\d+) seen at instret (\d+)", out))
    first = re.search(r"benchio: net bulk of (\d+) frames of (\d+) bytes: first kick at "
                      r"instret (\d+)", out)
    last = re.search(r"benchio: net bulk last frame seen at instret (\d+)", out)
    if (not kicks or kicks.keys() != seen.keys() or not first or not last
            or not re.search(r"benchio: net received \d+ frames, 0 bad", out)
            or not re.search(r"benchio: net sent \d+ frames, 0 failed", out)):
        sys.exit(f"bench: the network bench did not finish cleanly:\n{out[-2000:]}")
    # Frame 0 is left out: it is the one that finds the receiver's port
    # learned, the others find it as a steady flow would.
    latency = [int(seen[f]) - int(kicks[f]) for f in kicks if f != "0"]
    frames, size = int(first[1]), int(first[2])
    figures = {
        "net_frame_kick_to_receiver_min": min(latency),
        "net_frame_kick_to_receiver_avg": sum(latency) // len(latency),
        "net_bulk_bytes_per_kinstr": round(
            frames * size * 1000 / (int(last[1]) - int(first[3])), 1),
    }
    rows = [
        (f"{size}-byte frame to another VM, sender's kick to the receiver's used entry, min "
         "(instructions)", figures["net_frame_kick_to_receiver_min"], NO_NATIVE),
        (f"{size}-byte frame to another VM, sender's kick to the receiver's used entry, avg "
         "(instructions)", figures["net_frame_kick_to_receiver_avg"], NO_NATIVE),
        (f"{frames} frames of {size} bytes to another VM, to the receiver's last "
         "(bytes per 1000 instructions)", figures["net_bulk_bytes_per_kinstr"], NO_NATIVE),
    ]
    return {k: {"hvlab": v, "qemu": None} for k, v in figures.items()}, rows


def main() -> None:
    chapter = chapter_with_bench()
    subprocess.run(["make", "-s", "-C", str(chapter)], check=True)
    out = run(chapter, "vm=bench:2M selftest=off")

    def number(pattern: str) -> int:
        m = re.search(pattern, out)
        if not m:
            sys.exit(f"bench: no /{pattern}/ in the output:\n{out[-2000:]}")
        return int(m[1])

    entry = number(r"\[hv\] boot: entered at instret (\d+)")
    first = number(r"bench: first guest instruction at instret (\d+)")
    results = {
        "chapter": chapter.name,
        "qemu": subprocess.run([QEMU, "--version"], capture_output=True,
                               text=True).stdout.splitlines()[0],
        "sbi_null_roundtrip": number(r"bench: sbi_null_roundtrip min (\d+)"),
        "mmio_read_roundtrip": number(r"bench: mmio_read_roundtrip min (\d+)"),
        "boot_to_first_guest_instruction": first - entry,
    }
    irq_rows = []
    if "bench: timer_irq_to_handler" in out:
        results["timer_irq_to_handler_sstc"] = number(r"bench: timer_irq_to_handler min (\d+)")
        hvip = run(chapter, "vm=bench:2M selftest=off vtimer=hvip")
        results["timer_irq_to_handler_hvip"] = int(
            re.search(r"bench: timer_irq_to_handler min (\d+)", hvip)[1])
        typed = run_typing(chapter, "vm=bench:2M vm1.uart=8 selftest=off", 8)
        results["uart_rx_irq_to_handler"] = int(
            re.search(r"bench: uart_irq_to_handler min (\d+)", typed)[1])
        irq_rows = [
            ("guest timer interrupt to its handler, Sstc vstimecmp",
             results["timer_irq_to_handler_sstc"]),
            ("guest timer interrupt to its handler, host timer + hvip.VSTIP",
             results["timer_irq_to_handler_hvip"]),
            ("console byte (UART receive interrupt) to the guest's handler",
             results["uart_rx_irq_to_handler"]),
        ]

    virtio_rows = []
    if (chapter / "guest" / "benchio.c").exists():
        results["virtio"], virtio_rows = virtio_disk(chapter)
        net_figures, net_rows = virtio_net(chapter)
        results["virtio"].update(net_figures)
        virtio_rows += net_rows
    if (chapter / "guest" / "vnet.c").exists():
        # Two VMs on one hart, the switch between them (guest/vnet.c's
        # bench and sink): the sender's transmit exit delivers the frame
        # into the sink's receive buffer before it returns.
        sys.path.insert(0, str(ROOT / "grader"))
        from virtio import MODERN, net_args
        net = run(chapter, "vm=vnet vm1.role=bench vm1.frames=64 vm=vnet vm2.role=sink "
                  "selftest=off", extra=MODERN + net_args())
        m = re.search(r"bench: (\d+)-byte frame to another VM, kick to used entry: min (\d+)", net)
        bulk = re.search(r"bench: (\d+) frames of (\d+) bytes to another VM in (\d+) instructions",
                         net)
        if not m or not bulk or not re.search(r"sink: 80 BULK checked, 0 bad", net):
            sys.exit(f"bench: the network bench did not finish:\n{net[-2000:]}")
        results["vm_to_vm_frame_kick_to_used"] = int(m[2])
        results["vm_to_vm_bytes_per_kinstr"] = round(
            int(bulk[1]) * int(bulk[2]) * 1000 / int(bulk[3]), 1)
        virtio_rows += [
            (f"{m[1]}-byte frame to another VM, kick to the sender's used entry, min "
             "(instructions; guest/vnet.c)", results["vm_to_vm_frame_kick_to_used"], NO_NATIVE),
            (f"{bulk[1]} frames of {bulk[2]} bytes to another VM, sender's side "
             "(bytes per 1000 instructions; guest/vnet.c)",
             results["vm_to_vm_bytes_per_kinstr"], NO_NATIVE),
        ]

    uk_rows = uk_http_rows = []
    if (chapter / "uk" / "apps").is_dir():
        sys.path.insert(0, str(ROOT / "bench"))
        import unikernel
        results["unikernel"], uk_rows, uk_http_rows = unikernel.figures(chapter, run)

    elf = chapter / "build" / "hv.elf"
    results["hypervisor_image_bytes"] = symbol(elf, "__image_end") - symbol(elf, "__image_start")
    results["hypervisor_text_bytes"] = symbol(elf, "__text_end") - symbol(elf, "__text_start")
    results["bench_guest_image_bytes"] = (chapter / "build" / "guest" / "bench.bin").stat().st_size

    # The smallest guest memory that boots: RAM comes in 2 MiB blocks.
    smallest = None
    for mib in (2, 4, 8, 16):
        hello = run(chapter, f"vm=hello:{mib}M vm1.nonce=ok selftest=off")
        if "hello via UART: nonce=ok" in hello:
            smallest = mib
            break
    results["smallest_guest_memory_mib"] = smallest

    rows = [
        ("null SBI call round trip (instructions)", results["sbi_null_roundtrip"]),
        ("MMIO read round trip (instructions)", results["mmio_read_roundtrip"]),
        ("hypervisor entry to first guest instruction", results["boot_to_first_guest_instruction"]),
        *irq_rows,
        ("hypervisor image (bytes)", results["hypervisor_image_bytes"]),
        ("hypervisor text (bytes)", results["hypervisor_text_bytes"]),
        ("bench guest image (bytes)", results["bench_guest_image_bytes"]),
        ("smallest guest memory that boots (MiB)", smallest),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"hvlab bench on {chapter.name} ({results['qemu']}, -icount shift=0)")
    for name, value in rows:
        print(f"  {name:<{width}}  {value:>10}")
    if virtio_rows:
        vwidth = max(len(r[0]) for r in virtio_rows)
        print(f"  {'virtio, the same guest':<{vwidth}}  {'hvlab':>10}  {'QEMU alone':>10}")
        for name, hv, bare in virtio_rows:
            print(f"  {name:<{vwidth}}  {cell(hv):>10}  {cell(bare):>10}")

    if uk_rows:
        print(unikernel.text_table(uk_rows, uk_http_rows))

    (ROOT / "bench").mkdir(exist_ok=True)
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print("written: bench/results.json")

    readme = ROOT / "README.md"
    text = readme.read_text()
    if BEGIN in text and END in text:
        table = "\n".join(["| measure | value |", "| --- | ---: |"] +
                          [f"| {n} | {v:,} |" if isinstance(v, int) else f"| {n} | {v} |"
                           for n, v in rows])
        table = (f"Measured on {chapter.name} with {results['qemu']}, `-icount shift=0`:\n\n"
                 + table)
        if virtio_rows:
            table += "\n\n" + "\n".join(
                ["The virtio figures of one guest (`guest/benchio.c`, a raw image) under the "
                 "hypervisor and directly on QEMU's devices (`-kernel`, under OpenSBI). "
                 "QEMU's devices do their work in host code, which costs no guest "
                 "instructions: the ratio is what mediation costs, the figure to beat.", "",
                 "| virtio, the same guest | hvlab | QEMU alone | ratio |",
                 "| --- | ---: | ---: | ---: |"] +
                [f"| {n} | {cell(hv)} | {cell(bare)} | {ratio(hv, bare)} |"
                 for n, hv, bare in virtio_rows])
        if uk_rows:
            table += "\n\n" + unikernel.markdown_table(uk_rows, uk_http_rows)
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        readme.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}")
        print("updated: the table in README.md")


def cell(v) -> str:
    return f"{v:,}" if isinstance(v, (int, float)) else str(v)


def ratio(hv, bare) -> str:
    """How many times worse the hypervisor does: instructions grow,
    bytes per instruction shrink."""
    if not isinstance(hv, (int, float)) or not isinstance(bare, (int, float)) or not hv or not bare:
        return "n/a"
    return f"{max(hv, bare) / min(hv, bare):.1f}x"


if __name__ == "__main__":
    main()
