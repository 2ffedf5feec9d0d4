# Build rules shared by every chapter: the toolchain, the flags, libfdt, QEMU.
#
# A chapter Makefile sets CHAPTER and HV_SRCS, includes this file, and gets
# `make`, `make run`, `make gdb`, `make qemu-gdb`, `make test`, `make clean`.

HVLAB_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
BUILD      := build

# Debian's bare-metal toolchain first, the Linux one as a fallback; both can
# build freestanding code since nothing here links a C library or libgcc.
ifeq ($(origin CROSS),undefined)
CROSS := $(shell if command -v riscv64-unknown-elf-gcc >/dev/null 2>&1; then echo riscv64-unknown-elf-; \
	elif command -v riscv64-linux-gnu-gcc >/dev/null 2>&1; then echo riscv64-linux-gnu-; fi)
endif
CC      := $(CROSS)gcc
LD      := $(CROSS)ld
OBJCOPY := $(CROSS)objcopy
OBJDUMP := $(CROSS)objdump
NM      := $(CROSS)nm
AR      := $(CROSS)ar

# The hypervisor never uses floating point (guest FP state is the guest's), so
# build for an integer ABI: the compiler then cannot spill into FP registers.
TARGET_ARCH_FLAGS := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -mno-relax
TARGET_CFLAGS := $(TARGET_ARCH_FLAGS) -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-ffreestanding -fno-builtin -fno-common -fno-pie -fno-stack-protector \
	-fno-omit-frame-pointer -fno-optimize-sibling-calls -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns
TARGET_LDFLAGS := -nostdlib -static -no-pie -Wl,--no-relax -Wl,--build-id=none

# libfdt: compiled once for the target from the sources in linux-source-6.1,
# into a cache that every chapter shares.
LIBFDT_DIR := $(HVLAB_ROOT)/build/third_party/libfdt
LIBFDT_LIB := $(LIBFDT_DIR)/libfdt.a
LIBFDT_INC := $(LIBFDT_DIR)/include

# QEMU: the machine is fixed by the course; memory, harts, the CPU model and
# its properties, and the kernel command line are yours to vary
# (`make run MEM=256M SMP=4 CPU=rv64,sstc=false APPEND="x=1"`); QEMU_EXTRA is
# appended to QEMU's arguments.
QEMU       ?= qemu-system-riscv64
MEM        ?= 128M
SMP        ?= 2
CPU        ?= rv64
APPEND     ?=
QEMU_EXTRA ?=
QEMU_CMD    = $(QEMU) -machine virt -cpu $(CPU) -m $(MEM) -smp $(SMP) -bios default \
	-kernel $(BUILD)/hv.elf -append "$(APPEND)" $(QEMU_EXTRA)
# One gdb port per user, so that two students on one machine do not collide.
GDB_PORT   ?= $(shell echo $$((20000 + $$(id -u) % 10000)))

# hv/arch/trap.S and hv/arch/trap.c may sit side by side: objects keep the suffix.
HV_OBJS := $(patsubst %,$(BUILD)/%.o,$(HV_SRCS))
DEPS    := $(HV_OBJS:.o=.d)

.PHONY: all deps run gdb gdbinit qemu-gdb test clean
all: deps $(BUILD)/hv.elf

deps:
	@$(HVLAB_ROOT)/tools/deps.sh

$(LIBFDT_LIB): $(HVLAB_ROOT)/tools/build-libfdt.sh $(HVLAB_ROOT)/tools/libfdt/libfdt_env.h
	@CC="$(CC)" AR="$(AR)" CFLAGS="$(TARGET_ARCH_FLAGS) -O2 -ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns -fno-pie \
		-fno-stack-protector" $(HVLAB_ROOT)/tools/build-libfdt.sh "$(LIBFDT_DIR)"

HV_CFLAGS := $(TARGET_CFLAGS) -Ihv -I$(LIBFDT_INC) -DHVLAB_CHAPTER='"$(CHAPTER)"'

$(BUILD)/%.c.o: %.c | $(LIBFDT_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -D__ASSEMBLY__ -MMD -MP -c $< -o $@

# HV_EXTRA_OBJS: what a chapter links in besides hv/ (from ch4: the guests).
HV_LINK = $(CC) $(TARGET_CFLAGS) $(TARGET_LDFLAGS) -T hv/hv.ld $(HV_OBJS) $(HV_EXTRA_OBJS) \
	$(LIBFDT_LIB)

ifeq ($(HV_SYMTAB),yes)
# Two passes: the second links in the function table of the first (for
# symbolised backtraces). The table comes last in the image, so the text
# symbols of both passes must agree; the build checks that they do.
SYMTAB := $(HVLAB_ROOT)/tools/gen-symtab.sh
$(BUILD)/hv.elf: $(HV_OBJS) $(HV_EXTRA_OBJS) $(LIBFDT_LIB) hv/hv.ld $(SYMTAB)
	$(SYMTAB) $(NM) /dev/null > $(BUILD)/symtab0.S
	$(CC) $(TARGET_ARCH_FLAGS) -c $(BUILD)/symtab0.S -o $(BUILD)/symtab0.o
	$(HV_LINK) $(BUILD)/symtab0.o -o $(BUILD)/hv.pass1.elf
	$(SYMTAB) $(NM) $(BUILD)/hv.pass1.elf > $(BUILD)/symtab.S
	$(CC) $(TARGET_ARCH_FLAGS) -c $(BUILD)/symtab.S -o $(BUILD)/symtab.o
	$(HV_LINK) $(BUILD)/symtab.o -o $@
	@$(NM) -n $(BUILD)/hv.pass1.elf | awk '$$2 ~ /^[tT]$$/' > $(BUILD)/syms.pass1
	@$(NM) -n $@ | awk '$$2 ~ /^[tT]$$/' > $(BUILD)/syms.pass2
	@cmp -s $(BUILD)/syms.pass1 $(BUILD)/syms.pass2 || \
		{ echo "symbol table: text moved between link passes"; rm -f $@; exit 1; }
	$(OBJDUMP) -d -S $@ > $(BUILD)/hv.asm
	$(NM) -n $@ > $(BUILD)/hv.sym
else
$(BUILD)/hv.elf: $(HV_OBJS) $(HV_EXTRA_OBJS) $(LIBFDT_LIB) hv/hv.ld
	$(HV_LINK) -o $@
	$(OBJDUMP) -d -S $@ > $(BUILD)/hv.asm
	$(NM) -n $@ > $(BUILD)/hv.sym
endif

# `make run`: QEMU, the serial console on this terminal. A chapter whose
# plain `make run` prepares guests first (ch6-virtio: Debian's Linux) names
# its own target in RUN_TARGET, which then runs instead.
ifeq ($(strip $(RUN_TARGET)),)
run: all
	@echo "hvlab: serial console below; Ctrl-A x quits QEMU"
	$(QEMU_CMD) -nographic
else
run: $(RUN_TARGET)
endif

# gdb's start-up script: the image's symbols, the target, hvlab's commands.
GDBINIT ?= $(BUILD)/gdbinit
gdbinit:
	@mkdir -p $(dir $(GDBINIT))
	@printf '%s\n' 'set pagination off' 'set confirm off' 'set architecture riscv:rv64' \
		'file $(CURDIR)/$(BUILD)/hv.elf' 'target remote localhost:$(GDB_PORT)' \
		'source $(HVLAB_ROOT)/tools/gdb/hvlab.gdb' 'source $(HVLAB_ROOT)/tools/gdb/hvlab.py' \
		> $(GDBINIT)

# QEMU waits for gdb; the serial output goes to $(BUILD)/serial.log.
gdb: all gdbinit
	@echo "hvlab: QEMU halted at reset, serial output in $(BUILD)/serial.log (tail -f it)"
	@$(QEMU_CMD) -display none -serial file:$(BUILD)/serial.log -monitor none -S \
		-gdb tcp:localhost:$(GDB_PORT) & qemu=$$!; \
		gdb-multiarch -q -x $(BUILD)/gdbinit; kill $$qemu 2>/dev/null; wait $$qemu 2>/dev/null; true

# QEMU alone, serial on this terminal, waiting for `gdb-multiarch -x build/gdbinit`
# from a second terminal.
qemu-gdb: all gdbinit
	@echo "hvlab: waiting for gdb on port $(GDB_PORT): gdb-multiarch -x $(BUILD)/gdbinit"
	$(QEMU_CMD) -nographic -S -gdb tcp:localhost:$(GDB_PORT)

test: all
	$(MAKE) -C $(HVLAB_ROOT) grade CH=$(CHAPTER)

clean:
	rm -rf $(BUILD)

-include $(DEPS)
