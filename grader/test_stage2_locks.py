"""Stage 2 (ch2-trap and every later chapter): locks that check themselves.

A misused lock ends the run with a panic that names the lock and the hart
that holds it, never with a hang. The misuse of the console lock is the
hard case: the panic that reports it prints through that very lock.
"""

import pytest

STAGE = 2

# bootarg lockcheck=CASE -> (the lock's name, what the panic says about it)
CASES = {
    "relock": ("selftest", r"taken again by the hart that holds it; hart (\d+) holds it"),
    "unlock": ("selftest", r"released by a hart that does not hold it; no hart holds it"),
    "irq": ("selftest_irq", r"taken with interrupts enabled, and interrupt handlers take it too; "
                            r"no hart holds it"),
    "console": ("console", r"taken again by the hart that holds it; hart (\d+) holds it"),
}


@pytest.mark.points(1)
@pytest.mark.parametrize("how", list(CASES))
def test_misused_lock_panics(chapter, boot, how):
    name, what = CASES[how]
    run = boot(mem="128M", smp=2, append=f"lockcheck={how}")
    m = run.expect(rf"\[hv\] panic on hart (\d+): lock {name} at 0x[0-9a-f]+: {what}\n")
    run.expect(r"\[hv\] backtrace:\n\[hv\]\s+#0 ")
    status = run.wait_exit(60)
    assert status != 0, "a panic must end the run with a failure status"
    boot_hart = run.boot_hart()
    assert int(m[1]) == boot_hart, "the panic names the hart that misused the lock"
    if m.lastindex == 2:
        assert int(m[2]) == boot_hart, "the holder named is the hart that holds the lock"
    assert "never printed" not in run.output
