"""Stage 7 (ch7-unikernel on): the library OS's base, its hello and
threads apps.

Every run draws its nonce (and its memory, harts, tick count): the values
the app prints are recomputed here (splitmix64, grader/mix64.py), so a
recorded output cannot pass. The same image boots on OpenSBI directly and
as an hvlab VM, and its output is compared line by line. The image
contents test reads hello's symbol table and link map against the object
files of the components it must not contain (compiled for other apps),
never against a list the build wrote.
"""

from __future__ import annotations

import random
import re
import subprocess

import pytest

from mix64 import MASK64, rotl64, splitmix64
from qemu import icount
from uk import ON, app_boot, app_dir, app_elf, app_image, app_map, app_output, app_text, \
    defined_symbols  # noqa: F401 (app_boot: a fixture)

STAGE = 7
UK_LIB = "uk/lib"


def hello_expected(nonce: int, mem_mib: int, harts: int) -> list[str]:
    lines = ["hello from the hello unikernel", f"hello: nonce={nonce:#x}" if nonce else
             "hello: nonce=0"]
    x = nonce
    for i in range(1, 4):
        x = splitmix64(x)
        lines.append(f"hello: mix{i}={x:016x}")
    lines += [f"hello: memory {mem_mib} MiB at 0x80000000", f"hello: harts {harts}"]
    return lines


def check_hello(lines: list[str], nonce: int, mem_mib: int, harts: int) -> None:
    __tracebackhide__ = True
    want = hello_expected(nonce, mem_mib, harts)
    assert lines[:len(want)] == want, \
        "hello's first lines:\n" + "\n".join(lines[:len(want)]) + "\nexpected:\n" + "\n".join(want)
    assert any(re.fullmatch(r"hello: boot hart \d+", ln) for ln in lines)
    assert "hello: done" in lines


@pytest.mark.points(2)
def test_hello_on_opensbi(chapter, app_boot):
    """hello boots on OpenSBI from a0/a1 and reports the memory and harts of
    QEMU's device tree, and values derived from the command line's nonce."""
    nonce = random.getrandbits(64)
    mib = random.choice([64, 128, 192, 256, 512])
    harts = random.randint(1, 4)
    run = app_boot(app_image(chapter, "hello"), "direct", f"nonce={nonce:#x}",
                   mem=f"{mib}M", smp=harts)
    run.wait_clean_exit(30)
    check_hello(app_output(run, "direct"), nonce, mib, harts)


@pytest.mark.points(2)
def test_hello_as_a_vm(chapter, app_boot):
    """The same image as an hvlab VM: the hypervisor's device tree (the VM's
    memory and vCPUs) and its bootargs (vm1.nonce= becomes nonce=)."""
    nonce = random.getrandbits(64)
    mib = random.choice([16, 32, 64, 96])
    vcpus = random.randint(1, 2)
    run = app_boot(app_image(chapter, "hello"), "hvlab", f"nonce={nonce:#x}", mem=f"{mib}M",
                   smp=vcpus)
    run.wait_clean_exit(30)
    check_hello(app_output(run, "hvlab"), nonce, mib, vcpus)
    assert re.search(r"^\[hv\] vm1 \(image\): stopped: SBI system reset: shutdown$", run.output,
                     re.M), "hello did not power its VM off"


# Lines that may differ between the two runs of one image on the same memory
# and harts, and why:
#   "hello: boot hart N"  OpenSBI picks the boot hart by a lottery among the
#                         harts; hvlab always starts a VM on its vCPU 0.
#   "threads: tick I/N spinner at K", "threads: done after K context switches":
#                         K counts what the spinner did between ticks, which
#                         depends on how many instructions OpenSBI or the
#                         hypervisor spent meanwhile (the tick lines are
#                         compared with K masked).
MAY_DIFFER = [
    (re.compile(r"^(hello: boot hart) \d+$"), r"\1 *"),
    (re.compile(r"^(threads: tick \d+/\d+ spinner at) \d+$"), r"\1 *"),
    (re.compile(r"^(threads: done after) \d+ (context switches)$"), r"\1 * \2"),
]


def comparable(lines: list[str]) -> list[str]:
    out = []
    for ln in lines:
        for regex, repl in MAY_DIFFER:
            ln = regex.sub(repl, ln)
        out.append(ln)
    return out


@pytest.mark.points(3)
@pytest.mark.parametrize("app", ["hello", "threads"])
def test_same_image_same_output(chapter, app_boot, app):
    """One image file, booted on OpenSBI and under hvlab with the same
    memory, harts and arguments, prints the same lines (but MAY_DIFFER's)."""
    image = app_image(chapter, app)
    nonce = random.getrandbits(64)
    mib, harts = random.choice([64, 128]), random.randint(1, 2)
    args = f"nonce={nonce:#x}" + (" ticks=3" if app == "threads" else "")
    outputs = {}
    for on in ON:
        run = app_boot(image, on, args, mem=f"{mib}M", smp=harts, icount=icount(4))
        run.wait_clean_exit(90)
        outputs[on] = app_output(run, on)
    assert outputs["direct"], "no output on OpenSBI"
    assert comparable(outputs["direct"]) == comparable(outputs["hvlab"]), (
        "the same image printed differently:\n--- on OpenSBI\n" + "\n".join(outputs["direct"])
        + "\n--- under hvlab\n" + "\n".join(outputs["hvlab"]))


def threads_result(nonce: int, values: int = 64) -> int:
    """What the consumer folds from the producer's values (apps/threads)."""
    acc, x = 0, nonce
    for _ in range(values):
        x = splitmix64(x)
        acc = rotl64(acc, 7) ^ x
    return acc & MASK64


@pytest.mark.points(4)
@pytest.mark.parametrize("on", ON)
def test_threads_preemption(chapter, app_boot, on):
    """A thread that never yields does not stop the ticker: each tick comes
    after a sleep (the timer wakes it and preempts the spinner), and the
    spinner's count grows between ticks (it runs in between). The values
    passed through the mutex/condition variable mailbox and the semaphore
    give the nonce's result. Under -icount: time is the run's own."""
    nonce = random.getrandbits(64)
    ticks = random.randint(3, 6)
    run = app_boot(app_image(chapter, "threads"), on, f"nonce={nonce:#x} ticks={ticks}",
                   mem="64M", smp=1, icount=icount(4))
    run.wait_clean_exit(120)
    text = app_text(run, on)
    assert "threads: spinner starts (it never yields)" in text, "the spinner never ran"
    counts = [int(c) for c in re.findall(r"^threads: tick \d+/\d+ spinner at (\d+)$", text, re.M)]
    numbers = re.findall(rf"^threads: tick (\d+)/{ticks} ", text, re.M)
    assert numbers == [str(i) for i in range(1, ticks + 1)], \
        f"expected ticks 1..{ticks} in order while the spinner spins, got {numbers}"
    assert all(b > a for a, b in zip(counts, counts[1:])) and counts[0] > 0, \
        f"the spinner did not run between the ticks: its counts {counts}"
    assert f"threads: result={threads_result(nonce):016x}" in text, \
        "wrong result from the producer/consumer threads"
    for who in ("producer", "consumer"):
        assert f"threads: {who} handled 64 values" in text, \
            f"the {who}'s thread-local count is not its own"
    assert re.search(r"^threads: done after \d+ context switches$", text, re.M)


def components(chapter) -> list[str]:
    return sorted(p.parent.name for p in (chapter.path / UK_LIB).glob("*/Kconfig"))


@pytest.mark.points(3)
def test_hello_contains_nothing_else(chapter):
    """hello selects the platform and libc's hooks only: its symbol table
    holds no symbol that the object files of any other component define
    (compiled for the apps that select them: threads has the allocator,
    threads, synchronisation, intc and uart), and no malloc (picolibc's or
    ours). Its image stays under 32 KiB."""
    hello = defined_symbols(app_elf(chapter, "hello"), strong=True)
    found: dict[str, set[str]] = {}
    for comp in components(chapter):
        if comp in ("plat", "libc"):
            continue
        for obj in (chapter.path / "build" / "uk").glob(f"*/obj/lib/{comp}/*.o"):
            found.setdefault(comp, set()).update(defined_symbols(obj, globals_only=True))
    for needed in ("alloc", "alloc_tlsf", "sched", "sync"):
        assert found.get(needed), f"no object files of {needed} (threads selects it): " \
            "the test has nothing to compare with"
    leaked = {comp: sorted(syms & hello) for comp, syms in found.items() if syms & hello}
    assert not leaked, f"hello contains symbols of components it does not select: {leaked}"
    allocators = {"malloc", "free", "calloc", "realloc", "_malloc_r", "__malloc_lock"} & hello
    assert not allocators, f"hello contains an allocator: {sorted(allocators)}"
    link_map = app_map(chapter, "hello").read_text()
    assert not re.search(r"libc\.a\([^)]*malloc[^)]*\)", link_map), \
        "the link map shows picolibc's malloc in hello"
    size = (app_dir(chapter, "hello") / "hello.bin").stat().st_size
    assert size < 32 * 1024, f"hello's image has {size} bytes: more than the 32 KiB goal"


@pytest.mark.points(1)
def test_threads_uses_our_malloc(chapter):
    """threads allocates (stacks, TLS blocks) through alloc's malloc on TLSF;
    picolibc's allocator is not linked in."""
    syms = defined_symbols(app_elf(chapter, "threads"))
    assert {"calloc", "free", "uk_malloc", "uk_thread_create", "uk_context_switch"} <= syms
    link_map = app_map(chapter, "threads").read_text()
    assert re.search(r"^ \.text\.calloc\s+0x[0-9a-f]+\s+0x[0-9a-f]+ \S*/lib/alloc/malloc\.c\.o$",
                     link_map, re.M), "calloc does not come from alloc (lib/alloc/malloc.c)"
    assert not re.search(r"libc\.a\([^)]*malloc[^)]*\)", link_map), \
        "the link map shows picolibc's malloc in threads"


@pytest.mark.points(2)
@pytest.mark.parametrize("on", ON)
def test_threads_reads_the_console_uart(chapter, app_boot, on):
    """With echo=N, threads reads N typed characters through stdin: the
    ns16550 that /chosen/stdout-path names, its receive interrupt through
    the PLIC (intc) waking the reading thread. Under hvlab: the VM's
    emulated UART, which the console gives the input (vm1 has it first)."""
    text = "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(4))
    run = app_boot(app_image(chapter, "threads"), on,
                   f"nonce={random.getrandbits(64):#x} ticks=2 echo={len(text)}", mem="64M")
    run.expect(rf"threads: type {len(text)} characters", timeout=60)
    run.send(text, char_delay=0.05)
    run.wait_clean_exit(60)
    got = re.findall(r"^threads: got (0x[0-9a-f]+) ", app_text(run, on), re.M)
    assert [int(g, 16) for g in got] == [ord(c) for c in text], \
        f"typed {text!r}, the app read {got}"


@pytest.mark.points(2)
@pytest.mark.parametrize("backend", ["alloc_tlsf", "alloc_bump"])
def test_allocator_backends_on_the_host(chapter, tmp_path, backend):
    """Each backend of alloc, compiled for the host with its test
    (uk/lib/alloc/test/alloc_test.c) under AddressSanitizer: random
    allocations and frees, contents checked (no overlap), alignment, the
    arena's bounds; TLSF gives everything back, merged."""
    uk = chapter.path / "uk"
    exe = tmp_path / backend
    frees = "1" if backend == "alloc_tlsf" else "0"
    subprocess.run(["cc", "-std=gnu11", "-O1", "-g", "-Wall", "-Wextra", "-Werror",
                    "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                    f"-I{uk / 'lib'}", f"-DFREES={frees}",
                    str(uk / "lib/alloc/test/alloc_test.c"),
                    *map(str, sorted((uk / "lib" / backend).glob("*.c"))), "-o", str(exe)],
                   check=True, capture_output=True, text=True)
    for _ in range(3):
        seed = random.getrandbits(32)
        r = subprocess.run([str(exe), str(seed)], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0 and "alloc_test: ok" in r.stdout, \
            f"{backend}, seed {seed}:\n{r.stdout}{r.stderr[-2000:]}"
