"""Stage 7: the library OS's network stack (uk/lib/net) and the httpd app
(uk/apps/httpd).

The stack's core also compiles on the host: uk/lib/net/test/harness.c joins
two stacks through an in-memory link that loses, duplicates and reorders
frames as a seed says, under a fake clock, and checks the handshake (and a
wrong ACK refused in SYN-RECEIVED), data both ways with retransmissions,
the receive window respected, several connections, FIN both ways and a
simultaneous close, RST from a closed port, the retransmission timer's
backoff, ARP, ICMP echo and DHCP against a scripted server. The test
compiles it with the host's gcc and runs it on fixed seeds: deterministic.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

STAGE = 7
HARNESS_SEEDS = (1, 2, 3)


def test_net_stack_host_harness(chapter, tmp_path):
    """The stack's core against itself through a lossy link (see above)."""
    test_dir = chapter.path / "uk" / "lib" / "net" / "test"
    if not shutil.which("gcc"):
        pytest.skip("no host gcc")
    r = subprocess.run(["make", "-s", "-C", str(test_dir), f"BUILD={tmp_path}", "CC=gcc",
                        f"SEEDS={' '.join(map(str, HARNESS_SEEDS))}", "run"],
                       capture_output=True, text=True, timeout=600)
    out = r.stdout + r.stderr
    assert r.returncode == 0, f"the host harness failed:\n{out[-4000:]}"
    for seed in HARNESS_SEEDS:
        assert f"passed: 0 failures (seed {seed})" in out, out[-4000:]
    for check in ("arp_icmp", "handshake", "syn_received", "rst_closed_port", "window",
                  "lossy_transfer", "fin_both_ways", "many_connections", "simultaneous_close",
                  "rto_backoff", "dhcp"):
        assert out.count(f"ok {check}") == len(HARNESS_SEEDS), f"{check} did not pass:\n{out}"
