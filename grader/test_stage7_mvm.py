"""Stage 7 (ch7-unikernel on): the management VM. The uk app `mvm` runs as
the VM that the hypervisor's word mvm=N names, with a disk that the grader
makes (uk/apps/mvm/mkdisk.py: mke2fs -d) holding app images and JSON
configs in the style of Rust-Shyper's vm-config.json. The grader types at
its console, as a student would: `vm config hello.json` creates a VM whose
command line carries a nonce only the grader knows, `vm boot N` runs it,
and what hello derives from the nonce must appear both as the new VM's own
[vmN] lines and through `vm console N` (the hypervisor's console log, read
with a management call); `vm stop`, `vm rm` and `vm list` must agree. A
malformed JSON file and a config with what hvlab does not support are
refused by the MVM with a message that names the problem, before any call
(no VM appears, the hypervisor says nothing); a description the hypervisor
refuses is refused with its reason. The same app as a VM that mvm= does
not name is denied, and the hypervisor says who tried.

Host tests: the JSON-to-description conversion (uk/apps/mvm/vm_config.c)
and the shell's line editor (uk/lib/shell/line_edit.c) compiled with the
host's compiler and run on their inputs.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from guests import raw_image, vm_text
from mix64 import splitmix64
from qemu import timeout_scale
from virtio import MODERN, disk_args

try:
    from uk import app_image
except ImportError:  # grader/uk.py's helper, by the layout it documents
    def app_image(chapter, name: str) -> Path:
        return chapter.path / "build" / "uk" / name / f"{name}.bin"

STAGE = 7
FS_SIZE = 8 << 20  # the MVM's ext2, its slice of the host disk
DISK_SIZE = 16 << 20
MVM_RAM = "64M"
PROMPT = r"^\[vm1\] mvm: type help"


def hello_config(name: str, cmdline: str, **changes) -> dict:
    """A vm-config.json for the hello app, as a Rust-Shyper user writes one."""
    cfg = {
        "name": name,
        "type": "VM_T_BARE_METAL",
        "cmdline": cmdline,
        "image": {
            "kernel_filename": "hello.bin",
            "kernel_load_ipa": "0x80200000",
            "kernel_entry_point": "0x80200000",
        },
        "memory": {"region": [{"ipa_start": "0x80000000", "length": "0x400000"}]},
        "cpu": {"num": 1, "allocate_bitmap": "0b0000"},
    }
    cfg.update(changes)
    return cfg


def make_disk(chapter, tmp_path: Path, files: dict[str, bytes | dict | Path]) -> Path:
    """The MVM's disk: an ext2 of FS_SIZE with these files in its root."""
    staged = []
    for name, content in files.items():
        if isinstance(content, Path):
            staged.append(f"{content}={name}")
            continue
        path = tmp_path / "disk-files" / name
        path.parent.mkdir(exist_ok=True)
        if isinstance(content, dict):
            content = json.dumps(content, indent=4).encode()
        path.write_bytes(content)
        staged.append(str(path))
    disk = tmp_path / "mvm-disk.img"
    subprocess.run([sys.executable, str(chapter.path / "uk/apps/mvm/mkdisk.py"), str(disk),
                    f"--fs-size={FS_SIZE}", f"--disk-size={DISK_SIZE}", *staged],
                   check=True, capture_output=True)
    return disk


def start_mvm(boot, chapter, disk: Path, more: str = ""):
    """hvlab with the mvm app as vm1 (mvm=1) on its disk slice; returns the
    run once the MVM's shell is ready."""
    word, loader = raw_image(app_image(chapter, "mvm"), MVM_RAM)
    run = boot(mem="1G", smp=2, extra=MODERN + disk_args(disk) + loader,
               append=f"{word} vm1.disk=0+{FS_SIZE // 1024}K mvm=1 {more}".strip())
    run.expect(PROMPT, timeout=60)
    return run


def command(run, line: str, reply: str, timeout: float = 30) -> re.Match:
    """Types a line at the MVM's console and waits for its reply (a regex on
    the MVM's lines, `[vm1] ` implied)."""
    run.send(line + "\r")
    # The whole line: a regex could match the first half of one that is arriving.
    return run.expect(r"^\[vm1\] (?:" + reply + r")[^\n]*(?=\n)", timeout=timeout)


def wait_output(run, pattern: str, timeout: float = 30) -> re.Match:
    """Waits for a line anywhere in the run's output (unlike run.expect,
    which looks after its previous match: a VM that the MVM starts may print
    before the MVM's own reply)."""
    deadline = time.monotonic() + timeout * timeout_scale()
    while True:
        m = re.search(pattern, run.output, re.M)
        if m:
            return m
        assert time.monotonic() < deadline, f"no /{pattern}/ in the output:\n{run.output[-3000:]}"
        time.sleep(0.2)


def vm_list(run) -> dict[int, tuple[str, str]]:
    """`vm list`, read back: id -> (name, state)."""
    run.send("vm list\r")
    m = run.expect(r"^\[vm1\] ID +NAME +STATE[\s\S]*?^\[vm1\] (\d+) VMs?$(?=\n)", timeout=30)
    rows = {}
    for line in m.group(0).splitlines()[1:-1]:
        r = re.match(r"\[vm1\] (\d+) +([a-z0-9_-]+)(?: \(mvm\))? +(\w+) ", line)
        if r:
            rows[int(r[1])] = (r[2], r[3])
    assert len(rows) == int(m[1]), f"vm list: {m[1]} VMs, but rows:\n{m.group(0)}"
    return rows


def create(run, file: str, name: str) -> int:
    m = command(run, f"vm config {file}", rf"{re.escape(file)}: (created VM (\d+) \({name}\).*|.*)")
    assert m[2], f"vm config {file} did not create the VM: {m[0]}"
    return int(m[2])


def hello_expectation(nonce: int) -> str:
    """A line that only a hello run with this nonce prints (uk/apps/hello:
    three steps of splitmix64 from the nonce)."""
    x = nonce
    for _ in range(3):
        x = splitmix64(x)
    return f"hello: mix3={x:016x}"


@pytest.mark.points(4)
def test_mvm_creates_boots_stops_removes(chapter, boot, tmp_path):
    nonce = random.getrandbits(48)
    disk = make_disk(chapter, tmp_path, {
        "hello.bin": app_image(chapter, "hello"),
        "hello.json": hello_config("hello", f"nonce={nonce:#x}"),
        "mvm.bin": app_image(chapter, "mvm"),
        "idle.json": hello_config("idle", "", image={
            "kernel_filename": "mvm.bin", "kernel_load_ipa": "0x80200000",
            "kernel_entry_point": "0x80200000"}),
    })
    run = start_mvm(boot, chapter, disk)
    rows = vm_list(run)
    assert [state for _, state in rows.values()] == ["running"], rows  # the MVM alone

    n = create(run, "hello.json", "hello")
    assert n != 1
    assert vm_list(run).get(n) == ("hello", "created")

    expected = hello_expectation(nonce)
    command(run, f"vm boot {n}", rf"vm boot {n}: running")
    wait_output(run, rf"^\[vm{n}\] {re.escape(expected)}$")
    # The VM's console log, read back through the MVM.
    command(run, f"vm console {n}", rf"{re.escape(expected)}$")
    run.expect(rf"^\[vm1\] vm console {n}: (\d+) bytes$")
    assert expected in vm_text(run, n)

    # hello powers off when done: the hypervisor stops it.
    wait_output(run, rf"^\[hv\] vm{n} \(hello\): stopped: ")
    assert vm_list(run)[n] == ("hello", "stopped")
    command(run, f"vm rm {n}", rf"vm rm {n}: removed$")
    rows = vm_list(run)
    assert n not in rows and len(rows) == 1, rows
    command(run, f"vm boot {n}", rf"vm boot {n}: SBI_ERR_\w+$")

    # A VM that keeps running (the mvm app again, which is not the MVM: its
    # calls are denied), stopped by the MVM, then removed.
    m = create(run, "idle.json", "idle")
    command(run, f"vm boot {m}", rf"vm boot {m}: running")
    wait_output(run, rf"^\[vm{m}\] mvm: type help")
    assert vm_list(run)[m] == ("idle", "running")
    command(run, f"vm stop {m}", rf"vm stop {m}: stopped$")
    assert vm_list(run)[m] == ("idle", "stopped")
    # The MVM cannot stop or remove itself.
    command(run, "vm stop 1", r"vm stop 1: SBI_ERR_DENIED$")
    command(run, "vm rm 1", r"vm rm 1: SBI_ERR_DENIED$")
    command(run, f"vm rm {m}", rf"vm rm {m}: removed$")
    rows = vm_list(run)
    assert list(rows) == [1], rows


@pytest.mark.points(3)
def test_mvm_refuses_bad_configs(chapter, boot, tmp_path):
    """Each refused with a message that names the problem; the hypervisor
    is not called for a malformed or unsupported config (it prints nothing
    and no VM appears), and says why it refuses a description."""
    good = hello_config("hello", "nonce=0x1")
    shyper = dict(good, passthrough_device={"passthrough_device_list": []})
    two_regions = dict(good, memory={"region": [
        {"ipa_start": "0x80000000", "length": "0x400000"},
        {"ipa_start": "0x90000000", "length": "0x400000"}]})
    console = dict(good, emulated_device={"emulated_device_list": [{
        "name": "virtio_console@10003000", "base_ipa": "0x10003000", "length": "0x1000",
        "irq_id": 18, "cfg_num": 2, "cfg_list": [0, 0x10003000],
        "type": "EMU_DEVICE_T_VIRTIO_CONSOLE"}]})
    blk_elsewhere = dict(good, emulated_device={"emulated_device_list": [{
        "name": "virtio_blk@a000000", "base_ipa": "0xa000000", "length": "0x1000",
        "irq_id": 48, "cfg_num": 2, "cfg_list": [0, 8192],
        "type": "EMU_DEVICE_T_VIRTIO_BLK_MEDIATED"}]})
    odd_ram = hello_config("oddram", "", memory={"region": [
        {"ipa_start": "0x80000000", "length": "0x300000"}]})
    disk = make_disk(chapter, tmp_path, {
        "hello.bin": app_image(chapter, "hello"),
        "broken.json": json.dumps(good).encode()[:-20] + b"\n",
        "comma.json": b'{ "name": "x",, "image": {} }\n',
        "shyper.json": shyper,
        "regions.json": two_regions,
        "console.json": console,
        "blk.json": blk_elsewhere,
        "noimage.json": dict(good, image=dict(good["image"], kernel_filename="nothere.bin")),
        "oddram.json": odd_ram,
    })
    run = start_mvm(boot, chapter, disk)
    refusals = {
        "broken.json": r"vm config: not JSON: line \d+ column \d+: .+",
        "comma.json": r"vm config: not JSON: line 1 column \d+: .+",
        "shyper.json": r"vm config: passthrough_device: not supported by hvlab.*",
        "regions.json": r"vm config: memory.region: 2 regions: not supported by hvlab.*",
        "console.json": r"vm config: emulated_device.emulated_device_list\[0\].type: "
                        r"EMU_DEVICE_T_VIRTIO_CONSOLE: not supported by hvlab.*",
        "blk.json": r"vm config: emulated_device.emulated_device_list\[0\].base_ipa: "
                    r"0xa000000: hvlab's guest machine has this device at 0x10001000",
        "noimage.json": r"image.kernel_filename: nothere.bin: no such file.*",
    }
    for file, why in refusals.items():
        command(run, f"vm config {file}", rf"{re.escape(file)}: {why}$")
    assert "VM_CREATE" not in run.output, "the hypervisor was called for a refused config"
    assert len(vm_list(run)) == 1

    # A description the MVM passes on and the hypervisor refuses, saying why.
    command(run, "vm config oddram.json",
            r"oddram.json: the hypervisor refused the VM: SBI_ERR_INVALID_PARAM.*")
    assert re.search(r"^\[hv\] mvm: VM_CREATE refused: mem_size: .+$", run.output, re.M), \
        "the hypervisor did not say why"
    assert len(vm_list(run)) == 1


@pytest.mark.points(2)
def test_non_mvm_caller_denied(chapter, boot, tmp_path):
    """The mvm app as vm2, which mvm=1 does not name: its calls are denied,
    and the hypervisor says which VM tried; vm1's go through."""
    disk = make_disk(chapter, tmp_path, {"hello.json": hello_config("hello", "")})
    word, _ = raw_image(app_image(chapter, "mvm"), MVM_RAM)
    run = start_mvm(boot, chapter, disk, more=word)  # the same staged image, again
    wait_output(run, r"^\[vm2\] mvm: the hypervisor's management extension answers "
                r"SBI_ERR_DENIED: this VM is not the management VM", timeout=60)
    assert re.search(r"^\[hv\] vm2 \(\S+\): management call \S+ denied: "
                     r"not the management VM$", run.output, re.M), \
        "the hypervisor did not say who tried"
    assert not re.search(r"^\[hv\] vm1 \(\S+\): management call .* denied", run.output, re.M)
    assert len(vm_list(run)) == 2


def host_build(chapter, tmp_path: Path, name: str, sources: list[str]) -> Path:
    exe = tmp_path / name
    r = subprocess.run(["cc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-I",
                        str(chapter.path / "uk/lib"), "-o", str(exe),
                        *[str(chapter.path / s) for s in sources]],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return exe


def describe(exe: Path, tmp_path: Path, cfg: dict | bytes) -> tuple[int, dict | str]:
    f = tmp_path / "cfg.json"
    f.write_bytes(cfg if isinstance(cfg, bytes) else json.dumps(cfg).encode())
    r = subprocess.run([str(exe), str(f)], capture_output=True, text=True)
    if r.returncode:
        return r.returncode, r.stdout.strip()
    return 0, dict(line.split("=", 1) for line in r.stdout.splitlines())


@pytest.mark.points(2)
def test_vm_config_conversion(chapter, tmp_path):
    """vm_config.c on the host: Rust-Shyper's fields into the description;
    the example configs convert; what hvlab lacks is refused by name."""
    exe = host_build(chapter, tmp_path, "vm_config_dump",
                     ["uk/apps/mvm/test/vm_config_dump.c", "uk/apps/mvm/vm_config.c",
                      "uk/lib/json/json.c"])
    for example in sorted((chapter.path / "uk/apps/mvm/vms").glob("*.json")):
        status, out = describe(exe, tmp_path, example.read_bytes())
        assert status == 0, f"{example.name}: {out}"
    nonce = random.getrandbits(32)
    cfg = hello_config("net-vm", f"nonce={nonce:#x}", cpu={"num": 2, "allocate_bitmap": "0b0110"},
                       emulated_device={"num": 2, "emulated_device_list": [
                           {"name": "virtio_blk@10001000", "base_ipa": "0x10001000",
                            "length": "0x1000", "irq_id": 16, "cfg_num": 2,
                            "cfg_list": [nonce % 4096, "0x800"], "read_only": True,
                            "type": "EMU_DEVICE_T_VIRTIO_BLK_MEDIATED"},
                           {"name": "virtio_net@10002000", "base_ipa": "0x10002000",
                            "length": "0x1000", "irq_id": 17, "cfg_num": 6,
                            "cfg_list": ["0x02", "0x00", "0x5e", "0x10", "0x20", "0x30"],
                            "type": "EMU_DEVICE_T_VIRTIO_NET"}]})
    status, d = describe(exe, tmp_path, cfg)
    assert status == 0, d
    assert d["name"] == "net-vm" and d["cmdline"] == f"nonce={nonce:#x}"
    assert int(d["mem_gpa"], 16) == 0x80000000 and int(d["mem_size"], 16) == 0x400000
    assert int(d["load_gpa"], 16) == int(d["entry_gpa"], 16) == 0x80200000
    assert d["vcpus"] == "2" and int(d["hart_mask"], 16) == 0b0110
    assert int(d["flags"], 16) == 0xf  # disk, read-only, net, mac
    assert d["disk"] == f"{nonce % 4096}+{0x800}" and d["mac"] == "02:00:5e:10:20:30"

    refused = [
        (dict(cfg, dtb_device={"num": 0, "dtb_device_list": []}),
         "vm config: dtb_device: not supported by hvlab"),
        (dict(cfg, cpu={"num": 1, "master": 0}), "vm config: cpu.master: not supported by hvlab"),
        (dict(cfg, image=dict(cfg["image"], device_tree_filename="-")),
         "vm config: image.device_tree_filename: not supported by hvlab"),
        (dict(cfg, vm_color="blue"), "vm config: vm_color: unknown field"),
        (dict(cfg, memory={"region": [{"ipa_start": -1, "length": "0x400000"}]}),
         "vm config: memory.region[0].ipa_start: -1 is not a whole number"),
        (dict(cfg, cmdline="x" * 300), "vm config: cmdline: longer than 255 characters"),
        (dict(cfg, name="a-very-long-vm-name"), "vm config: name: longer than 15 characters"),
        (b'{"name": "x", "name": "y"}', "vm config: name: given twice"),
        (b'{"name": "x"} {}', "vm config: not JSON: line 1 column "),
        (b'{"name": tru}', "vm config: not JSON: line 1 column 10: not a number"),
        (b'[1, 2]', "vm config: not JSON: line 1 column 1: the document is not an object"),
    ]
    for bad, why in refused:
        status, out = describe(exe, tmp_path, bad)
        assert status == 1 and out.startswith(why), f"{bad!r}: {out!r} (expected {why!r})"


@pytest.mark.points(1)
def test_line_editing(chapter, tmp_path):
    exe = host_build(chapter, tmp_path, "line_edit_test",
                     ["uk/lib/shell/test/line_edit_test.c", "uk/lib/shell/line_edit.c"])
    r = subprocess.run([str(exe)], capture_output=True, text=True)
    assert r.returncode == 0 and "line_edit: ok" in r.stdout, r.stdout + r.stderr
