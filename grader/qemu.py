"""The one QEMU runner that every test uses.

A run boots a chapter's hypervisor image on `qemu-system-riscv64 -machine virt`
with the memory, harts and kernel command line that the test chooses, and
collects the serial output in the background. A test waits for output with
`expect`, types with `send`, and ends with `wait_exit`. Failures say which of
four things went wrong: QEMU did not answer in time (QemuTimeout), QEMU
exited before the expected output (QemuExited), the hypervisor panicked
(QemuPanicked: the runner stops waiting as soon as the panic's report is
complete, or the output says the run ended, instead of waiting for a
timeout), or the output was wrong (a plain assertion in the test).
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

QEMU = os.environ.get("QEMU", "qemu-system-riscv64")


def timeout_scale() -> float:
    """HVLAB_TIMEOUT_SCALE stretches every timeout (slow or loaded machines)."""
    try:
        return max(0.1, float(os.environ.get("HVLAB_TIMEOUT_SCALE", "1")))
    except ValueError:
        return 1.0


class QemuError(AssertionError):
    """Base of the runner's failures; an AssertionError so pytest shows it plainly."""


class QemuTimeout(QemuError):
    pass


class QemuExited(QemuError):
    pass


class QemuPanicked(QemuError):
    pass


# The first line of a hypervisor panic, and the lines that say that the run
# is over (the panic's report is complete, or the power-off itself failed).
PANIC_RE = re.compile(r"^\[hv\] panic (?:on hart|during panic|in assembly)\b.*$", re.M)
RUN_ENDED_RE = re.compile(
    r"^\[hv\] (?:panic: end of report|panic during panic|poweroff: SBI SRST failed).*$", re.M)
# After the run said it ended, QEMU should exit almost at once.
POWEROFF_GRACE = 5.0


@dataclass
class Machine:
    """The QEMU machine a run boots on: what the grader varies."""

    mem: str = "128M"
    smp: int = 2
    cpu: str = "rv64"
    append: str = ""
    extra: list[str] = field(default_factory=list)

    def args(self) -> list[str]:
        return [
            "-machine", "virt", "-cpu", self.cpu, "-m", self.mem, "-smp", str(self.smp),
            "-bios", "default",
        ] + list(self.extra)

    def mem_bytes(self) -> int:
        units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
        m = re.fullmatch(r"(\d+)([KMG]?)", self.mem.upper())
        assert m, f"bad memory size {self.mem}"
        return int(m.group(1)) * units.get(m.group(2), 1 << 20)


def icount(shift: int) -> list[str]:
    """QEMU's arguments (Machine.extra) for a run whose `time` follows the
    instructions executed, 2^shift ns each, not the host's clock: how many
    ticks a window holds, how long a guest sleeps and how many slices a
    spinner gets depend on the run alone, however loaded the host is.
    sleep=off skips the time that every hart spends idle in WFI."""
    return ["-icount", f"shift={shift},sleep=off"]


class QemuRun:
    """One QEMU process with its serial console on a pipe."""

    def __init__(self, kernel: Path, machine: Machine, name: str = "qemu",
                 gdb_port: int | None = None, wait_for_gdb: bool = False):
        self.kernel = Path(kernel)
        self.machine = machine
        self.name = name
        self.cmd = [QEMU] + machine.args() + [
            "-kernel", str(self.kernel), "-append", machine.append,
            "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot",
        ]
        if gdb_port is not None:
            self.cmd += ["-gdb", f"tcp:127.0.0.1:{gdb_port}"]
        if wait_for_gdb:
            self.cmd += ["-S"]
        self._buf = bytearray()
        self._arrivals: list[tuple[int, float]] = []  # (bytes so far, when)
        self._cond = threading.Condition()
        self._pos = 0  # where the next expect() starts looking
        self.proc: subprocess.Popen | None = None
        self.returncode: int | None = None
        self.started = 0.0
        self.ended_at: float | None = None  # when the output said the run was over

    # -- life cycle -------------------------------------------------------

    def start(self) -> "QemuRun":
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True)
        threading.Thread(target=self._reader, daemon=True).start()
        return self

    def _reader(self) -> None:
        assert self.proc and self.proc.stdout
        fd = self.proc.stdout.fileno()
        while True:
            chunk = os.read(fd, 4096)
            with self._cond:
                if not chunk:
                    self.returncode = self.proc.wait()
                    self._cond.notify_all()
                    return
                start = max(0, len(self._buf) - 200)
                self._buf += chunk
                now = time.monotonic()
                self._arrivals.append((len(self._buf), now))
                if self.ended_at is None and RUN_ENDED_RE.search(
                        self._buf[start:].decode("utf-8", "replace").replace("\r\n", "\n")):
                    self.ended_at = now
                self._cond.notify_all()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()

    def __enter__(self) -> "QemuRun":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.kill()

    # -- output -----------------------------------------------------------

    @property
    def output(self) -> str:
        with self._cond:
            return self._buf.decode("utf-8", "replace").replace("\r\n", "\n")

    def hv_lines(self) -> list[str]:
        """The hypervisor's lines, without the "[hv] " prefix."""
        return [ln[5:] for ln in self.output.splitlines() if ln.startswith("[hv] ")]

    def boot_hart(self) -> int:
        """The hart that the hypervisor's banner names as its boot hart."""
        m = re.search(r"hypervisor on boot hart (\d+)", self.output)
        assert m, "no '[hv] hvlab <chapter>: hypervisor on boot hart N' banner in the output"
        return int(m[1])

    def first_panic(self) -> str | None:
        """The first line of the first hypervisor panic, if there was one."""
        m = PANIC_RE.search(self.output)
        return m.group(0) if m else None

    def _describe(self) -> str:
        tail = "\n".join(self.output.splitlines()[-15:])
        return f"{self.name}: {shlex.join(self.cmd)}\n--- last serial lines ---\n{tail}"

    def expect(self, pattern: str, timeout: float = 30) -> re.Match:
        """Waits for `pattern` (a regex, multiline) in output that follows the
        previous match; returns the match."""
        __tracebackhide__ = True  # a failure points at the test's line
        regex = re.compile(pattern, re.MULTILINE)
        deadline = time.monotonic() + timeout * timeout_scale()
        with self._cond:
            while True:
                text = self._buf.decode("utf-8", "replace").replace("\r\n", "\n")
                m = regex.search(text, self._pos)
                if m:
                    self._pos = m.end()
                    return m
                if self.returncode is not None:
                    raise QemuExited(
                        f"QEMU exited early (status {self.returncode}) before printing "
                        f"/{pattern}/{self._panic_note()}\n{self._describe()}")
                if self.ended_at is not None:
                    raise QemuPanicked(
                        f"the run ended before printing /{pattern}/"
                        f"{self._panic_note()}\n{self._describe()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise QemuTimeout(
                        f"timeout: no /{pattern}/ within {timeout * timeout_scale():.0f}s\n"
                        f"{self._describe()}")
                self._cond.wait(min(left, 0.5))

    def arrival_time(self, pattern: str) -> float:
        """When (time.monotonic) the first match of `pattern` had fully
        arrived on the serial line: for checks against the wall clock."""
        with self._cond:
            raw = bytes(self._buf)
        m = re.search(pattern.encode(), raw, re.MULTILINE)
        assert m, f"no /{pattern}/ in the output"
        for count, when in self._arrivals:
            if count >= m.end():
                return when
        raise AssertionError("arrival time unknown")

    def send(self, text: str, char_delay: float = 0.0) -> None:
        """Types into the serial console."""
        assert self.proc and self.proc.stdin
        for ch in text.encode() if char_delay else [text.encode()]:
            data = bytes([ch]) if isinstance(ch, int) else ch
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
            if char_delay:
                time.sleep(char_delay)

    def wait_clean_exit(self, timeout: float = 30) -> None:
        """wait_exit() for a run that must end with a clean SRST shutdown."""
        __tracebackhide__ = True
        status = self.wait_exit(timeout)
        assert status == 0, (
            f"QEMU exit status {status}: the run must end with a clean SBI shutdown (status 0)"
            f"{self._panic_note()}")

    def wait_exit(self, timeout: float = 30) -> int:
        """Waits for QEMU to end by itself (SBI shutdown) and returns its
        status; a run that does not end in time is killed and reported."""
        __tracebackhide__ = True
        deadline = time.monotonic() + timeout * timeout_scale()
        with self._cond:
            while self.returncode is None:
                left = deadline - time.monotonic()
                if self.ended_at is not None:
                    left = min(left, self.ended_at + POWEROFF_GRACE * timeout_scale()
                               - time.monotonic())
                if left <= 0:
                    break
                self._cond.wait(min(left, 0.5))
        if self.returncode is None and self.ended_at is not None:
            self.kill()
            raise QemuPanicked(
                f"the run ended{self._panic_note()}, but QEMU did not exit within "
                f"{POWEROFF_GRACE * timeout_scale():.0f}s (the power-off did not happen)\n"
                f"{self._describe()}")
        if self.returncode is None:
            self.kill()
            raise QemuTimeout(
                f"timeout: QEMU still running after {timeout * timeout_scale():.0f}s "
                f"(no shutdown)\n{self._describe()}")
        return self.returncode

    def _panic_note(self) -> str:
        line = self.first_panic()
        return f" (the hypervisor panicked: {line})" if line else ""

    def log_text(self) -> str:
        status = "running" if self.returncode is None else f"exit status {self.returncode}"
        return (f"=== {self.name}: {shlex.join(self.cmd)}\n=== {status}, "
                f"{time.monotonic() - self.started:.1f}s\n{self.output}\n")


def dump_dtb(machine: Machine, path: Path) -> bytes:
    """The device tree that QEMU builds for `machine`, as the hypervisor will
    receive it before OpenSBI's additions (QEMU's dumpdtb)."""
    args = machine.args()
    i = args.index("virt")
    args[i] = f"virt,dumpdtb={path}"
    # (no -append: QEMU takes it only with -kernel; bootargs are checked apart)
    cmd = [QEMU] + args + ["-display", "none"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=60)
    return path.read_bytes()
