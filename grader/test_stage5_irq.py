"""Stage 5 (ch5-vgic and every later chapter): interrupts reach guests.

Each test boots the chapter's test guests with values drawn here: a timer
schedule derived from a nonce (recomputed here), priorities, a threshold
and an order of raised lines whose claim sequence is simulated here from
the PLIC specification, characters typed into the real UART, a number of
IPI rounds. Nothing a guest prints is compared with a value it was not
given or could not have measured.
"""

import random
import re

import pytest

from guests import UBOOT, raw_image, time_slices, vm_lines, vm_text
from mix64 import splitmix64
from qemu import icount

STAGE = 5
ESCAPE = "\x1d"  # Ctrl-]: the hypervisor console's key


def timebase(run):
    return int(re.search(r"harts: \d+, timebase (\d+) Hz", run.output)[1])


# -- timers ------------------------------------------------------------------

def timer_offset(nonce, hart, step, tb):
    """guest/timer.c's schedule: 1 ms to 21 ms ahead."""
    return tb // 1000 + splitmix64(nonce ^ (hart << 32) ^ step) % (tb // 50)


@pytest.mark.points(4)
@pytest.mark.parametrize("vtimer", ["sstc", "hvip"])
def test_timer_deadlines_from_a_nonce(chapter, boot, vtimer):
    """Two vCPUs take a schedule of deadlines (derived from the nonce),
    beside a VM that spins, on two harts: they are descheduled and move
    between harts while they wait. Each deadline fires after it passed,
    while the guest still runs its schedule; a deadline moved later before
    it passed never fires. Both ways of delivering the timer: Sstc's
    vstimecmp and the host timer with hvip.VSTIP.

    How late is not graded against a slice: the guest's clock follows the
    host's, which a loaded machine stalls, and a vCPU that spent its slice
    waits for its turn (vm/sched.c). The bound only catches a deadline
    that fired by accident, long after."""
    nonce = random.getrandbits(48)
    tick_hz = 20
    append = (f"tick_hz={tick_hz} vtimer={vtimer} vm=timer:16M:2 vm1.nonce={nonce:#x} "
              f"vm=spin run_ms=4000")
    run = boot(mem="256M", smp=2, append=append)
    run.wait_clean_exit(90)
    if vtimer == "hvip":
        assert "vtimer: the host timer and hvip.VSTIP" in run.output, \
            "with vtimer=hvip the hypervisor must say it uses the host timer and hvip.VSTIP"
    tb = timebase(run)
    window = tb  # one second
    out = vm_text(run, 1)
    for hart in (0, 1):
        for step in range(8):
            m = re.search(rf"timer: vcpu {hart} step {step} offset (\d+) late (-?\d+)", out)
            assert m, f"vcpu {hart} did not report step {step}"
            assert int(m[1]) == timer_offset(nonce, hart, step, tb), \
                f"vcpu {hart} step {step}: not the schedule of nonce {nonce:#x}"
            late = int(m[2])
            assert late >= 0, f"vcpu {hart} step {step}: fired {-late} ticks early"
            assert late < window, \
                f"vcpu {hart} step {step}: {late} ticks late, more than a second"
        # the decoys were moved before they passed: exactly one per step
        assert f"timer: vcpu {hart} done, 8 timer interrupts" in out, out


@pytest.mark.points(3)
def test_wfi_costs_no_time_slices(chapter, boot):
    """A guest that waits in WFI for a timer gives its hart away until the
    timer fires: beside a VM that spins on the one hart, it is scheduled a
    handful of times, the spinner at every tick."""
    ms = random.randint(1500, 2500)
    tick_hz = 100
    run = boot(mem="256M", smp=1,
               append=f"tick_hz={tick_hz} vm=sleep vm1.ms={ms} vm=spin run_ms={ms + 1500}",
               extra=icount(6))
    run.wait_clean_exit(60)
    m = re.search(r"sleep: (\d+) ms asked, woke after (\d+) ms", vm_text(run, 1))
    assert m and int(m[1]) == ms, "the sleeper did not report"
    assert ms <= int(m[2]) < ms + 100, f"woke after {m[2]} ms, asked {ms}"
    sleeper, spinner = time_slices(run, 1), time_slices(run, 2)
    assert sleeper <= 5, f"the sleeping VM took {sleeper} time slices"
    expected = (ms + 1500) * tick_hz // 1000
    assert spinner >= expected // 2, f"the spinner got {spinner} slices of about {expected}"


# -- the vPLIC -----------------------------------------------------------------

def simulate_plic(prio, threshold, raised, repend):
    """The claim sequence that the PLIC specification gives for
    guest/plic.c: (source, pending bits right after its claim) for each
    claim above the threshold, then with threshold 0."""
    level, pending = set(raised), set(raised)
    repend_done = False

    def mask():
        return sum(1 << s for s in pending)

    def phase(thr):
        nonlocal repend_done
        out = []
        while True:
            candidates = [s for s in pending if prio[s] > thr]
            if not candidates:
                return out
            s = max(candidates, key=lambda s: (prio[s], -s))
            pending.discard(s)  # claimed: not pending until completed
            out.append((s, mask()))
            if s == repend and not repend_done:
                repend_done = True  # left high
            else:
                level.discard(s)
            if s in level:  # completed while high: pending again
                pending.add(s)

    first = phase(threshold)
    second = phase(0)
    return first, second, mask()


def claims(text, phase):
    m = re.search(rf"plic: {phase}: claims(.*)", text)
    assert m, f"no claims reported for '{phase}'"
    return [(int(s), int(p, 16)) for s, p in re.findall(r"(\d+)/0x([0-9a-f]+)", m[1])]


@pytest.mark.points(4)
def test_vplic_priority_threshold_claim_complete(chapter, boot):
    """Priorities, a threshold and the order in which the test device's
    lines are raised are drawn here; the guest takes the interrupts and
    records each claim and the pending bits right after it. The sequence
    must be the specification's: highest priority first (lowest id among
    equals), nothing at or below the threshold, a claimed source not
    pending until completed, a level source still high pending again."""
    lines = list(range(1, 9))
    prio = {s: random.randint(0, 7) for s in lines}
    prio[random.choice(lines)] = 0  # "never interrupt"
    a, b = random.sample(lines, 2)
    prio[b] = prio[a] = max(prio[a], 1)  # a tie
    threshold = random.randint(1, 3)
    raised = random.sample(lines, 7)
    # a raised line the threshold alone holds back (priority 1..threshold)
    held = random.choice([s for s in raised if s not in (a, b) and prio[s] != 0])
    prio[held] = random.randint(1, threshold)
    above = [s for s in raised if prio[s] > threshold] or [s for s in raised if prio[s] > 0]
    repend = random.choice(above) if above else 0
    append = (f"vm=plic vm1.prio={','.join(str(prio[s]) for s in lines)} "
              f"vm1.threshold={threshold} vm1.order={','.join(map(str, raised))} "
              f"vm1.repend={repend}")
    run = boot(mem="256M", smp=1, append=append)
    run.wait_clean_exit(60)
    out = vm_text(run, 1)
    first, second, final = simulate_plic(prio, threshold, raised, repend)
    assert f"plic: pending {sum(1 << s for s in raised):#x}" in out, "pending bits after raising"
    assert claims(out, "above the threshold") == first, f"prio {prio}, threshold {threshold}"
    assert claims(out, "threshold 0") == second, f"prio {prio}, after threshold 0"
    total = len(first) + len(second)
    assert (f"plic: finally pending {final:#x}, claim 0, sip.SEIP 0, "
            f"{total} external interrupts") in out


# -- IPIs ----------------------------------------------------------------------

@pytest.mark.points(3)
def test_smp_guest_exchanges_ipis(chapter, boot):
    """Four vCPUs on two harts: in each round vCPU 0 sends one IPI to the
    three others, which wait in WFI and answer with an IPI; then a remote
    fence to all returns once they all did it."""
    rounds = random.randint(3, 9)
    run = boot(mem="256M", smp=2, append=f"vm=ipi:16M:4 vm1.rounds={rounds}")
    run.wait_clean_exit(60)
    out = vm_text(run, 1)
    for v in (1, 2, 3):
        assert f"ipi: vcpu {v} received {rounds}" in out, f"vcpu {v}"
    m = re.search(r"ipi: vcpu 0 received (\d+) answers in (\d+) interrupts", out)
    assert m and int(m[1]) == 3 * rounds, "vcpu 0's answers"
    # One interrupt per answer at most, plus the bell each of the three rings
    # when it stops, which may come before vCPU 0 prints.
    assert 1 <= int(m[2]) <= 3 * rounds + 3, f"{m[2]} IPIs taken for {rounds} rounds"
    assert "ipi: remote sfence.vma error 0" in out, "SBI remote sfence.vma did not succeed"


# -- the console -----------------------------------------------------------------

def word():
    return "".join(random.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=10))


@pytest.mark.points(4)
def test_typed_input_reaches_the_focused_vm(chapter, boot):
    """Two VMs whose guests read their UART only in its interrupt handler.
    What the grader types reaches the VM with the focus, through the real
    UART's interrupt, and comes back echoed; Ctrl-] 2 moves the focus; the
    hypervisor prompt lists the VMs and stops one."""
    run = boot(mem="256M", smp=2, append="vm=echo vm=echo run_ms=60000")
    # both ready, in either order
    run.expect(r"(?s)(?=.*^\[vm1\] echo: ready)(?=.*^\[vm2\] echo: ready)")
    first, second = word(), word()
    run.send(first + "\r", char_delay=0.01)
    run.expect(rf'\[vm1\] echo: got "{first}" after (\d+) interrupts')
    assert first in vm_lines(run, 1), "each byte echoed as it came"
    run.send(ESCAPE + "2")
    run.expect(r"input goes to vm2")
    run.send(second + "\r", char_delay=0.01)
    got = run.expect(rf'\[vm2\] echo: got "{second}" after (\d+) interrupts')
    assert int(got[1]) >= 1, f"vm2 took its input in {got[1]} interrupts"
    assert not any(first in ln for ln in vm_lines(run, 2)), "vm2 got vm1's input"
    assert not any(second in ln for ln in vm_lines(run, 1)), "vm1 got vm2's input"
    run.send(ESCAPE + "h")
    run.expect(r"hv> ")
    run.send("vms\r")
    run.expect(r"vm2 \(echo\): running")
    run.send("stop 2\r")
    run.expect(r"\[hv\] vm2 \(echo\): stopped: stopped from the hypervisor prompt")
    run.send("focus 1\r")
    run.expect(r"input goes to vm1")
    run.send("quit\r")
    run.expect(r'\[vm1\] echo: got "quit"')
    run.wait_clean_exit(30)


@pytest.mark.points(3)
def test_unmodified_uboot_answers_typed_commands(chapter, boot):
    """Debian's U-Boot as a raw guest image, beside another VM: commands
    typed at its prompt run, with arguments drawn here."""
    vm, loader = raw_image(UBOOT, ram="128M")
    run = boot(mem="1G", smp=2, append=f"{vm} vm=hello run_ms=60000", extra=loader)
    run.expect(r"\[vm1\] => ", timeout=60)
    tag = word()
    run.send(f"echo {tag}\r", char_delay=0.01)
    run.expect(rf"\[vm1\] {tag}\s*$")
    x, y = random.getrandbits(24), random.getrandbits(24)
    run.send(f"setexpr v {x:#x} + {y:#x}; echo $v\r", char_delay=0.01)
    run.expect(rf"\[vm1\] {x + y:x}\s*$")
    run.send("poweroff\r")
    run.wait_clean_exit(30)
