"""Stage 6 (ch6-virtio on): every VM's virtio-net card is a port of the
hypervisor's switch (hv/vdev/vnet.c, hv/vdev/vswitch.c), whose uplink is
QEMU's NIC on its user network (restricted: nothing leaves the machine).

The test guest (guest/vnet.c) sends frames whose payload words are
splitmix64 of a nonce that the grader draws, the frame's type, its sender's
station number, its sequence number and the word's index; every receiver
checks each word and prints a checksum of all it received, recomputed here.
Only frames that crossed the switch intact, in order, to the right ports
give those sums. Which port gets what is checked from both ends: a third VM
that must see the broadcasts but none of the unicast frames between the
other two (the switch learned their addresses), and the switch's counters,
printed at the end of the run. From the host side, answers that only QEMU's
user network gives (a DHCP offer with the guest's nonce-derived xid, its
gateway's Ethernet address 52:55:0a:00:02:02) show the uplink works both
ways. A VM that posts no receive buffer has its frames dropped, counted,
while the others go on.
"""

from __future__ import annotations

import random
import re

import pytest

from guests import vm_text
from mix64 import MASK64, rotl64, splitmix64
from qemu import timeout_scale
from virtio import MODERN, net_args

STAGE = 6
HELLO, DATA, ECHO, BYE, BCAST, ACK = range(1, 7)
BURST = 16
MAX_WORDS = (1514 - 14 - 8) // 8
SLIRP_MAC = "52:55:0a:00:02:02"


def word(nonce: int, kind: int, station: int, seq: int, i: int) -> int:
    return splitmix64(nonce ^ kind << 56 ^ station << 48 ^ seq << 32 ^ i)


def words_of(nonce: int, kind: int, seq: int) -> int:
    if kind not in (DATA, ECHO):
        return 4
    return MAX_WORDS if seq == 0 else 5 + splitmix64(nonce ^ seq) % (MAX_WORDS - 4)


def fold(checksum: int, nonce: int, kind: int, station: int, seqs) -> int:
    """guest/vnet.c's checksum over the frames of `kind` from `station`,
    received in the order of seqs."""
    for seq in seqs:
        for i in range(words_of(nonce, kind, seq)):
            checksum = rotl64(checksum, 5) ^ word(nonce, kind, station, seq, i)
    return checksum & MASK64


def derived_mac(vm: int) -> str:
    return f"02:68:76:00:00:{vm:02x}"


def random_mac() -> str:
    """A locally administered station address, not one the switch derives."""
    octets = [0x06 | random.randrange(0, 256) & 0xF8] + [random.randrange(256) for _ in range(5)]
    return ":".join(f"{o:02x}" for o in octets)


def port_counters(run, name: str) -> dict:
    """The switch's line for a port: in, out, waiting, dropped, and each
    drop reason."""
    m = re.search(rf"^\[hv\] switch: {name} port: (\d+) frames in, (\d+) out, (\d+) waiting, "
                  rf"(\d+) dropped(?: \((.*)\))?\r?$", run.output, re.M)
    assert m, f"the switch did not report its {name} port"
    c = {"in": int(m[1]), "out": int(m[2]), "waiting": int(m[3]), "dropped": int(m[4])}
    for part in (m[5] or "").split(", "):
        if part:
            reason, count = part.rsplit(" ", 1)
            c[reason] = int(count)
    assert c["dropped"] == sum(v for k, v in c.items()
                               if k not in ("in", "out", "waiting", "dropped")), c
    return c


def vnet_args(n: int, role: str, nonce: int, extra: str = "") -> str:
    return (f"vm=vnet vm{n}.role={role} vm{n}.nonce={nonce:#x} "
            + " ".join(f"vm{n}.{kv}" for kv in extra.split()))


def check_card(run, n: int, role: str, mac: str) -> None:
    """The hypervisor gave VM n the address, and the guest read it from its
    card's configuration space, link up."""
    assert re.search(rf"^\[hv\] vm{n} virtio-net: mac {mac}\b", run.output, re.M), \
        f"the hypervisor did not give vm{n} the address {mac}"
    assert f"vnet: {role}: mac {mac}, link up" in vm_text(run, n), \
        f"vm{n} did not read {mac} (link up) from its card:\n{vm_text(run, n)}"


@pytest.mark.points(4)
def test_vms_exchange_frames_through_the_switch(chapter, boot):
    """vm1 and vm2 greet each other and vm3 with broadcasts, then vm1 sends
    16 frames (up to full size) to vm2's address, each answered; then 32
    broadcasts. vm2's address is set on the command line (vm2.mac=), the
    others are derived from their ids. Every frame's words and the
    receivers' checksums are right; vm3 receives every broadcast and none
    of the unicast frames (the switch had learned both addresses from the
    greetings); no frame comes back to its sender."""
    nonce = random.getrandbits(62)
    frames, bcast = 16, 2 * BURST
    mac2 = random_mac()
    stations = "stations=0xe"
    run = boot(mem="256M", smp=2, extra=MODERN + net_args(),
               append=f"selftest=off {vnet_args(1, 'ping', nonce, f'{stations} frames={frames} bcast={bcast}')} "
                      f"{vnet_args(2, 'pong', nonce, f'{stations} mac={mac2}')} "
                      f"{vnet_args(3, 'watch', nonce, stations)}")
    run.wait_clean_exit(60)
    mac1, mac3 = derived_mac(1), derived_mac(3)
    check_card(run, 1, "ping", mac1)
    check_card(run, 2, "pong", mac2)
    check_card(run, 3, "watch", mac3)

    m = re.search(r"vnet: ping: (\d+) DATA sent to (\S+), (\d+) ECHO checked, checksum (0x[0-9a-f]+),"
                  r" (\d+) BCAST sent, (\d+) bad", vm_text(run, 1))
    assert m, f"vm1 did not finish:\n{vm_text(run, 1)}"
    assert (int(m[1]), m[2], int(m[3]), int(m[5]), int(m[6])) == (frames, mac2, frames, bcast, 0)
    assert int(m[4], 16) == fold(0, nonce, ECHO, 2, range(frames)), "vm1's checksum of the echoes"

    m = re.search(r"vnet: pong: (\d+) DATA from (\S+) checked, (\d+) BCAST checked, checksum "
                  r"(0x[0-9a-f]+), (\d+) bad", vm_text(run, 2))
    assert m, f"vm2 did not finish:\n{vm_text(run, 2)}"
    assert (int(m[1]), m[2], int(m[3]), int(m[5])) == (frames, mac1, bcast, 0)
    expected = fold(fold(0, nonce, DATA, 1, range(frames)), nonce, BCAST, 1, range(bcast))
    assert int(m[4], 16) == expected, "vm2's checksum of the frames from vm1"

    m = re.search(r"vnet: watch: (\d+) BCAST checked, checksum (0x[0-9a-f]+), (\d+) unicast frames "
                  r"for others \((\d+) DATA, (\d+) ECHO\), (\d+) bad", vm_text(run, 3))
    assert m, f"vm3 did not finish:\n{vm_text(run, 3)}"
    assert int(m[4]) + int(m[5]) == 0 and int(m[3]) == 0, \
        f"vm3 received unicast frames between vm1 and vm2: {m[0]}"
    assert (int(m[1]), int(m[6])) == (bcast, 0), m[0]
    assert int(m[2], 16) == fold(0, nonce, BCAST, 1, range(bcast)), "vm3's checksum"
    assert "came back" not in run.output, "a frame was delivered to its own sender"

    # The counters agree: vm3's port got at most the broadcasts of vm1 and
    # vm2 (greetings, BCAST, BYE: all they sent but DATA, ECHO and ACK),
    # fewer when it joined after their first greetings; a frame for a VM
    # that has shut down is dropped ("vm stopped"), and none for another
    # reason.
    c1, c2, c3 = (port_counters(run, f"vm{n}") for n in (1, 2, 3))
    assert c1["in"] >= frames + bcast + 1 and c2["in"] >= frames + bcast // BURST
    broadcasts = c1["in"] - frames + c2["in"] - frames - bcast // BURST
    assert bcast + 1 <= c3["out"] + c3["waiting"] + c3.get("vm stopped", 0) <= broadcasts, \
        f"vm3's port got other than the broadcasts of vm1 and vm2: {c1} {c2} {c3}"
    for c in (c1, c2, c3):
        assert c["dropped"] == c.get("vm stopped", 0), (c1, c2, c3)


@pytest.mark.points(3)
def test_dhcp_offer_and_arp_reply_through_the_uplink(chapter, boot):
    """Two VMs ask QEMU's user network for an address (DHCP DISCOVER, the
    xid from each one's nonce) and for the gateway's Ethernet address (ARP
    for 10.0.2.2): each gets an offer of its own (10.0.2.15 on, one per
    card address) with its xid, from 10.0.2.2, and the reply
    52:55:0a:00:02:02. Only frames that went out through the uplink and
    came back through the switch to the right port carry those."""
    nonces = [random.getrandbits(62) for _ in range(2)]
    run = boot(mem="256M", smp=2, extra=MODERN + net_args(),
               append=f"selftest=off {vnet_args(1, 'dhcp', nonces[0])} "
                      f"{vnet_args(2, 'dhcp', nonces[1])}")
    run.wait_clean_exit(60)
    offers = []
    for n, nonce in ((1, nonces[0]), (2, nonces[1])):
        check_card(run, n, "dhcp", derived_mac(n))
        out = vm_text(run, n)
        m = re.search(r"vnet: dhcp: offer 10\.0\.2\.(\d+) from 10\.0\.2\.2 \((\S+)\), xid (0x[0-9a-f]+)",
                      out)
        assert m, f"vm{n} got no DHCP offer:\n{out}"
        xid = splitmix64(nonce ^ 0xD4C9) & 0xFFFFFFFF
        assert int(m[3], 16) == xid, f"vm{n}'s offer is not for its xid {xid:#x}"
        assert m[2] == SLIRP_MAC and 15 <= int(m[1]) < 31, m[0]
        offers.append(int(m[1]))
        assert f"vnet: arp: 10.0.2.2 is at {SLIRP_MAC}" in out, f"vm{n} got no ARP reply:\n{out}"
    assert offers[0] != offers[1], f"both VMs were offered 10.0.2.{offers[0]}"
    uplink = port_counters(run, "uplink")
    assert uplink["in"] >= 4 and uplink["out"] >= 4, uplink


@pytest.mark.points(3)
def test_a_vm_without_receive_buffers_loses_only_its_own_frames(chapter, boot):
    """vm1 sets up its card but never posts a receive buffer. vm2 and vm3
    greet each other, exchange 16 frames and 128 broadcasts, which reach
    vm1's port too: it keeps 64 of the frames flooded to it and drops the
    others, counted as "queue full"; vm2 and vm3 finish with the right
    checksums and lose nothing."""
    nonce = random.getrandbits(62)
    frames, bcast = 16, 8 * BURST
    run_ms = int(4000 * timeout_scale())
    run = boot(mem="256M", smp=2, extra=MODERN + net_args(),
               append=f"selftest=off {vnet_args(1, 'deaf', nonce, f'ms={run_ms * 2}')} "
                      f"{vnet_args(2, 'ping', nonce, f'frames={frames} bcast={bcast}')} "
                      f"{vnet_args(3, 'pong', nonce)} run_ms={run_ms}")
    run.wait_clean_exit(60 + run_ms / 1000)
    m = re.search(r"vnet: ping: (\d+) DATA sent to \S+, (\d+) ECHO checked, checksum (0x[0-9a-f]+),"
                  r" (\d+) BCAST sent, 0 bad", vm_text(run, 2))
    assert m and (int(m[1]), int(m[2]), int(m[4])) == (frames, frames, bcast), \
        f"vm2 did not finish:\n{vm_text(run, 2)}"
    assert int(m[3], 16) == fold(0, nonce, ECHO, 2, range(frames))
    m = re.search(r"vnet: pong: (\d+) DATA from \S+ checked, (\d+) BCAST checked, checksum "
                  r"(0x[0-9a-f]+), 0 bad", vm_text(run, 3))
    assert m and (int(m[1]), int(m[2])) == (frames, bcast), \
        f"vm3 did not finish:\n{vm_text(run, 3)}"
    assert int(m[3], 16) == fold(fold(0, nonce, DATA, 1, range(frames)), nonce, BCAST, 1,
                                 range(bcast))
    deaf, ping, pong = (port_counters(run, f"vm{n}") for n in (1, 2, 3))
    uplink = port_counters(run, "uplink")
    assert ping["dropped"] == 0 and pong["dropped"] == 0, (ping, pong)
    # Flooded to vm1: every broadcast of vm2 (all it sent but the DATA)
    # and of vm3 (all but the ECHOs and ACKs), and what came from QEMU.
    # vm1 joined the switch before the BCASTs at the latest (they follow 16
    # round trips), maybe after a few greetings.
    flooded = ping["in"] - frames + pong["in"] - frames - bcast // BURST
    assert deaf["out"] == 0 and deaf["waiting"] == 64, deaf
    assert bcast + 1 <= 64 + deaf.get("queue full", 0) <= flooded + uplink["in"], \
        (deaf, ping, pong)
    assert deaf["dropped"] == deaf["queue full"], deaf


@pytest.mark.points(2)
def test_a_rude_driver_breaks_only_its_own_card(chapter, boot):
    """vm1 sends a 10-byte frame, a 1600-byte one and one whose source
    address is QEMU's gateway's, not its own: the switch drops them,
    counted on vm1's port ("runt", "oversized", "bad source"), and learns
    nothing from the third, so vm2's frames for the gateway still go to
    the uplink; then a transmit
    chain that the device may write, which the device refuses: it needs a
    reset, and says why. vm1 resets it and gets its DHCP offer and ARP
    reply through it; vm2 beside it gets its own, untroubled."""
    nonces = [random.getrandbits(62) for _ in range(2)]
    run = boot(mem="256M", smp=2, extra=MODERN + net_args(),
               append=f"selftest=off {vnet_args(1, 'rude', nonces[0])} "
                      f"{vnet_args(2, 'dhcp', nonces[1])}")
    run.wait_clean_exit(60)
    assert re.search(r"^\[hv\] vm1 virtio-net: needs reset: transmit chain \d+: "
                     r"device-writable buffers", run.output, re.M), \
        "vm1's device did not say it needs a reset, and why"
    assert not re.search(r"^\[hv\] vm2 virtio-net: needs reset", run.output, re.M)
    out = vm_text(run, 1)
    assert "vnet: rude: a writable transmit buffer: the device needs a reset" in out, out
    assert "vnet: rude: reset, the device works again" in out, out
    for n, nonce in ((1, nonces[0]), (2, nonces[1])):
        out = vm_text(run, n)
        xid = splitmix64(nonce ^ 0xD4C9) & 0xFFFFFFFF
        assert re.search(rf"vnet: dhcp: offer 10\.0\.2\.\d+ from 10\.0\.2\.2 \({SLIRP_MAC}\), "
                         rf"xid {xid:#010x}", out), f"vm{n} got no offer for its xid:\n{out}"
        assert f"vnet: arp: 10.0.2.2 is at {SLIRP_MAC}" in out, f"vm{n}: no ARP reply:\n{out}"
    c1 = port_counters(run, "vm1")
    assert c1.get("runt") == 1 and c1.get("oversized") == 1, c1
    assert c1.get("bad source") == 1, f"a frame with another's source address not dropped: {c1}"
