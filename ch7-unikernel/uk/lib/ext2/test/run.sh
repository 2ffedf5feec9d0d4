#!/bin/sh
# Host test of ext2: images of one directory tree in every layout the
# reader supports (block sizes, revision 0 and 1, 128- and 256-byte
# inodes), each listed by ext2_test and compared with the tree itself.
set -eu
test_bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tree=$work/tree
mkdir -p "$tree/sub/deeper" "$tree/empty"
echo hello >"$tree/a.txt"
: >"$tree/zero"
head -c 700000 /dev/urandom >"$tree/sub/big.bin"  # double indirect with 1 KiB blocks
head -c 5000 /dev/urandom >"$tree/sub/deeper/mid"
truncate -s 300000 "$tree/sparse"                 # holes
i=0
while [ $i -lt 40 ]; do echo "file $i" >"$tree/sub/f$i"; i=$((i + 1)); done  # a directory of several blocks
(cd "$tree" && find . -type f | sed 's|^\./||' | sort | while read -r f; do
	printf '%s %s %s\n' "$f" "$(stat -c %s "$f")" \
		"$(/usr/bin/python3 -c 'import sys,zlib; print("%08x" % zlib.crc32(open(sys.argv[1],"rb").read()))' "$f")"
done) >"$work/expected"
for opts in "-b 1024" "-b 2048 -I 128" "-b 4096" "-b 1024 -r 0"; do
	rm -f "$work/img"
	mke2fs -q -F -t ext2 $opts -d "$tree" "$work/img" 4M >/dev/null 2>&1
	"$test_bin" "$work/img" | sort >"$work/got"
	if ! diff -u "$work/expected" "$work/got"; then
		echo "ext2: FAILED with mke2fs $opts"
		exit 1
	fi
	echo "ext2: mke2fs $opts: $(wc -l <"$work/got") files read back"
done
# Not ext2 as this reader knows it: refused with a reason, no crash.
mke2fs -q -F -t ext4 -d "$tree" "$work/img" 4M >/dev/null 2>&1
if "$test_bin" "$work/img"; then echo "ext2: an ext4 image mounted"; exit 1; fi
head -c 65536 /dev/zero >"$work/img"
if "$test_bin" "$work/img"; then echo "ext2: zeros mounted"; exit 1; fi
echo "ext2: all tests passed"
