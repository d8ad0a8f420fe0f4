#!/usr/bin/env bash
# Rewrites the example table of README.md (English) and LEIAME.md (pt-BR) from
# the committed run in results/checkout, so neither README quotes numbers the
# repository does not hold.
#
#   scripts/readme-table.sh          rewrite both blocks between the markers
#   scripts/readme-table.sh --check  exit 1 if either block is stale
#
# Each block sits between `<!-- readme-table:begin -->` and
# `<!-- readme-table:end -->`; it is the first block of
# `hooklab report results/checkout/ --format table --no-write --lang L`
# (the scenario line and the table), in a text fence. HOOKLAB names a built
# binary to use instead of `cargo run`.
set -euo pipefail
cd "$(dirname "$0")/.."

begin='<!-- readme-table:begin -->'
end='<!-- readme-table:end -->'
stale=0

hooklab() {
    if [[ -n "${HOOKLAB:-}" ]]; then
        "$HOOKLAB" "$@"
    else
        cargo run --quiet -p hooklab -- "$@"
    fi
}

# rewrite FILE LANG: the block of FILE from the table in LANG.
rewrite() {
    local readme=$1 lang=$2
    grep -qF "$begin" "$readme" && grep -qF "$end" "$readme" || {
        echo "readme-table: $readme has no $begin ... $end block" >&2
        exit 2
    }
    # Everything up to the second blank line: the two header lines and the table.
    local table
    table=$(hooklab report results/checkout/ --format table --no-write --lang "$lang" |
        awk 'BEGIN { blanks = 0 } /^$/ { blanks++; if (blanks == 2) exit } { print }')

    local new
    new=$(mktemp)
    {
        awk -v begin="$begin" '{ print } $0 == begin { exit }' "$readme"
        printf '```text\n%s\n```\n' "$table"
        awk -v end="$end" 'found || $0 == end { found = 1; print }' "$readme"
    } >"$new"

    if [[ "$check" == 1 ]]; then
        if cmp -s "$new" "$readme"; then
            echo "readme-table: $readme is up to date"
        else
            echo "readme-table: $readme's table differs from results/checkout; run scripts/readme-table.sh" >&2
            diff -u "$readme" "$new" >&2 || true
            stale=1
        fi
    else
        cp "$new" "$readme"
        echo "readme-table: $readme rewritten from results/checkout"
    fi
    rm -f "$new"
}

check=0
if [[ "${1:-}" == "--check" ]]; then check=1; fi
rewrite README.md en
rewrite LEIAME.md pt-BR
exit "$stale"
