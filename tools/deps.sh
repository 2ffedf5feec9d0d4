#!/usr/bin/env bash
# Install what hvlab needs, or say exactly what is missing.
#
#   tools/deps.sh          check, and install what is missing (apt, sudo when not root)
#   tools/deps.sh --check  check only; exit 1 with the list when something is missing
#   tools/deps.sh --list   print the packages, one a line (optional ones marked "?")
#
# Every command that the build, `make run`, `make gdb` and the grader use is
# checked by what it provides (a command or a file), so a machine that has the
# tools from elsewhere is left alone.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
check_only=0
[ "${1:-}" = "--check" ] && check_only=1

# package : what proves it is installed
requirements=(
	"make:cmd:make"
	"qemu-system-misc:cmd:qemu-system-riscv64"
	"opensbi:firmware"
	"gcc-riscv64-unknown-elf:toolchain"
	"binutils-riscv64-unknown-elf:toolchain"
	"gdb-multiarch:cmd:gdb-multiarch"
	"device-tree-compiler:cmd:dtc"
	"linux-source-6.1:file:/usr/src/linux-source-6.1.tar.xz"
	"xz-utils:cmd:xz"
	"e2fsprogs:file:/usr/sbin/mke2fs"
	"gpgv:cmd:gpgv"
	"debian-archive-keyring:file:/usr/share/keyrings/debian-archive-keyring.gpg"
	"python3-pytest:pymod:pytest"
	"clang-format:cmd:clang-format"
	"u-boot-qemu:file:/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"
	"clang:cmd:clang"
	"libclang-rt-14-dev:libfuzzer"
	"python3-kconfiglib:pymod:kconfiglib"
	"picolibc-riscv64-unknown-elf:file:/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs"
	"libjsmn-dev:file:/usr/include/jsmn.h"
)
# Installed when the system has them; the grader runs without.
optional=(python3-pytest-xdist)

have_toolchain() {
	command -v riscv64-unknown-elf-gcc >/dev/null 2>&1 ||
		command -v riscv64-linux-gnu-gcc >/dev/null 2>&1
}

# `-bios default` loads QEMU's copy; Debian's opensbi package provides the other.
have_firmware() {
	[ -e /usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin ] ||
		[ -e /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin ]
}

# `make fuzz`: libFuzzer's runtime, where clang looks for it.
have_libfuzzer() {
	command -v clang >/dev/null 2>&1 &&
		[ -e "$(clang -print-resource-dir)/lib/linux/libclang_rt.fuzzer-$(uname -m).a" ]
}
if [ "${1:-}" = "--list" ]; then
	for req in "${requirements[@]}"; do echo "${req%%:*}"; done
	for pkg in "${optional[@]}"; do echo "$pkg?"; done
	exit 0
fi

missing=()
for req in "${requirements[@]}"; do
	pkg="${req%%:*}"
	rest="${req#*:}"
	kind="${rest%%:*}"
	what="${rest#*:}"
	case "$kind" in
	cmd) command -v "$what" >/dev/null 2>&1 || missing+=("$pkg") ;;
	file)
		# LIBFDT_SRC (tools/build-libfdt.sh) stands in for the Linux sources.
		if [ "$pkg" = linux-source-6.1 ] && [ -n "${LIBFDT_SRC:-}" ]; then continue; fi
		[ -e "$what" ] || missing+=("$pkg")
		;;
	toolchain) have_toolchain || missing+=("$pkg") ;;
	firmware) have_firmware || missing+=("$pkg") ;;
	libfuzzer) have_libfuzzer || missing+=("$pkg") ;;
	pymod) "$here/python.sh" --has "$what" || missing+=("$pkg") ;;
	esac
done

qemu_version_ok() {
	local v major minor
	v="$(qemu-system-riscv64 --version | head -n1 | sed -n 's/.*version \([0-9]*\.[0-9]*\).*/\1/p')"
	major="${v%%.*}"
	minor="${v#*.}"
	if [ -z "$v" ] || [ "$major" -lt 7 ] || { [ "$major" -eq 7 ] && [ "$minor" -lt 2 ]; }; then
		echo "error: hvlab needs QEMU 7.2 or newer; qemu-system-riscv64 reports '${v:-unknown}'." >&2
		echo "       Install a newer qemu-system-misc (Debian 12 or Ubuntu 23.04 and later ship one)." >&2
		return 1
	fi
}

if [ "${#missing[@]}" -eq 0 ]; then
	qemu_version_ok
	exit 0
fi

echo "hvlab: missing packages: ${missing[*]}" >&2
if [ "$check_only" = 1 ]; then
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	cat >&2 <<EOF
hvlab: this system has no apt-get. Install the equivalents of these Debian packages:
    ${missing[*]}
  (QEMU 7.2+ with qemu-system-riscv64, OpenSBI firmware for QEMU virt, a riscv64
   bare-metal GCC and binutils, gdb-multiarch, dtc, Linux 6.1 sources for libfdt
   or set LIBFDT_SRC=<dir with libfdt/*.c>, python3 with pytest,
   clang-format, clang with its libFuzzer runtime) and run the command again.
EOF
	exit 1
fi

sudo=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo="sudo"
	else
		echo "hvlab: not root and no sudo; as root run: apt-get install ${missing[*]}" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
extra=()
for pkg in "${optional[@]}"; do
	if apt-cache show "$pkg" >/dev/null 2>&1; then extra+=("$pkg"); fi
done
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" "${extra[@]}" >/dev/null
echo "hvlab: installed ${missing[*]} ${extra[*]}" >&2
qemu_version_ok
