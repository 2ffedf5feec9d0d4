"""Reads a flattened device tree into the figures that the stage tests
compare with what the hypervisor prints.

A small reader of the format (Devicetree Specification v0.4, chapter 5:
header, structure block of BEGIN_NODE/PROP/END_NODE tokens, strings block)
rather than python3-libfdt, whose objects crash the interpreter at exit in
pytest-xdist workers.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

FDT_MAGIC = 0xD00DFEED
FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP, FDT_END = 1, 2, 3, 4, 9


@dataclass
class Device:
    compatible: str
    base: int
    size: int
    irq: int


@dataclass
class Node:
    name: str
    parent: "Node | None"
    props: dict[str, bytes] = field(default_factory=dict)
    children: list["Node"] = field(default_factory=list)

    def u32(self, name: str, default: int | None = None) -> int | None:
        raw = self.props.get(name)
        return default if raw is None or len(raw) < 4 else int.from_bytes(raw[:4], "big")

    def string(self, name: str) -> str | None:
        raw = self.props.get(name)
        return None if raw is None else raw.split(b"\0")[0].decode()

    def strings(self, name: str) -> list[str]:
        raw = self.props.get(name, b"")
        return [s.decode() for s in raw.split(b"\0") if s]

    def path(self) -> str:
        if self.parent is None:
            return "/"
        up = self.parent.path()
        return (up if up != "/" else "") + "/" + self.name


def parse(blob: bytes) -> Node:
    magic, _, off_struct, off_strings = struct.unpack_from(">IIII", blob, 0)
    if magic != FDT_MAGIC:
        raise ValueError("not a flattened device tree")
    pos = off_struct
    root: Node | None = None
    current: Node | None = None
    while True:
        (token,) = struct.unpack_from(">I", blob, pos)
        pos += 4
        if token == FDT_BEGIN_NODE:
            end = blob.index(b"\0", pos)
            node = Node(blob[pos:end].decode(), current)
            if current is None:
                root = node
            else:
                current.children.append(node)
            current = node
            pos = (end + 1 + 3) & ~3
        elif token == FDT_END_NODE:
            current = current.parent if current else None
        elif token == FDT_PROP:
            length, name_off = struct.unpack_from(">II", blob, pos)
            pos += 8
            name_end = blob.index(b"\0", off_strings + name_off)
            name = blob[off_strings + name_off:name_end].decode()
            current.props[name] = blob[pos:pos + length]
            pos = (pos + length + 3) & ~3
        elif token == FDT_NOP:
            continue
        elif token == FDT_END:
            return root
        else:
            raise ValueError(f"bad token {token} at {pos - 4}")


class DeviceTree:
    def __init__(self, blob: bytes):
        self.root = parse(blob)

    def nodes(self):
        stack = [self.root]
        while stack:
            node = stack.pop(0)
            yield node
            stack[0:0] = node.children

    def find(self, path: str) -> Node:
        node = self.root
        for part in path.strip("/").split("/"):
            if part:
                node = next(c for c in node.children if c.name == part)
        return node

    @staticmethod
    def reg(node: Node) -> list[tuple[int, int]]:
        parent = node.parent
        ac = parent.u32("#address-cells", 2)
        sc = parent.u32("#size-cells", 1)
        raw = node.props.get("reg", b"")
        words = [int.from_bytes(raw[i:i + 4], "big") for i in range(0, len(raw), 4)]
        out = []
        for i in range(0, len(words) - (ac + sc) + 1, ac + sc):
            addr = size = 0
            for w in words[i:i + ac]:
                addr = (addr << 32) | w
            for w in words[i + ac:i + ac + sc]:
                size = (size << 32) | w
            out.append((addr, size))
        return out

    def _device(self, node: Node) -> Device:
        base, size = self.reg(node)[0]
        return Device(node.strings("compatible")[0], base, size, node.u32("interrupts", 0))

    def memory(self) -> list[tuple[int, int]]:
        return [r for n in self.nodes() if n.string("device_type") == "memory"
                for r in self.reg(n)]

    def harts(self) -> list[tuple[int, str]]:
        cpus = self.find("/cpus")
        return [(self.reg(n)[0][0], n.string("riscv,isa")) for n in cpus.children
                if n.string("device_type") == "cpu"]

    def timebase(self) -> int:
        return self.find("/cpus").u32("timebase-frequency", 0)

    def compatible(self, name: str) -> list[Device]:
        return sorted((self._device(n) for n in self.nodes() if name in n.strings("compatible")),
                      key=lambda d: d.base)

    def stdout_uart(self) -> Device:
        path = self.find("/chosen").string("stdout-path")
        return self._device(self.find(path.split(":")[0]))

    def plic(self) -> tuple[Device, int]:
        for n in self.nodes():
            if {"riscv,plic0", "sifive,plic-1.0.0"} & set(n.strings("compatible")):
                return self._device(n), n.u32("riscv,ndev", 0)
        raise AssertionError("no PLIC in the device tree")

    def claims(self, addr: int) -> bool:
        """Whether any node's reg, or any bus's ranges, covers addr."""
        for node in self.nodes():
            if node.parent is not None and "reg" in node.props:
                if any(base <= addr < base + size for base, size in self.reg(node)):
                    return True
            raw = node.props.get("ranges")
            if not raw or node.parent is None:
                continue
            child_ac = node.u32("#address-cells", 2)
            parent_ac = node.parent.u32("#address-cells", 2)
            sc = node.u32("#size-cells", 1)
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
