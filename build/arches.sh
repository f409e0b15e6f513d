#!/usr/bin/env bash
# The shell reader of build/arches.tsv, the one arch table, by column name (never position).
# Source it for the functions below, or run it for one query (the Makefile does):
#   bash build/arches.sh COLUMN [COLUMN=VALUE...]   COLUMN of every row matching all pairs
# A missing table or an unknown column fails with one line and status 2.

ARCHES_TSV="${ARCHES_TSV:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/arches.tsv}"

# arch_rows COLUMN [COLUMN=VALUE...]: COLUMN of each row (table order) whose named columns
# hold the given values; the header line is "# make<TAB>...".
arch_rows() {
  [ -r "$ARCHES_TSV" ] || { printf '%s: error: %s is missing\n' "$(basename "$0")" "$ARCHES_TSV" >&2; return 2; }
  awk -F'\t' -v want="$1" -v conds="${*:2}" -v me="$(basename "$0")" '
    function bad(msg) { printf "%s: error: build/arches.tsv: %s\n", me, msg > "/dev/stderr"; failed = 1; exit 2 }
    BEGIN { n = split(conds, cs, " ") }
    /^#[ \t]*make\t/ {
      sub(/^#[ \t]*/, "")
      for (i = 1; i <= NF; i++) col[$i] = i
      if (!(want in col)) bad("no column \"" want "\"")
      for (k = 1; k <= n; k++) {
        eq = index(cs[k], "="); key[k] = substr(cs[k], 1, eq - 1); val[k] = substr(cs[k], eq + 1)
        if (eq < 2 || !(key[k] in col)) bad("no column \"" key[k] "\" (in " cs[k] ")")
      }
      header = 1; next
    }
    /^#/ || !NF { next }
    !header { bad("no \"# make<TAB>...\" header line before the rows") }
    { for (k = 1; k <= n; k++) if ($(col[key[k]]) != val[k]) next; print $(col[want]) }
    END { if (!failed && !header) bad("no \"# make<TAB>...\" header line") }' "$ARCHES_TSV"
}

# arch_field ARCH COLUMN: one name of one Makefile ARCH; fails (status 1) for an unknown ARCH.
arch_field() {
  local v
  v="$(arch_rows "$2" make="$1")" && [ -n "$v" ] && printf '%s\n' "$v"
}

# all_arches: the make column, one per line.
all_arches() { arch_rows make; }

# host_arch: the Makefile ARCH of this machine: the row whose qemu column is `uname -m`.
host_arch() { arch_rows make qemu="$(uname -m)"; }

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  [ $# -ge 1 ] || { printf '%s: error: usage: arches.sh COLUMN [COLUMN=VALUE...]\n' "$(basename "$0")" >&2; exit 2; }
  arch_rows "$@"
fi
