# One app's compile and link, once its .config is resolved (see Makefile):
# make -f build.mk APP=NAME APP_DIR=apps/NAME OUT=DIR LIBFDT_DIR=DIR

# The resolved configuration: CONFIG_LIBPLAT=y lines (make syntax already).
include $(APP_DIR)/.config

# Step 2, the selection: component directory lib/DIR <-> CONFIG_LIB<DIR, upper case>.
upper      = $(shell echo '$(1)' | tr a-z A-Z)
COMPONENTS := $(notdir $(patsubst %/Kconfig,%,$(wildcard lib/*/Kconfig)))
SELECTED   := $(strip $(foreach c,$(COMPONENTS),$(if $(filter y,$(CONFIG_LIB$(call upper,$(c)))),$(c))))
SRCS       := $(foreach c,$(SELECTED),$(wildcard lib/$(c)/*.c lib/$(c)/*.S)) \
              $(wildcard $(APP_DIR)/*.c $(APP_DIR)/*.S)
OBJS       := $(patsubst %,$(OUT)/obj/%.o,$(SRCS))

CROSS    ?= riscv64-unknown-elf-
CC       := $(CROSS)gcc
OBJCOPY  := $(CROSS)objcopy
# The hypervisor's target flags (tools/hvlab.mk), with picolibc's headers and
# libraries (its rv64imac/lp64 multilib); sections per function and object so
# that the link keeps only what is reachable.
ARCH     := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -mno-relax
CFLAGS   := $(ARCH) --specs=picolibc.specs -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-fno-common -fno-pie -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections \
	-Ilib -Iinclude -I$(OUT)/include -I$(LIBFDT_DIR)include -DUK_APP_NAME='"$(APP)"'
# The link names the plain ISA string: GCC 12 picks picolibc's rv64imac/lp64
# multilib only from that one. printf is picolibc's integer-only variant
# (no floating point in these images: no double formatting code).
LDFLAGS  := -march=rv64imac -mabi=lp64 -mcmodel=medany --specs=picolibc.specs \
	-DPICOLIBC_INTEGER_PRINTF_SCANF -nostartfiles -static -no-pie -Wl,--no-relax \
	-Wl,--build-id=none -Wl,--gc-sections -Wl,--no-warn-rwx-segments -T lib/plat/uk.ld

.PHONY: all
all: $(OUT)/$(APP).bin

$(if $(filter plat,$(SELECTED)),,$(error $(APP_DIR): every app selects LIBPLAT))

$(OUT)/obj/%.c.o: %.c $(OUT)/include/uk/config.h
	@mkdir -p $(dir $@)
	@echo "  CC      $(APP): $<"
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(OUT)/obj/%.S.o: %.S $(OUT)/include/uk/config.h
	@mkdir -p $(dir $@)
	@echo "  AS      $(APP): $<"
	@$(CC) $(CFLAGS) -D__ASSEMBLY__ -MMD -MP -c $< -o $@

# Step 3, the link. The map says where every symbol came from.
$(OUT)/$(APP).elf: $(OBJS) lib/plat/uk.ld $(LIBFDT_DIR)libfdt.a $(APP_DIR)/.config
	@echo "  LD      $(APP): $@ ($(SELECTED))"
	@$(CC) $(LDFLAGS) -Wl,-Map=$(OUT)/$(APP).map -o $@ $(OBJS) $(LIBFDT_DIR)libfdt.a

$(OUT)/$(APP).bin: $(OUT)/$(APP).elf
	@$(OBJCOPY) -O binary $< $@

-include $(OBJS:.o=.d)
