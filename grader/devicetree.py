"""Reads a flattened device tree (python3-libfdt) into the figures that the
stage tests compare with what the hypervisor prints."""

from __future__ import annotations

from dataclasses import dataclass

import libfdt


@dataclass
class Device:
    compatible: str
    base: int
    size: int
    irq: int


class DeviceTree:
    def __init__(self, blob: bytes):
        self.fdt = libfdt.Fdt(blob)

    def _cells(self, node: int, name: str, default: int) -> int:
        try:
            return self.fdt.getprop(node, name).as_uint32()
        except libfdt.FdtException:
            return default

    def _reg(self, node: int) -> list[tuple[int, int]]:
        parent = self.fdt.parent_offset(node)
        ac = self._cells(parent, "#address-cells", 2)
        sc = self._cells(parent, "#size-cells", 1)
        raw = bytes(self.fdt.getprop(node, "reg"))
        words = [int.from_bytes(raw[i:i + 4], "big") for i in range(0, len(raw), 4)]
        out = []
        for i in range(0, len(words), ac + sc):
            addr = size = 0
            for w in words[i:i + ac]:
                addr = (addr << 32) | w
            for w in words[i + ac:i + ac + sc]:
                size = (size << 32) | w
            out.append((addr, size))
        return out

    def _nodes(self):
        node = 0
        depth = 0
        while True:
            try:
                node, depth = self.fdt.next_node(node, depth)
            except libfdt.FdtException:
                return
            if depth < 0:
                return
            yield node

    def _prop_str(self, node: int, name: str) -> str | None:
        try:
            return self.fdt.getprop(node, name).as_str()
        except libfdt.FdtException:
            return None

    def _compatibles(self, node: int) -> list[str]:
        try:
            raw = bytes(self.fdt.getprop(node, "compatible"))
        except libfdt.FdtException:
            return []
        return [s.decode() for s in raw.split(b"\0") if s]

    def _device(self, node: int) -> Device:
        base, size = self._reg(node)[0]
        return Device(self._compatibles(node)[0], base, size,
                      self._cells(node, "interrupts", 0))

    def memory(self) -> list[tuple[int, int]]:
        out = []
        for node in self._nodes():
            if self._prop_str(node, "device_type") == "memory":
                out += self._reg(node)
        return out

    def harts(self) -> list[tuple[int, str]]:
        cpus = self.fdt.path_offset("/cpus")
        out = []
        for node in self._nodes():
            if self.fdt.parent_offset(node) != cpus:
                continue
            if self._prop_str(node, "device_type") != "cpu":
                continue
            out.append((self._reg(node)[0][0], self._prop_str(node, "riscv,isa")))
        return out

    def timebase(self) -> int:
        return self._cells(self.fdt.path_offset("/cpus"), "timebase-frequency", 0)

    def compatible(self, name: str) -> list[Device]:
        return sorted((self._device(n) for n in self._nodes() if name in self._compatibles(n)),
                      key=lambda d: d.base)

    def stdout_uart(self) -> Device:
        path = self.fdt.getprop(self.fdt.path_offset("/chosen"), "stdout-path").as_str()
        return self._device(self.fdt.path_offset(path.split(":")[0]))

    def plic(self) -> tuple[Device, int]:
        for compat in ("riscv,plic0", "sifive,plic-1.0.0"):
            for dev in self.compatible(compat):
                node = next(n for n in self._nodes()
                            if compat in self._compatibles(n) and self._reg(n)[0][0] == dev.base)
                return dev, self._cells(node, "riscv,ndev", 0)
        raise AssertionError("no PLIC in the device tree")

    def claims(self, addr: int) -> bool:
        """Whether any node's reg, or any bus's ranges, covers addr."""
        for node in self._nodes():
            try:
                for base, size in self._reg(node):
                    if base <= addr < base + size:
                        return True
            except libfdt.FdtException:
                pass
            try:
                raw = bytes(self.fdt.getprop(node, "ranges"))
            except libfdt.FdtException:
                continue
            child_ac = self._cells(node, "#address-cells", 2)
            parent_ac = self._cells(self.fdt.parent_offset(node), "#address-cells", 2)
            sc = self._cells(node, "#size-cells", 1)
            words = [int.from_bytes(raw[i:i + 4], "big") for i in range(0, len(raw), 4)]
            stride = child_ac + parent_ac + sc
            for i in range(0, len(words) - stride + 1, stride):
                base = size = 0
                for w in words[i + child_ac:i + child_ac + parent_ac]:
                    base = (base << 32) | w
                for w in words[i + child_ac + parent_ac:i + stride]:
                    size = (size << 32) | w
                if base <= addr < base + size:
                    return True
        return False
