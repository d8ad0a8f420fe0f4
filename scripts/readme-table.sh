#!/usr/bin/env bash
# Rewrites README.md's example table from the committed run in results/checkout,
# so the README never quotes numbers the repository does not hold.
#
#   scripts/readme-table.sh          rewrite the block between the markers
#   scripts/readme-table.sh --check  exit 1 if the README's block is stale
#
# The block sits between `<!-- readme-table:begin -->` and
# `<!-- readme-table:end -->`; it is the first block of
# `hooklab report results/checkout/ --format table --no-write --lang en`
# (the scenario line and the table), in a text fence.
set -euo pipefail
cd "$(dirname "$0")/.."

readme=README.md
begin='<!-- readme-table:begin -->'
end='<!-- readme-table:end -->'
grep -qF "$begin" "$readme" && grep -qF "$end" "$readme" || {
    echo "readme-table: $readme has no $begin ... $end block" >&2
    exit 2
}

# Everything up to the second blank line: the two header lines and the table.
table=$(cargo run --quiet -p hooklab -- report results/checkout/ \
    --format table --no-write --lang en |
    awk 'BEGIN { blanks = 0 } /^$/ { blanks++; if (blanks == 2) exit } { print }')

new=$(mktemp)
trap 'rm -f "$new"' EXIT
{
    awk -v begin="$begin" '{ print } $0 == begin { exit }' "$readme"
    printf '```text\n%s\n```\n' "$table"
    awk -v end="$end" 'found || $0 == end { found = 1; print }' "$readme"
} >"$new"

if [[ "${1:-}" == "--check" ]]; then
    if cmp -s "$new" "$readme"; then
        echo "readme-table: $readme is up to date"
    else
        echo "readme-table: $readme's table differs from results/checkout; run scripts/readme-table.sh" >&2
        diff -u "$readme" "$new" >&2 || true
        exit 1
    fi
else
    cp "$new" "$readme"
    echo "readme-table: $readme rewritten from results/checkout"
fi
