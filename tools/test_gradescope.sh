#!/usr/bin/env bash
# The Gradescope autograder, tried here on submissions laid out as Gradescope
# lays them out (/autograder/{source,submission,results}, moved with the
# HVLAB_AG_* variables that run_autograder reads):
#
#   reference   the reference repository as a submission: full marks
#   handout     the handout as given out, untouched: no points
#   lab1        the handout with lab 1 solved in ch1-boot: full marks
#   tampered    the handout whose grader/conftest.py awards full marks and
#               whose Makefile and grading.conf are changed: no points, and
#               the results name the ignored files
#
#   tools/test_gradescope.sh [WORKDIR]   (a few QEMU minutes; .ci/run runs it)
#
# DUE (default ch1-boot) is what the bundle grades.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
work="${1:-$(mktemp -d /tmp/hvlab-gradescope.XXXXXX)}"
due="${DUE:-ch1-boot}"
mkdir -p "$work"
failures=0

echo "== bundle (due: $due)"
python3 tools/gradescope/bundle.py --out "$work/bundle" --due "$due"
rm -rf "$work/ag-source"
mkdir -p "$work/ag-source"
# unzip as Gradescope does, file modes included
python3 - "$work/bundle/autograder.zip" "$work/ag-source" <<'PY'
import sys, zipfile
from pathlib import Path
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        path = Path(z.extract(info, sys.argv[2]))
        if info.external_attr >> 16:
            path.chmod(info.external_attr >> 16 & 0o777)
PY
bash -n "$work/ag-source/setup.sh"
tree="$work/ag-source/tree"

# submission <name>: an empty Gradescope layout for one case; prints its root
submission() {
	local ag="$work/$1"
	rm -rf "$ag"
	mkdir -p "$ag/submission" "$ag/results"
	echo "$ag"
}

# grade <name>: run_autograder on that case
grade() {
	local ag="$work/$1"
	HVLAB_AUTOGRADER="$ag" HVLAB_AG_SOURCE="$work/ag-source" \
		"$work/ag-source/run_autograder" >"$ag/run.log" 2>&1 || true
	python3 - "$ag/results/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"   score {r['score']}/{r.get('max_score')}; ignored: "
      f"{', '.join(r.get('extra_data', {}).get('ignored', [])) or 'nothing'}")
PY
}

# expect <name> full|zero [ignored-file...]
expect() {
	local name="$1" want="$2"
	shift 2
	if ! python3 - "$work/$name/results/results.json" "$want" "$@" <<'PY'; then
import json, sys
r = json.load(open(sys.argv[1]))
want, files = sys.argv[2], sys.argv[3:]
ok = r["max_score"] > 0 and (r["score"] == r["max_score"] if want == "full" else r["score"] == 0)
ignored = r.get("extra_data", {}).get("ignored", [])
missing = [f for f in files if f not in ignored]
if not ok:
    print(f"   FAIL: expected {want} marks, got {r['score']}/{r['max_score']}")
if missing:
    print(f"   FAIL: not named as ignored: {', '.join(missing)}")
sys.exit(0 if ok and not missing else 1)
PY
		failures=$((failures + 1))
		echo "   (log: $work/$name/run.log)"
	else
		echo "   ok"
	fi
}

echo "== reference"
ag="$(submission reference)"
git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do
	[ -e "$f" ] || continue
	mkdir -p "$ag/submission/$(dirname "$f")"
	cp -P "$f" "$ag/submission/$f"
done
grade reference
expect reference full

echo "== handout, untouched"
ag="$(submission handout)"
cp -a "$tree/." "$ag/submission/"
grade handout
expect handout zero

echo "== handout with lab 1 solved"
ag="$(submission lab1)"
cp -a "$tree/." "$ag/submission/"
python3 tools/handout.py --out "$work/solved1" --solved 1 >/dev/null
for f in $(cd "$work/solved1" && find ch1-boot -name '*.[chS]'); do
	cp "$work/solved1/$f" "$ag/submission/$f"
done
grade lab1
expect lab1 full

echo "== handout with a grader that awards full marks"
ag="$(submission tampered)"
cp -a "$tree/." "$ag/submission/"
cat >>"$ag/submission/grader/conftest.py" <<'PY'


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    """Full marks, whatever ran."""
    path = Path(session.config.getoption("--results"))
    if path.exists():
        data = json.loads(path.read_text())
        data["score"] = data["max_score"]
        path.write_text(json.dumps(data))
PY
printf '\ngrade:\n\t@echo full marks\n' >>"$ag/submission/Makefile"
echo "due =" >"$ag/submission/grading.conf"
printf '\nall:\n\t@touch ../grader/tampered\n' >>"$ag/submission/ch1-boot/Makefile"
grade tampered
expect tampered zero grader/conftest.py Makefile grading.conf ch1-boot/Makefile

if [ "$failures" -ne 0 ]; then
	echo "test_gradescope: $failures case(s) failed (work in $work)"
	exit 1
fi
echo "test_gradescope: every case graded as expected (work in $work)"
