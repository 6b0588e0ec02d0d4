#!/usr/bin/env bash
# Run every test. pytest's exit code 5 (no test collected) is a failure here, not a pass.
set -uo pipefail
python="${1:-.venv/bin/python}"
shift || true
"$python" -m pytest "$@"
code=$?
if [ "$code" -eq 5 ]; then
  echo "run-tests: pytest collected no test; failing" >&2
  exit 1
fi
exit "$code"
