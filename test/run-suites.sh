#!/usr/bin/env bash
# Runs each test suite through its make target, all of them even when one fails, and ends
# with one line summing node's test runner counts, so a reader (or CI) sees the whole suite
# at a glance. Exit status is non-zero if any suite or its build failed.
set -uo pipefail
cd "$(dirname "$0")/.."
pass=0 fail=0 skip=0 status=0 summary=()
for suite in "$@"; do
  log=$(mktemp)
  start=$SECONDS
  make --no-print-directory "test-$suite" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  # Counts come from the TAP summary each make target asks for (--test-reporter=tap).
  t=$(awk '/^# tests /{s+=$3; n++} END{print n ? s+0 : -1}' "$log")
  p=$(awk '/^# pass /{s+=$3} END{print s+0}' "$log")
  f=$(awk '/^# (fail|cancelled) /{s+=$3} END{print s+0}' "$log")
  k=$(awk '/^# (skipped|todo) /{s+=$3} END{print s+0}' "$log")
  ran=$(grep -cE '^ *(not )?ok [0-9]+ ' "$log")
  rm -f "$log"
  pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
  note=
  if [ "$t" -lt 0 ] || [ "$t" -eq 0 ] || [ $((p + f + k)) -ne "$t" ]; then
    # No TAP summary (another reporter, or the runner died), no test at all, or counts that do
    # not add up: the numbers would hide what ran, so the suite fails.
    note="no usable TAP counts (tests=$t pass=$p fail=$f skipped=$k, $ran result lines)"
    echo "run-suites: $suite: $note" >&2
    status=1
    [ "$f" -gt 0 ] || fail=$((fail + 1))
  elif [ "$rc" -ne 0 ]; then
    status=1
    # A suite whose build failed ran no test; count it as a failure so it cannot hide.
    [ "$f" -gt 0 ] || fail=$((fail + 1))
  fi
  summary+=("$(printf '%-12s %4d passed %4d failed %4d skipped  %4ds  %s' "$suite" "$p" "$f" "$k" $((SECONDS - start)) \
    "$([ "$rc" -eq 0 ] && [ -z "$note" ] && echo ok || echo FAILED)")")
done
echo
printf '%s\n' "${summary[@]}"
# A skipped test is not a pass: it fails the run.
[ "$skip" -eq 0 ] || status=1
echo "$pass passed, $fail failed, $skip skipped"
exit "$status"
