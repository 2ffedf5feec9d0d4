#!/usr/bin/env bash
# For `make run GUEST="a.bin b.bin" [GUEST_INITRD=initrd.gz]`: QEMU's loader
# puts each raw image (and an initial RAM disk that every one of them gets)
# in host RAM, and a vm= token (and vmN.initrd= words) tells the hypervisor
# where and how big.
#   guest-args.sh qemu   BASE MEM VCPUS [--initrd FILE] FILE...  -> -device loader,... per file
#   guest-args.sh append BASE MEM VCPUS [--initrd FILE] FILE...  -> vm=@ADDR+SIZE:MEM:VCPUS per
#                                                                   image, vmN.initrd=@ADDR+SIZE
set -euo pipefail
what="$1" base="$2" mem="$3" vcpus="$4"
shift 4
initrd=
if [ "${1:-}" = "--initrd" ]; then
	initrd="$2"
	shift 2
fi
slot=$((64 << 20)) # room per staged file
i=0
stage() { # FILE WORD SUFFIX: one staged file, in the next slot; WORD=@ADDR+SIZE[SUFFIX]
	local f="$1" size addr
	[ -f "$f" ] || { echo "guest-args: no such file: $f" >&2; exit 1; }
	size=$(stat -c %s "$f")
	[ "$size" -le "$slot" ] || { echo "guest-args: $f is over 64 MiB" >&2; exit 1; }
	addr=$(printf '0x%x' $((base + i * slot)))
	case "$what" in
	qemu) printf -- '-device loader,file=%s,addr=%s,force-raw=on ' "$(realpath "$f")" "$addr" ;;
	append) printf '%s=@%s+0x%x%s ' "$2" "$addr" "$size" "${3:-}" ;;
	esac
	i=$((i + 1))
}
for f in "$@"; do
	stage "$f" vm ":$mem:$vcpus"
done
# Staged once, every VM's initrd: a word for the hypervisor, not the guest
# (vm/config.c; vm/vm.c copies it below the guest's device tree).
images=$i
if [ -n "$initrd" ]; then
	stage "$initrd" vm1.initrd # QEMU's loader stages it once
	if [ "$what" = append ]; then
		for n in $(seq 2 "$images"); do
			i=$images # the same slot
			stage "$initrd" "vm$n.initrd"
		done
	fi
fi
