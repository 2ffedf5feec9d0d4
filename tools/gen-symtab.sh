#!/usr/bin/env bash
# Emit, as assembly, the table of function symbols of an image for its own
# backtraces:  gen-symtab.sh NM ELF > symtab.S   (ELF may be /dev/null: empty table)
#
# The image is linked twice: first with an empty table, then with the table
# of the first link. The table sits in .hvsyms, after every other section,
# so adding it moves no other symbol and the table stays right.
set -euo pipefail
nm="$1"
elf="$2"
echo '	.section .hvsyms, "a"'
echo '	.balign 8'
echo '	.globl hv_symbol_count, hv_symbols'
if [ "$elf" = /dev/null ]; then
	echo 'hv_symbol_count: .dword 0'
	echo 'hv_symbols:'
	exit 0
fi
"$nm" -n --defined-only "$elf" | awk '
	$2 ~ /^[tT]$/ && $3 !~ /^\.L/ && $3 !~ /^\$/ { addr[n] = $1; name[n] = $3; n++ }
	END {
		printf "hv_symbol_count: .dword %d\n", n
		print "hv_symbols:"
		for (i = 0; i < n; i++) printf "\t.dword 0x%s, .Lname%d\n", addr[i], i
		print "\t.section .hvsyms.str, \"a\""
		for (i = 0; i < n; i++) printf ".Lname%d: .asciz \"%s\"\n", i, name[i]
	}'
