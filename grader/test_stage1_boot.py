"""Stage 1 (ch1-boot and every later chapter): the hypervisor boots on all
harts and reports the machine as the device tree describes it.

The expected figures come from QEMU itself (its dumpdtb for the same -m and
-smp) and from the firmware's own banner, never from the code under test;
memory size and hart count vary between runs, and bootargs carry a nonce.
"""

import re
import secrets

import pytest

STAGE = 1

# 4160 MiB: RAM that ends above 4 GiB needs both cells of a 64-bit size.
MACHINES = [("128M", 1), ("4160M", 2), ("192M", 4)]


def field(run, pattern):
    """The groups of the one hypervisor line matching `pattern`."""
    hits = [m for m in (re.fullmatch(pattern, ln) for ln in run.hv_lines()) if m]
    assert hits, f"no hypervisor line matches /{pattern}/"
    assert len(hits) == 1, f"{len(hits)} lines match /{pattern}/, expected one"
    return hits[0].groups()


@pytest.mark.points(3)
@pytest.mark.parametrize("mem,smp", MACHINES, ids=[f"{m}-smp{s}" for m, s in MACHINES])
def test_memory_and_harts(chapter, boot, device_tree, mem, smp):
    dt = device_tree(mem=mem, smp=smp)
    run = boot(mem=mem, smp=smp)
    run.expect(r"\[hv\] harts online: ", timeout=30)
    status = run.wait_exit(30)

    (ram_base, ram_size), = dt.memory()
    base, size, mib = field(run, r"memory: base 0x([0-9a-f]+) size 0x([0-9a-f]+) \((\d+) MiB\)")
    assert (int(base, 16), int(size, 16)) == (ram_base, ram_size), \
        f"memory: printed base 0x{base} size 0x{size}, the device tree has base " \
        f"0x{ram_base:x} size 0x{ram_size:x}"
    assert int(size, 16) == run.machine.mem_bytes(), "memory size is not what -m gave"
    assert int(mib) == ram_size >> 20, f"memory: {mib} MiB printed for 0x{ram_size:x} bytes"

    # Usable memory: RAM less the reserved regions it printed (OpenSBI's own).
    reserved = [(int(a, 16), int(b, 16)) for a, b in
                (re.fullmatch(r"reserved: 0x([0-9a-f]+)-0x([0-9a-f]+) .*", ln).groups()
                 for ln in run.hv_lines() if ln.startswith("reserved: "))]
    assert reserved, "no reserved region reported (OpenSBI reserves its own memory)"
    for lo, hi in reserved:
        assert ram_base <= lo < hi <= ram_base + ram_size, \
            f"reserved region 0x{lo:x}-0x{hi:x} is not inside RAM"
    usable, = field(run, r"memory: (\d+) KiB usable outside reserved regions")
    expected = (ram_size - sum(hi - lo for lo, hi in reserved)) // 1024
    assert int(usable) == expected, \
        f"{usable} KiB usable printed; RAM less the reserved regions is {expected} KiB"

    harts = dt.harts()
    count, timebase = field(run, r"harts: (\d+), timebase (\d+) Hz")
    assert int(count) == len(harts) == smp, \
        f"{count} harts printed; the device tree has {len(harts)} (-smp {smp})"
    assert int(timebase) == dt.timebase(), \
        f"timebase {timebase} Hz printed; the device tree says {dt.timebase()} Hz"
    for hartid, isa in harts:
        got, = field(run, rf"hart {hartid}: isa (\S+)")
        assert got == isa, f"hart {hartid}: isa {got} printed; the device tree says {isa}"

    boot_hart, = field(run, rf"hvlab {chapter.name}: hypervisor on boot hart (\d+)")
    online = {int(h) for h, in (re.fullmatch(r"hart (\d+) online.*", ln).groups()
                                 for ln in run.hv_lines() if re.fullmatch(r"hart \d+ online.*", ln))}
    assert online == {h for h, _ in harts} - {int(boot_hart)}, \
        "every secondary hart must report itself online, once"
    online_count = field(run, r"harts online: (\d+) of (\d+)")
    assert online_count == (str(smp), str(smp)), \
        f"harts online: {' of '.join(online_count)} printed, expected {smp} of {smp}"
    assert status == 0, f"QEMU exit status {status} after a clean run (expected SRST shutdown)"


@pytest.mark.points(1)
def test_secondary_sent_to_the_boot_entry(chapter, boot, device_tree):
    """OpenSBI before 1.3 can start a secondary hart at the boot hart's entry,
    with the device tree's address as its argument, when the hart calling
    hart_start is held up (a loaded host does that to QEMU's threads).
    hsm_stale makes the hypervisor start every hart that way."""
    dt = device_tree(mem="128M", smp=4)
    run = boot(mem="128M", smp=4, append="hsm_stale")
    run.expect(r"\[hv\] harts online: ", timeout=30)
    status = run.wait_exit(30)
    banners = [ln for ln in run.hv_lines() if re.match(r"hvlab \S+: hypervisor on boot hart", ln)]
    assert len(banners) == 1, f"{len(banners)} harts took the boot path"
    boot_hart = int(re.search(r"on boot hart (\d+)", banners[0])[1])
    online = [int(h) for h in re.findall(r"^\[hv\] hart (\d+) online", run.output, re.M)]
    assert sorted(online) == sorted({h for h, _ in dt.harts()} - {boot_hart}), \
        "every secondary hart must come online, once"
    assert field(run, r"harts online: (\d+) of (\d+)") == ("4", "4")
    assert status == 0, f"QEMU exit status {status} after a clean run"


@pytest.mark.points(2)
def test_devices(chapter, boot, device_tree):
    dt = device_tree(mem="128M", smp=2)
    run = boot(mem="128M", smp=2)
    run.expect(r"\[hv\] bootargs: ")
    uart = dt.stdout_uart()
    compat, ubase, uirq = field(run, r"uart: (\S+) at 0x([0-9a-f]+), irq (\d+), clock \d+ Hz")
    assert (compat, int(ubase, 16), int(uirq)) == (uart.compatible, uart.base, uart.irq), \
        f"uart: {compat} at 0x{ubase}, irq {uirq} printed; the device tree's stdout is " \
        f"{uart.compatible} at 0x{uart.base:x}, irq {uart.irq}"

    plic, ndev = dt.plic()
    _, pbase, psize, sources = field(
        run, r"interrupt controller: (\S+) at 0x([0-9a-f]+) size 0x([0-9a-f]+), (\d+) sources")
    assert (int(pbase, 16), int(psize, 16), int(sources)) == (plic.base, plic.size, ndev), \
        f"interrupt controller at 0x{pbase} size 0x{psize}, {sources} sources printed; the " \
        f"device tree has 0x{plic.base:x} size 0x{plic.size:x}, {ndev} sources"

    slots = dt.compatible("virtio,mmio")
    n, = field(run, r"virtio-mmio: (\d+) slots")
    assert int(n) == len(slots), f"{n} virtio-mmio slots printed; the device tree has {len(slots)}"
    for i, slot in enumerate(slots):
        got = field(run, rf"virtio-mmio {i}: 0x([0-9a-f]+) size 0x([0-9a-f]+) irq (\d+)")
        assert tuple(int(g, 0 if k == 2 else 16) for k, g in enumerate(got)) == \
            (slot.base, slot.size, slot.irq), \
            f"virtio-mmio {i}: 0x{got[0]} size 0x{got[1]} irq {got[2]} printed; the device " \
            f"tree has 0x{slot.base:x} size 0x{slot.size:x} irq {slot.irq}"
    run.wait_exit(30)


@pytest.mark.points(2)
def test_bootargs_nonce(chapter, boot):
    nonce = secrets.token_hex(8)
    append = f"console=hvc0 hvlab.nonce={nonce} quiet"
    run = boot(mem="128M", smp=1, append=append)
    m = run.expect(r"\[hv\] bootargs: \"([^\"\n]*)\"")
    assert m.group(1) == append, f"bootargs: {m.group(1)!r} printed, QEMU passed {append!r}"
    run.wait_clean_exit(30)
    # the words one by one, each printed with %.*s from inside the string
    words = re.findall(r"^\[hv\] bootarg (\d+): (.*)$", run.output, re.M)
    assert words == [(str(i), w) for i, w in enumerate(append.split())], \
        f"bootargs split into {words}, expected the words of {append!r}"


@pytest.mark.points(1)
def test_sbi_matches_firmware_banner(chapter, boot):
    """Spec and implementation versions asked through SBI BASE agree with
    what OpenSBI itself printed in its banner."""
    run = boot(mem="128M", smp=1)
    run.wait_exit(30)
    out = run.output
    fw_version = re.search(r"^OpenSBI v(\d+)\.(\d+)", out, re.M)
    fw_spec = re.search(r"Runtime SBI Version\s*:\s*(\d+)\.(\d+)", out)
    assert fw_version and fw_spec, "no OpenSBI banner in the output"
    spec_major, spec_minor, impl, impl_major, impl_minor = field(
        run, r"sbi: spec v(\d+)\.(\d+), implementation (\S+) \(id 1\) v(\d+)\.(\d+)")
    assert impl == "OpenSBI", f"implementation {impl!r} printed for id 1 (OpenSBI)"
    assert (spec_major, spec_minor) == fw_spec.groups(), \
        f"spec v{spec_major}.{spec_minor} printed; OpenSBI's banner says " \
        f"v{'.'.join(fw_spec.groups())}"
    assert (impl_major, impl_minor) == fw_version.groups(), \
        f"implementation v{impl_major}.{impl_minor} printed; OpenSBI's banner says " \
        f"v{'.'.join(fw_version.groups())}"
    for ext in ("TIME", "IPI", "RFENCE", "HSM", "SRST"):
        got, = field(run, rf"sbi: extension {ext}\s+(present|absent)")
        assert got == "present", f"sbi: extension {ext} {got}; OpenSBI implements it"


@pytest.mark.points(2)
def test_missing_h_extension_fails(chapter, boot):
    run = boot(mem="128M", smp=2, cpu="rv64,h=false")
    run.expect(r"\[hv\] error: .*H extension", timeout=30)
    status = run.wait_exit(30)
    assert status != 0, "a run without the H extension must end with a failure status"
    assert not any(ln.startswith("harts online") for ln in run.hv_lines()), \
        "the hypervisor went on without the H extension"


@pytest.mark.points(1)
def test_every_hypervisor_line_is_prefixed(chapter, boot):
    run = boot(mem="128M", smp=2, append="hvlab.prefix-check")
    run.expect(r"\[hv\] shutdown")
    run.wait_exit(30)
    lines = run.output.splitlines()
    first = next(i for i, ln in enumerate(lines) if ln.startswith("[hv] "))
    stray = [ln for ln in lines[first:]
             if ln.strip() and not re.match(r"\[(hv|vm\d+)\] ", ln)]
    assert not stray, f"lines without the [hv] prefix: {stray[:5]}"


@pytest.mark.points(1)
def test_help_lists_the_parameters(chapter, boot):
    """`help` on the command line lists the hypervisor's parameters, one
    line each (name=default: what it does), and powers off cleanly; a flag
    given as a word is on (hsm_stale here still brings every hart up)."""
    run = boot(mem="128M", smp=2, append="hsm_stale help")
    run.wait_clean_exit(30)
    listed = re.findall(r"^\[hv\]   ([a-z_]+)=(\S*).*: \S", run.output, re.M)
    names = [n for n, _ in listed]
    assert "help" in names and "hsm_stale" in names, \
        f"no 'help' or 'hsm_stale' in the parameter list: {names}"
    assert len(names) == len(set(names)), f"a parameter listed twice: {names}"
