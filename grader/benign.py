"""The benign VM that hostile guests run beside (guest/benign.c), and what
the grader asks of it: its checksum, recomputed here from the nonce it was
given, and its share of the harts, judged from the time on a hart that
each vCPU measured itself and from the time slices that the hypervisor
reports per VM (relative to the hostile VM's, never a rate against the
host's clock).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from guests import stop_reason, time_slices, vm_text
from mix64 import MASK64, rotl64, splitmix64

PRIME = (1 << 61) - 1
MULTIPLIER = 0x2545F4914F6CDD1D % PRIME
STEPS = 4096  # guest/benign.c's multiplications a round


def checksum(nonce, rounds):
    """guest/benign.c's checksum after `rounds` rounds: round i multiplies
    splitmix64(nonce + i) mod p by MULTIPLIER, STEPS times, modulo p."""
    factor = pow(MULTIPLIER, STEPS, PRIME)
    c = 0
    for i in range(rounds):
        y = splitmix64((nonce + i) & MASK64) % PRIME * factor % PRIME
        c = rotl64(c, 5) ^ y
    return c


def benign_args(n, nonce, ms):
    """The command-line words for a benign VM that is the n-th VM."""
    return f"vm=benign vm{n}.nonce={nonce:#x} vm{n}.ms={ms}"


@dataclass
class Benign:
    rounds: int
    ran_us: int  # time on a hart, as it measured it
    elapsed_us: int


def check_benign(run, n, nonce):
    """VM n, the benign one, finished its work with the right checksum and
    shut itself down."""
    out = vm_text(run, n)
    m = re.search(r"benign: (\d+) rounds, checksum 0x([0-9a-f]+), ran (\d+) of (\d+) us", out)
    assert m, f"the benign VM (vm{n}) did not finish: stopped: {stop_reason(run, n)}"
    rounds = int(m[1])
    assert rounds > 0, "the benign VM did not complete a single round"
    assert int(m[2], 16) == checksum(nonce, rounds), \
        f"the benign VM's checksum after {rounds} rounds is wrong: its memory or registers changed"
    assert stop_reason(run, n) == "SBI system reset: shutdown"
    return Benign(rounds, int(m[3]), int(m[4]))


def assert_fair_share(run, benign_vm, benign, hostile_vm, hostile_vcpus, hostile_ran_us):
    """The benign VM (one vCPU) kept a fair share of the harts beside the
    hostile VM's vCPUs, each of which wants a hart all the time. A fair
    share is what round robin over every vCPU gives (a scheduler fair per
    VM gives the benign VM more). Judged two ways, each relative to the
    hostile VM in the same run, so that a loaded host, which slows every
    vCPU alike, cannot break it:
      - its time on a hart against the hostile vCPUs' (each vCPU measured
        its own, guest/lib/guest.h run_clock): at least a third of a fair
        share;
      - its time slices against the hostile VM's (the hypervisor's
        counts): at least a quarter of a fair share, since the count also
        has the short slices of vCPUs that preempt one another.
    (Not against the ticks in the run: a host that deschedules QEMU for a
    while delivers fewer slices than ticks, to every VM.) A starved VM gets
    a few percent of either."""
    vcpus = 1 + hostile_vcpus
    total = benign.ran_us + sum(hostile_ran_us)
    fair_ran = total / vcpus
    assert benign.ran_us >= fair_ran / 3, (
        f"the benign VM had a hart for {benign.ran_us} us, the hostile vCPUs for "
        f"{hostile_ran_us} us: a fair share is about {fair_ran:.0f} us")
    mine, theirs = time_slices(run, benign_vm), time_slices(run, hostile_vm)
    fair = (mine + theirs) / vcpus
    assert mine >= fair / 4, (
        f"the benign VM got {mine} time slices and the hostile one {theirs} "
        f"({hostile_vcpus} vCPUs): a fair share is about {fair:.0f}")
