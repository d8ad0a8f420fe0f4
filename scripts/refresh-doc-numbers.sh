#!/bin/sh
# Re-render every number the lessons and the model docs quote from results/
# (and docs/check-runs/), in place, then show what moved. Run it after
# regenerating results/; read the diff, since a sentence around a number may
# need new words. The check without writing is the same test without the
# variable: cargo test -p hooklab-report --test report doc_numbers
set -eu
cd "$(dirname "$0")/.."
HOOKLAB_UPDATE_DOCS=1 CARGO_INCREMENTAL=0 cargo test -q -p hooklab-report --test report doc_numbers
git --no-pager diff --stat -- docs
