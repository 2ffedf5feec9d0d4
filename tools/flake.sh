#!/usr/bin/env bash
# Runs the grader N times and reports every test that failed in any run: how
# often, in which runs, and where the serial logs of those runs are.
#
#   tools/flake.sh 20                                 # the whole grader, 20 times
#   CH=ch2-trap tools/flake.sh 50                     # one chapter, its stages 1..N
#   LOAD=2 PYTEST_ARGS="--stage 2 -k ipi" tools/flake.sh 30
#
# LOAD=K keeps K busy loops running beside the grader, as neighbours on a CI
# machine do; they are stopped however the script ends. CH (one or more
# chapters) and PYTEST_ARGS go to pytest. Run N keeps its output, junit.xml,
# results.json and the serial logs of the tests that failed in it (what the
# grader wrote to grader/logs/ during that run) in build/flake/runN/.
# The exit status is 0 only when no test failed in any run.
set -u

usage() {
	echo "usage: [LOAD=K] [CH=chapter] [PYTEST_ARGS=...] $0 N" >&2
	exit 2
}
[ $# -eq 1 ] || usage
runs=$1
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || usage
load=${LOAD:-0}
[[ "$load" =~ ^[0-9]+$ ]] || usage

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/flake
python=$("$root/tools/python.sh") || exit 1
xdist=()
"$python" -c 'import xdist' >/dev/null 2>&1 && xdist=(-n auto)
chapters=()
for ch in ${CH:-}; do
	chapters+=(--chapter "$ch")
done
# shellcheck disable=SC2206  # PYTEST_ARGS is a list of words, as in the Makefile
extra=(${PYTEST_ARGS:-})

loaders=()
stop_load() {
	for pid in "${loaders[@]}"; do
		kill "$pid" 2>/dev/null
	done
	wait "${loaders[@]}" 2>/dev/null
	loaders=()
}
trap stop_load EXIT
trap 'exit 130' INT TERM HUP

# Build first, so that a broken build is not counted as a flaky test.
if [ -n "${CH:-}" ]; then
	for ch in $CH; do
		make -s -C "$root/$ch" || exit 1
	done
else
	make -s -C "$root" build || exit 1
fi

rm -rf "$out"
mkdir -p "$out"
for ((i = 0; i < load; i++)); do
	sh -c 'while :; do :; done' &
	loaders+=($!)
done

echo "flake: $runs runs of the grader${CH:+ on $CH}${PYTEST_ARGS:+ with $PYTEST_ARGS}, $load busy loop(s) beside it"
for ((n = 1; n <= runs; n++)); do
	dir=$out/run$n
	mkdir -p "$dir"
	touch "$dir/.start"
	(cd "$root/grader" && "$python" -m pytest "${xdist[@]}" "${chapters[@]}" \
		--junitxml="$dir/junit.xml" --results="$dir/results.json" "${extra[@]}") \
		>"$dir/output.txt" 2>&1
	status=$?
	if [ -d "$root/grader/logs" ]; then
		find "$root/grader/logs" -maxdepth 1 -name '*.log' -newer "$dir/.start" \
			-exec cp {} "$dir/" \;
	fi
	score=$(grep -o 'Score: [0-9]*/[0-9]*' "$dir/output.txt" | tail -1)
	echo "flake: run $n/$runs: ${score:-no score} (pytest status $status)"
done
stop_load

"$python" - "$out" "$runs" "$root" <<'EOF'
"""Every test that failed in some run, from each run's junit.xml."""
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

out, runs, root = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
failed: dict[str, list[int]] = {}
broken = []
for n in range(1, runs + 1):
    junit = out / f"run{n}" / "junit.xml"
    if not junit.exists():
        broken.append(n)
        continue
    for case in ET.parse(junit).iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            name = f"{case.get('classname', '')}::{case.get('name', '')}"
            failed.setdefault(name, []).append(n)


def log_of(name: str, n: int) -> str:
    # The grader's file name for a test's serial log (conftest.py: _log_name).
    test = name.split("::", 1)[-1]
    log = out / f"run{n}" / (re.sub(r"[^A-Za-z0-9_.-]+", "_", test)[:150] + ".log")
    where = log if log.exists() else out / f"run{n}" / "output.txt"
    return str(where.relative_to(root))


for n in broken:
    print(f"flake: run {n} left no junit.xml; see {(out / f'run{n}' / 'output.txt').relative_to(root)}")
if not failed:
    print(f"flake: no test failed in {runs} runs")
    sys.exit(1 if broken else 0)
print(f"flake: {len(failed)} test(s) failed in some of the {runs} runs:")
for name, hits in sorted(failed.items(), key=lambda kv: (-len(kv[1]), kv[0])):
    print(f"  {len(hits)}/{runs}  {name}")
    for n in hits:
        print(f"         run {n}: {log_of(name, n)}")
sys.exit(1)
EOF
