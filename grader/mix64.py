"""The 64-bit arithmetic that the hypervisor and the guests derive their
values from (splitmix64, the checksums' rotations), recomputed here from
the nonce or seed that the grader gave them."""

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15  # 2^64 / phi, splitmix64's increment


def mix64(z: int) -> int:
    """splitmix64's output function: a 64-bit value scrambled."""
    z &= MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def splitmix64(x: int) -> int:
    """One step of splitmix64 from state x (guest/benign.c, guest/timer.c)."""
    return mix64(x + GOLDEN)


def rotl64(x: int, k: int) -> int:
    return (x << k | x >> (64 - k)) & MASK64
