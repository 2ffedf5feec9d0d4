"""Stage 1: the debugging path works. `make gdb`'s pieces (QEMU halted with
-S and a gdb stub, the chapter's generated gdbinit) driven by gdb-multiarch
in batch mode stop at the C entry point, where a0 holds the boot hart id."""

import re
import socket
import subprocess

import pytest

from qemu import Machine, QemuRun, timeout_scale

STAGE = 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.points(2)
def test_gdb_stops_at_hv_main(chapter, tmp_path, request):
    port = free_port()
    gdbinit = tmp_path / "gdbinit"
    subprocess.run(["make", "-s", "-C", str(chapter.path), "gdbinit", f"GDB_PORT={port}",
                    f"GDBINIT={gdbinit}"], check=True, capture_output=True)
    assert f"localhost:{port}" in gdbinit.read_text()

    run = QemuRun(chapter.elf, Machine(mem="128M", smp=2), name="qemu-gdb",
                  gdb_port=port, wait_for_gdb=True)
    request.node.hvlab_runs = [run]
    with run:
        gdb = subprocess.run(
            ["gdb-multiarch", "-nx", "-batch", "-x", str(gdbinit),
             "-ex", "break hv_main", "-ex", "continue",
             "-ex", 'printf "HVLAB a0=%lu pc=%#lx\\n", $a0, $pc',
             "-ex", "info symbol $pc", "-ex", "detach"],
            capture_output=True, text=True, timeout=60 * timeout_scale())
        out = gdb.stdout + gdb.stderr
        m = re.search(r"HVLAB a0=(\d+) pc=(0x[0-9a-f]+)", out)
        assert m, f"gdb did not stop at hv_main:\n{out[-2000:]}"
        assert re.search(r"^hv_main in section \.text", out, re.M), out[-2000:]
        # Once detached the hypervisor runs on and names its boot hart.
        line = run.expect(r"\[hv\] .*boot hart (\d+)", timeout=30)
        assert int(line.group(1)) == int(m.group(1)), \
            "a0 at hv_main is not the boot hart id that the hypervisor reports"
        run.wait_clean_exit(30)
