#!/usr/bin/env bash
# One target of `make fuzz`: replay its regression inputs and seeds, then
# fuzz it for a fixed time. The output goes to BUILD/NAME.log; on a crash
# the log's end is shown with the input that caused it.
#
#   fuzz/run.sh BUILD NAME SECONDS
set -uo pipefail
build="$1" name="$2" seconds="$3"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$build/$name"
log="$build/$name.log"
crashes="$build/crashes/$name"
work="$build/corpus/$name"
mkdir -p "$crashes" "$work"

fail() {
	echo "fuzz: $name: $1" >&2
	tail -n 40 "$log" | sed 's/^/    /' >&2
	local crash
	crash="$(ls -t "$crashes"/* 2>/dev/null | head -n1)"
	if [ -n "$crash" ]; then
		echo "fuzz: $name: input saved as fuzz/$crash" >&2
		echo "  reproduce: fuzz/$bin fuzz/$crash   (FUZZ_VERBOSE=1 shows the hypervisor's messages)" >&2
		echo "  keep it:   cp fuzz/$crash fuzz/regressions/$name/" >&2
	fi
	exit 1
}

# Every regression input and seed once: a crash among them is a failure
# even before any fuzzing.
inputs=()
for dir in "$here/regressions/$name" "$here/corpus/$name"; do
	[ -d "$dir" ] && while IFS= read -r f; do inputs+=("$f"); done \
		< <(find "$dir" -type f ! -name '*.md' | sort)
done
if [ "${#inputs[@]}" -gt 0 ]; then
	"$bin" -artifact_prefix="$crashes/" "${inputs[@]}" >"$log" 2>&1 ||
		fail "a regression input or seed fails"
fi

dict=()
[ -f "$here/dict/$name.dict" ] && dict=(-dict="$here/dict/$name.dict")
"$bin" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
	-artifact_prefix="$crashes/" "${dict[@]}" "$work" "$here/corpus/$name" >>"$log" 2>&1 ||
	fail "crash after fuzzing"

execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)"
cov="$(grep -o 'cov: [0-9]*' "$log" | tail -n1)"
echo "fuzz: $name: ${#inputs[@]} inputs replayed, ${execs:-?} runs in ${seconds} s, ${cov:-cov: ?}, no crash"
