#!/bin/sh
# Runs every Go fuzz target in the module for FUZZTIME each (go test -fuzz
# runs one target at a time).
set -eu
t=${1:-30s}
# How long a worker may minimize an interesting input. Go's default (60s)
# stalls the targets whose inputs are whole files: minimizing a few KB one
# byte at a time runs the target tens of thousands of times and counts no
# executions meanwhile.
mt=${FUZZMINIMIZETIME:-2s}
go=${GO:-go}
for pkg in $($go list ./...); do
	dir=$($go list -f '{{.Dir}}' "$pkg")
	targets=$(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u || true)
	for target in $targets; do
		echo "== $pkg $target ($t)"
		$go test -run='^$' -fuzz="^$target\$" -fuzztime="$t" -fuzzminimizetime="$mt" "$pkg"
	done
done
