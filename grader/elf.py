"""Just enough of ELF64 to check a hypervisor image against its own
symbol table: function symbols with their sizes, and the bytes at an
address (to decode the instruction at a reported sepc)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Symbol:
    name: str
    addr: int
    size: int

    def __contains__(self, addr: int) -> bool:
        return self.addr <= addr < self.addr + max(self.size, 1)


class Elf:
    def __init__(self, path: Path):
        self.data = Path(path).read_bytes()
        d = self.data
        assert d[:4] == b"\x7fELF" and d[4] == 2 and d[5] == 1, f"{path}: not an ELF64 LE file"
        (self.entry, self.phoff, self.shoff) = struct.unpack_from("<QQQ", d, 24)
        (_, _, self.phentsize, self.phnum, self.shentsize, self.shnum,
         self.shstrndx) = struct.unpack_from("<IHHHHHH", d, 48)
        self.sections = [struct.unpack_from("<IIQQQQIIQQ", d, self.shoff + i * self.shentsize)
                         for i in range(self.shnum)]
        self.symbols: dict[str, Symbol] = {}
        self.functions: list[Symbol] = []
        for sh in self.sections:
            if sh[1] != 2:  # SHT_SYMTAB
                continue
            strtab = self.sections[sh[6]]
            for off in range(sh[4], sh[4] + sh[5], 24):
                name_off, info, _, _, value, size = struct.unpack_from("<IBBHQQ", d, off)
                end = d.index(b"\0", strtab[4] + name_off)
                name = d[strtab[4] + name_off:end].decode()
                if not name:
                    continue
                sym = Symbol(name, value, size)
                self.symbols.setdefault(name, sym)
                if info & 0xf == 2:  # STT_FUNC
                    self.functions.append(sym)
        self.functions.sort(key=lambda s: s.addr)

    def symbol(self, name: str) -> Symbol:
        assert name in self.symbols, f"no symbol {name} in the image"
        return self.symbols[name]

    def function_at(self, addr: int) -> Symbol | None:
        for sym in self.functions:
            if addr in sym:
                return sym
        return None

    def read(self, addr: int, size: int) -> bytes:
        """Bytes at a virtual address, from the loadable segments."""
        for i in range(self.phnum):
            p_type, _, off, vaddr, _, filesz, _, _ = struct.unpack_from(
                "<IIQQQQQQ", self.data, self.phoff + i * self.phentsize)
            if p_type == 1 and vaddr <= addr and addr + size <= vaddr + filesz:
                return self.data[off + addr - vaddr:off + addr - vaddr + size]
        raise AssertionError(f"0x{addr:x} is not in a loadable segment of the image")
