"""Stage 6 (ch6-virtio and every later chapter): two unmodified Debian Linux
guests, side by side, use the emulated virtio devices with Linux's own
drivers (virtio_mmio, virtio_blk, virtio_net, ext4: modules of Debian's
kernel, loaded by the project's /init, grader/linux_guest.py).

Each VM's disk is a slice of QEMU's disk image (vmN.disk=START+SIZE), an
ext4 file system made here with a nonce file in it; each VM's network port
is on the switch, whose uplink is QEMU's user network (DHCP, hostfwd).
"""

import re
import time
import urllib.error
import urllib.request

import pytest

from guests import stopped, vm_text
from linux_guest import e2fsprogs, ext4_read, init_line, linux_guest, make_ext4, nonce
from virtio import MODERN, disk_args, free_port, net_args

STAGE = 6

SLICE = 16 << 20  # each VM's disk: an ext4 file system of 16 MiB
LEASES = ("10.0.2.15", "10.0.2.16")  # slirp's first two addresses: which VM gets which is open


def http_get(port: int, path: str = "/", attempts: int = 10) -> str:
    """GET http://127.0.0.1:port/path through QEMU's hostfwd (retried: the
    first SYN may race with the guest's ARP for the gateway)."""
    for i in range(attempts):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
                return r.read().decode(errors="replace")
        except (urllib.error.URLError, OSError, ConnectionError):
            if i == attempts - 1:
                raise
            time.sleep(2)
    raise AssertionError("unreachable")


@pytest.mark.points(6)
def test_two_linux_guests_use_their_disks_and_the_network(chapter, boot, tmp_path):
    """Only working emulated devices produce all of this. The disk: each VM
    prints the nonce file of ITS slice (mounted as ext4 by Linux's virtio_blk
    driver) and writes a file with both nonces that the grader reads back
    from that slice of the image after QEMU exits (so the writes went
    through the mediation to the right sectors and were flushed). The
    network: each VM gets a DHCP lease from QEMU through the switch and the
    uplink, and its busybox httpd answers the grader through hostfwd with a
    page carrying the VM's nonce; both pages must arrive, one per VM."""
    if not (e2fsprogs("mke2fs") and e2fsprogs("debugfs")):
        pytest.fail("mke2fs and debugfs (package e2fsprogs) are needed: tools/deps.sh",
                    pytrace=False)
    guest = linux_guest()
    image = tmp_path / "disk.img"
    nonces = {k: nonce() for k in (1, 2)}
    disk_nonces = {k: nonce() for k in (1, 2)}
    for k in (1, 2):
        make_ext4(image, (k - 1) * SLICE, SLICE, {"hvlab/nonce": disk_nonces[k] + "\n"},
                  tmp_path)
    ports = [free_port() for _ in LEASES]
    words = []
    for k in (1, 2):
        # Generous: the grader powers both off over HTTP once it has its answers.
        words.append(guest.vm_words(k, "192M", 1, nonces[k], poweroff=300))
        words.append(f"vm{k}.disk={(k - 1) * SLICE}+{SLICE}")
    run = boot(mem="1G", smp=2, append=" ".join(words),
               extra=MODERN + disk_args(image) + guest.loader()
               + net_args([(p, addr, 80) for p, addr in zip(ports, LEASES)]))

    # Both VMs through their disk and network steps (in either order).
    leases = {}
    for _ in (1, 2):
        # (a whole line: \n, not $, which would match the end of a line still arriving)
        m = run.expect(r"^\[vm(\d)\] (?:\[ *[\d.]+\] )?hvlab-init: net: ([^\r\n]*)\r?\n", timeout=180)
        k, said = int(m[1]), m[2]
        lease = re.fullmatch(r"eth0 (\S+), httpd on port 80", said)
        assert lease, f"vm{k}: no DHCP lease through the switch ({said!r})"
        leases[k] = lease[1]
    assert sorted(leases.values()) == sorted(LEASES), \
        f"leases {leases}: expected QEMU's first two addresses, one per VM (distinct MACs)"

    for k in (1, 2):
        said = init_line(vm_text(run, k), "disk: /dev/vda ")
        assert said, f"vm{k} found no virtio disk (or could not mount it)"
        assert said[1] == f"ext4, nonce {disk_nonces[k]}", \
            f"vm{k} read {said[1]!r} from its disk: expected the nonce file of its own slice"

    answers = {}
    for port, addr in zip(ports, LEASES):
        answers[addr] = http_get(port).strip()
    for k, addr in leases.items():
        assert answers[addr] == f"hvlab-linux nonce={nonces[k]} address={addr}", \
            f"the page at {addr} (vm{k}'s lease) was {answers[addr]!r}"

    for port in ports:
        http_get(port, "/cgi-bin/poweroff")
    run.wait_clean_exit(120)
    # Linux's drivers are well-behaved guests: nothing they do is abuse.
    assert not re.search(r"^\[hv\] vm\d virtio-\w+: needs reset: .*$", run.output, re.M), \
        "a device of a Linux guest went to DEVICE_NEEDS_RESET"
    for k in (1, 2):
        assert stopped(run, k) == "SBI system reset: shutdown"
        back = ext4_read(image, (k - 1) * SLICE, SLICE, "/hvlab/from-guest", tmp_path)
        assert back is not None, f"vm{k}'s file is not in its slice of the disk image"
        assert back.strip() == f"hvlab-linux nonce={nonces[k]} disk={disk_nonces[k]}", \
            f"vm{k}'s slice holds {back!r}"
