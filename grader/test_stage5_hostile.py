"""Stage 5 (ch5-vgic and every later chapter): interrupt storms.

A hostile VM keeps one of its interrupts pending and enabled in sie but
never takes it (sstatus.SIE clear), and spins: a timer deadline already
past, IPIs between its vCPUs (or to itself) as fast as it can, or its
emulated UART's interrupt line switched on and off as fast as it can
through its vPLIC. Beside it a benign VM (guest/benign.c) computes a
checksum recomputed here from its nonce. However the hypervisor hurries
to deliver the attacker's interrupts, the benign VM must keep a fair
share of the harts: judged by the time on a hart that each vCPU measured
itself and by the time slices that the hypervisor reports for each VM,
relative to the attacker's (benign.assert_fair_share).
"""

import random
import re

import pytest

from benign import assert_fair_share, benign_args, check_benign
from guests import stop_reason, vm_text

STAGE = 5

# (harts, the attacker's vCPUs): alone on one hart, two vCPUs taking turns
# on one hart, two vCPUs on two harts
CONFIGS = [(1, 1), (1, 2), (2, 2)]
CONFIG_IDS = ["1hart-1vcpu", "1hart-2vcpus", "2harts-2vcpus"]


@pytest.mark.points(1)
@pytest.mark.parametrize("harts,vcpus", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("mode", ["timer", "ipi", "plic"])
def test_masked_interrupt_storm_leaves_the_others_their_share(chapter, boot, mode, harts,
                                                               vcpus):
    """The attacker's interrupt stays pending and enabled and is never
    taken, on every one of its vCPUs, for a second; the benign VM beside it
    finishes with the right checksum and at least a third of a fair share."""
    ms, tick_hz = 1000, 100
    nonce = random.getrandbits(64)
    run = boot(mem="256M", smp=harts,
               append=f"tick_hz={tick_hz} vm=irqstorm:16M:{vcpus} vm1.mode={mode} vm1.ms={ms} "
                      f"{benign_args(2, nonce, ms)} run_ms={4 * ms}")
    run.wait_exit(60)
    benign = check_benign(run, 2, nonce)
    out = vm_text(run, 1)
    ran = []
    for v in range(vcpus):
        m = re.search(rf"irqstorm: {mode}, vcpu {v}, (\d+) rounds, ran (\d+) us", out)
        assert m, f"the attacker's vCPU {v} did not finish (stopped: {stop_reason(run, 1)})"
        ran.append(int(m[2]))
    assert_fair_share(run, 2, benign, 1, vcpus, ran)
