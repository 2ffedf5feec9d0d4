#!/usr/bin/env bash
# Print the path of a python3 that can import pytest, or, with
# --has MODULE, exit 0 when such a python can import MODULE.
#
# Debian's python3-pytest lives in /usr/bin/python3's path; on machines where
# another python3 (pyenv, conda, a venv) comes first on PATH, that one may not
# see it, so try the candidates in order and take the first that works.
set -u
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
candidates+=(python3 /usr/bin/python3 /usr/local/bin/python3)

if [ "${1:-}" = "--has" ]; then
	for py in "${candidates[@]}"; do
		"$py" -c "import $2" >/dev/null 2>&1 && exit 0
	done
	exit 1
fi
for py in "${candidates[@]}"; do
	if "$py" -c "import pytest" >/dev/null 2>&1; then
		command -v "$py"
		exit 0
	fi
done
echo "no python3 with pytest found; run tools/deps.sh" >&2
exit 1
