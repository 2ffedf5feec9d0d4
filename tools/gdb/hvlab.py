"""gdb commands for hvlab (sourced from hvlab.gdb).

  pt-walk ROOT VA         walk a Sv39 table from ROOT (physical) for VA
  pt-walk ROOT GPA x4     the same for a G-stage (Sv39x4) table
  pt-walk satp VA         the hypervisor's current table
  pt-walk hgatp GPA       the current guest's G-stage table

The hypervisor maps RAM one to one, so gdb reads table frames by their
physical addresses.
"""

import gdb

FLAGS = "VRWXUGAD"


def flags(pte):
    return "".join(f if pte >> i & 1 else "-" for i, f in enumerate(FLAGS))


def read64(addr):
    return int.from_bytes(gdb.selected_inferior().read_memory(addr, 8).tobytes(), "little")


class PtWalk(gdb.Command):
    """Walk an Sv39 or Sv39x4 page table: pt-walk ROOT|satp|hgatp ADDR [x4]"""

    def __init__(self):
        super().__init__("pt-walk", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        if len(args) < 2:
            raise gdb.GdbError("usage: pt-walk ROOT|satp|hgatp ADDR [x4]")
        x4 = len(args) > 2 and args[2] == "x4"
        if args[0] in ("satp", "hgatp"):
            reg = int(gdb.parse_and_eval(f"${args[0]}")) & ((1 << 64) - 1)
            if reg >> 60 == 0:
                print(f"{args[0]} is Bare: no translation")
                return
            root = (reg & ((1 << 44) - 1)) << 12
            x4 = args[0] == "hgatp"
        else:
            root = int(gdb.parse_and_eval(f"(unsigned long)({args[0]})"))
        va = int(gdb.parse_and_eval(f"(unsigned long)({args[1]})"))
        table = root
        for level in (2, 1, 0):
            bits = 11 if (x4 and level == 2) else 9
            index = (va >> (12 + 9 * level)) & ((1 << bits) - 1)
            pte = read64(table + index * 8)
            print(f"L{level} table 0x{table:x} [{index:4}] = 0x{pte:016x} {flags(pte)}")
            if not pte & 1:
                print("  not mapped")
                return
            pa = (pte >> 10) << 12
            if pte & 0xe:
                size = 1 << (12 + 9 * level)
                print(f"  leaf: 0x{va:x} -> 0x{pa + (va & (size - 1)):x} ({size >> 10} KiB page)")
                return
            table = pa
        print("  malformed: a non-leaf at level 0")


PtWalk()
