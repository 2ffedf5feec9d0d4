#!/usr/bin/env bash
# For `make run GUEST="a.bin b.bin" [GUEST_INITRD=initrd.gz]`: QEMU's loader
# puts each raw image (and the first VM's initial RAM disk) in host RAM, and
# a vm= token (and a vm1.initrd= word) tells the hypervisor where and how big.
#   guest-args.sh qemu   BASE MEM VCPUS [--initrd FILE] FILE...  -> -device loader,... per file
#   guest-args.sh append BASE MEM VCPUS [--initrd FILE] FILE...  -> vm=@ADDR+SIZE:MEM:VCPUS per
#                                                                   image, vm1.initrd=@ADDR+SIZE
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
stage() { # FILE WORD-FORMAT: one staged file, in the next slot
	local f="$1" size addr
	[ -f "$f" ] || { echo "guest-args: no such file: $f" >&2; exit 1; }
	size=$(stat -c %s "$f")
	[ "$size" -le "$slot" ] || { echo "guest-args: $f is over 64 MiB" >&2; exit 1; }
	addr=$(printf '0x%x' $((base + i * slot)))
	case "$what" in
	qemu) printf -- '-device loader,file=%s,addr=%s,force-raw=on ' "$(realpath "$f")" "$addr" ;;
	append) printf "$2 " "$addr" "$size" ;;
	esac
	i=$((i + 1))
}
for f in "$@"; do
	stage "$f" "vm=@%s+0x%x:$mem:$vcpus"
done
# the hypervisor's word, not the guest's: vm/config.c copies it below the device tree
[ -z "$initrd" ] || stage "$initrd" "vm1.initrd=@%s+0x%x"
