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

The httpd app runs on OpenSBI directly (QEMU's own virtio-net on its user
network, restricted, with a hostfwd from 127.0.0.1 to the guest's
10.0.2.15:80 after its DHCP lease) and as a VM behind hvlab's switch
(whose uplink is that same user network). Its disk is an ext2 image that
the grader makes from files drawn from a nonce (mke2fs -d), a large one
among them; several clients at once send several requests each on one
keep-alive connection, and every body must be the file's bytes, or for
/mix?x=N splitmix64(nonce ^ N) computed here; unknown paths are 404, a
malformed request 400 (and the connection closed), a head over the bound
431. Nothing is timed: timeouts only bound a run that went wrong.
"""

from __future__ import annotations

import hashlib
import random
import re
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from guests import raw_image
from mix64 import splitmix64
from qemu import Machine, QemuRun, timeout_scale
from virtio import FIRST_LEASE, MODERN, disk_args, free_port, net_args

STAGE = 7
HARNESS_SEEDS = (1, 2, 3)
CLIENTS = 4
REQUESTS_PER_CLIENT = 6
BIG_FILE = 640 * 1024
DISK_BYTES = 8 << 20
SERVING_RE = r"httpd: serving http://(\d+\.\d+\.\d+\.\d+):80/"


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


# -- httpd ------------------------------------------------------------------

def httpd_image(chapter) -> Path:
    """The app's raw image (grader/uk.py's app_image when it exists)."""
    try:
        from uk import app_image
        return app_image(chapter, "httpd")
    except ImportError:
        return chapter.path / "build" / "uk" / "httpd" / "httpd.bin"


def header_max(chapter) -> int:
    """CONFIG_HTTPD_HEADER_MAX from the app's lock file."""
    text = (chapter.path / "uk" / "apps" / "httpd" / ".config").read_text()
    m = re.search(r"^CONFIG_HTTPD_HEADER_MAX=(\d+)$", text, re.M)
    assert m, "uk/apps/httpd/.config has no CONFIG_HTTPD_HEADER_MAX"
    return int(m[1])


def make_site(root: Path, nonce: int) -> dict[str, bytes]:
    """Files drawn from the nonce under root: {url path: bytes}."""
    rng = random.Random(nonce)
    files = {
        "/index.html": f"<html><body>hvlab httpd {nonce:#x}</body></html>\n".encode(),
        "/big.bin": rng.randbytes(BIG_FILE),
        "/empty.txt": b"",
    }
    for i in range(6):
        files[f"/f{i}.txt"] = rng.randbytes(rng.randrange(1, 20000))
    files["/docs/deep/page.html"] = rng.randbytes(rng.randrange(5000, 70000))
    for path, data in files.items():
        p = root / path.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return files


def make_disk(tmp_path: Path, nonce: int) -> tuple[Path, dict[str, bytes]]:
    www = tmp_path / "www"
    files = make_site(www, nonce)
    img = tmp_path / "httpd-disk.img"
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", "-d", str(www), str(img),
                    f"{DISK_BYTES >> 20}M"], check=True, capture_output=True)
    return img, files


class HttpClient:
    """A client on one keep-alive connection, raw enough to send anything."""

    def __init__(self, port: int, timeout: float):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buf += data
        return bool(data)

    def send(self, raw: bytes) -> None:
        self.sock.sendall(raw)

    def get(self, target: str, headers: str = "") -> tuple[int, dict[str, str], bytes]:
        self.send(f"GET {target} HTTP/1.1\r\nHost: hvlab\r\n{headers}\r\n".encode())
        return self.response()

    def response(self) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.buf:
            assert self._fill(), f"connection closed before a response head: {self.buf!r}"
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        m = re.fullmatch(r"HTTP/1\.1 (\d{3}) .*", lines[0])
        assert m, f"not an HTTP/1.1 status line: {lines[0]!r}"
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        assert "content-length" in fields, f"no Content-Length: {lines}"
        length = int(fields["content-length"])
        while len(self.buf) < length:
            assert self._fill(), f"connection closed inside a body ({len(self.buf)}/{length})"
        body, self.buf = self.buf[:length], self.buf[length:]
        return int(m[1]), fields, body

    def closed_by_server(self) -> bool:
        try:
            return not self._fill() and not self.buf
        except ConnectionResetError:
            return True


def mix_body(nonce: int, x: int) -> bytes:
    return f"0x{splitmix64(nonce ^ x):016x}\n".encode()


def client_session(port: int, nonce: int, files: dict[str, bytes], who: int, timeout: float,
                   errors: list[str]) -> None:
    """Several requests on one connection: files, the dynamic answer, a 404."""
    rng = random.Random(nonce ^ who)
    paths = sorted(p for p in files if p != "/big.bin")
    try:
        c = HttpClient(port, timeout)
        for i in range(REQUESTS_PER_CLIENT):
            kind = i % 3
            if kind == 0:
                path = rng.choice(paths)
                status, fields, body = c.get(path)
                want = (200, files[path])
            elif kind == 1:
                x = rng.getrandbits(64)
                path = f"/mix?x={x}"
                status, fields, body = c.get(path)
                want = (200, mix_body(nonce, x))
            else:
                path = f"/missing-{who}-{i}.html"
                status, fields, body = c.get(path)
                want = (404, None)
            if status != want[0] or (want[1] is not None and body != want[1]):
                errors.append(f"client {who}: GET {path}: {status}, {len(body)} bytes "
                              f"(wanted {want[0]}" +
                              (f", {len(want[1])} bytes" if want[1] is not None else "") + ")")
                return
            if fields.get("connection", "").lower() == "close":
                errors.append(f"client {who}: the server closed a keep-alive connection")
                return
        c.close()
    except (OSError, AssertionError) as e:
        errors.append(f"client {who}: {e}")


def exercise_httpd(port: int, nonce: int, files: dict[str, bytes], head_max: int) -> None:
    timeout = 60 * timeout_scale()
    errors: list[str] = []
    clients = [threading.Thread(target=client_session,
                                args=(port, nonce, files, who, timeout, errors))
               for who in range(CLIENTS)]
    for t in clients:
        t.start()
    for t in clients:
        t.join(timeout * 4)
    assert not any(t.is_alive() for t in clients), "a client never finished"
    assert not errors, "\n".join(errors)

    # The large file, then index.html through "/", on one connection.
    c = HttpClient(port, timeout)
    status, _, body = c.get("/big.bin")
    assert status == 200 and len(body) == BIG_FILE, f"/big.bin: {status}, {len(body)} bytes"
    assert hashlib.sha256(body).digest() == hashlib.sha256(files["/big.bin"]).digest(), \
        "/big.bin arrived changed"
    status, _, body = c.get("/")
    assert (status, body) == (200, files["/index.html"]), f"/: {status}"
    # Connection: close is honoured.
    status, fields, body = c.get("/f0.txt", "Connection: close\r\n")
    assert (status, body) == (200, files["/f0.txt"])
    assert fields.get("connection") == "close" and c.closed_by_server(), \
        "Connection: close did not close"
    c.close()

    # Malformed: 400 and the connection closed.
    for raw in (b"GARBAGE\r\n\r\n", b"GET /index.html HTTP/1.1\r\nNo colon here\r\n\r\n",
                b"GET index.html HTTP/1.1\r\n\r\n", b"GET /mix?x=zz HTTP/1.1\r\n\r\n"):
        c = HttpClient(port, timeout)
        c.send(raw)
        status, _, _ = c.response()
        assert status == 400, f"{raw!r} answered {status}, not 400"
        if not raw.startswith(b"GET /mix"):
            assert c.closed_by_server(), f"the connection stayed open after {raw!r}"
        c.close()

    # A head larger than the bound: 431, and the server goes on.
    c = HttpClient(port, timeout)
    c.send(b"GET / HTTP/1.1\r\nX-Filler: " + b"a" * (head_max + 100) + b"\r\n\r\n")
    status, _, _ = c.response()
    assert status == 431, f"an oversized head answered {status}"
    c.close()
    c = HttpClient(port, timeout)
    x = random.Random(nonce).getrandbits(64)
    status, _, body = c.get(f"/mix?x={x:#x}")
    assert (status, body) == (200, mix_body(nonce, x)), "the server after the oversized head"
    c.close()


@pytest.mark.points(2)
def test_httpd_on_opensbi(chapter, tmp_path, request):
    """httpd as a plain kernel of OpenSBI with QEMU's own virtio devices."""
    image = httpd_image(chapter)
    nonce = random.getrandbits(64)
    disk, files = make_disk(tmp_path, nonce)
    port = free_port()
    run = QemuRun(image, Machine(mem="128M", smp=1, append=f"nonce={nonce:#x}",
                                 extra=MODERN + disk_args(disk) +
                                 net_args([(port, FIRST_LEASE, 80)])), name="httpd")
    request.node.hvlab_runs = [run]
    with run:
        m = run.expect(SERVING_RE, timeout=60 * timeout_scale())
        assert m[1] == FIRST_LEASE, f"the lease is {m[1]}, not {FIRST_LEASE}"
        exercise_httpd(port, nonce, files, header_max(chapter))
        assert "httpd: malformed request: 400" in run.output


@pytest.mark.points(2)
def test_httpd_under_hvlab(chapter, boot, tmp_path):
    """The same image as a VM of hvlab: its virtio-net is a port of the
    hypervisor's switch, its disk a slice of QEMU's."""
    image = httpd_image(chapter)
    nonce = random.getrandbits(64)
    disk, files = make_disk(tmp_path, nonce)
    port = free_port()
    vm, loader = raw_image(image, "128M")
    run = boot(mem="1G", smp=2,
               extra=MODERN + disk_args(disk) + net_args([(port, FIRST_LEASE, 80)]) + loader,
               append=f"{vm} vm1.disk=0+{DISK_BYTES:#x} vm1.nonce={nonce:#x}")
    m = run.expect(r"\[vm1\] " + SERVING_RE, timeout=90 * timeout_scale())
    assert m[1] == FIRST_LEASE, f"the lease is {m[1]}, not {FIRST_LEASE}"
    exercise_httpd(port, nonce, files, header_max(chapter))
