# gdb helpers for hvlab, sourced by every chapter's generated gdbinit.
# The hypervisor's symbols are loaded; `break hv_main` then `continue` to
# reach the C entry point of the boot hart.
define hvlab-harts
  info threads
end
document hvlab-harts
List the harts (QEMU shows one gdb thread per hart).
end

# pt-walk (walk Sv39 and Sv39x4 page tables) is in hvlab.py, sourced next.
