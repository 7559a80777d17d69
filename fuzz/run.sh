#!/bin/sh
# Runs every Go fuzz target in the module for FUZZTIME each (go test -fuzz
# runs one target at a time).
set -eu
t=${1:-30s}
go=${GO:-go}
for pkg in $($go list ./...); do
	dir=$($go list -f '{{.Dir}}' "$pkg")
	targets=$(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u || true)
	for target in $targets; do
		echo "== $pkg $target ($t)"
		$go test -run='^$' -fuzz="^$target\$" -fuzztime="$t" "$pkg"
	done
done
