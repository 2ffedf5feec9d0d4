#!/usr/bin/env bash
# For `make run GUEST="a.bin b.bin"`: QEMU's loader puts each raw image in
# host RAM, and a vm= token tells the hypervisor where and how big.
#   guest-args.sh qemu   BASE MEM VCPUS FILE...   -> -device loader,... per image
#   guest-args.sh append BASE MEM VCPUS FILE...   -> vm=@ADDR+SIZE:MEM:VCPUS per image
set -euo pipefail
what="$1" base="$2" mem="$3" vcpus="$4"
shift 4
slot=$((64 << 20)) # room per staged image
i=0
for f in "$@"; do
	[ -f "$f" ] || { echo "guest-args: no such image: $f" >&2; exit 1; }
	size=$(stat -c %s "$f")
	[ "$size" -le "$slot" ] || { echo "guest-args: $f is over 64 MiB" >&2; exit 1; }
	addr=$(printf '0x%x' $((base + i * slot)))
	case "$what" in
	qemu) printf -- '-device loader,file=%s,addr=%s,force-raw=on ' "$(realpath "$f")" "$addr" ;;
	append) printf 'vm=@%s+0x%x:%s:%s ' "$addr" "$size" "$mem" "$vcpus" ;;
	esac
	i=$((i + 1))
done
