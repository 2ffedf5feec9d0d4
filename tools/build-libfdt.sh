#!/usr/bin/env bash
# Build libfdt for the target into a cache shared by every chapter:
#   $1/src/      the libfdt sources, extracted once from linux-source-6.1
#   $1/include/  libfdt.h, fdt.h and hvlab's own libfdt_env.h
#   $1/libfdt.a
# CC, AR and CFLAGS come from tools/hvlab.mk. LIBFDT_SRC may name a directory
# that already holds the libfdt sources (for systems without linux-source-6.1).
set -euo pipefail
out="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tarball=/usr/src/linux-source-6.1.tar.xz
mkdir -p "$out"

# Chapters may build in parallel: one builder at a time.
exec 9>"$out/.lock"
flock 9
[ -f "$out/libfdt.a" ] && [ "$out/libfdt.a" -nt "$here/libfdt/libfdt_env.h" ] && exit 0

if [ ! -f "$out/src/fdt.c" ]; then
	rm -rf "$out/src" "$out/extract"
	mkdir -p "$out/src" "$out/extract"
	if [ -n "${LIBFDT_SRC:-}" ]; then
		cp "$LIBFDT_SRC"/*.[ch] "$out/src/"
	else
		[ -f "$tarball" ] || "$here/deps.sh"
		echo "hvlab: extracting libfdt from $tarball (once)"
		tar -xJf "$tarball" -C "$out/extract" --wildcards 'linux-source-6.1/scripts/dtc/libfdt/*'
		cp "$out"/extract/linux-source-6.1/scripts/dtc/libfdt/*.[ch] "$out/src/"
		rm -rf "$out/extract"
	fi
	# Ours replaces the hosted one: it must be found first, and a quoted
	# #include looks in the including file's directory before -I.
	rm -f "$out/src/libfdt_env.h"
fi

rm -rf "$out/include" "$out/obj"
mkdir -p "$out/include" "$out/obj"
cp "$out/src/libfdt.h" "$out/src/fdt.h" "$here/libfdt/libfdt_env.h" "$out/include/"
# fdt_overlay.c needs strtoul and is of no use here.
for f in fdt fdt_ro fdt_rw fdt_sw fdt_wip fdt_strerror fdt_addresses fdt_empty_tree; do
	# shellcheck disable=SC2086
	$CC $CFLAGS -I"$out/include" -c "$out/src/$f.c" -o "$out/obj/$f.o"
done
rm -f "$out/libfdt.a"
$AR rcs "$out/libfdt.a" "$out"/obj/*.o
echo "hvlab: built $out/libfdt.a"
