#!/bin/sh
# Runs every measurement PERFORMANCE.md reports, in the order of its
# sections, and writes each command's output to OUT/NAME.txt (the command
# line first). Run it on an otherwise idle machine: "make perf".
#
# usage: bench/perf.sh [OUT]    (default bench/results/perf)
set -eu
out=${1:-bench/results/perf}
gozeo=${GOZEO:-bin/gozeo}
go=${GO:-go}
d=${DURATION:-3s}
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/gozeo-perf.XXXXXX")
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# run NAME CMD...: runs CMD, progress to the terminal, results to OUT/NAME.txt.
run() {
	name=$1
	shift
	echo "== $name: $*" >&2
	{ echo "\$ $*"; "$@"; } >"$out/$name.txt"
}

# 1. Load round trip against the echo floor, one client, per protocol.
for p in native zeo5-msgpack zeo5-pickle; do
	run "rtt-$p" "$gozeo" bench load -inproc -protocol "$p" -clients 1 -depth 1 -duration "$d" -count 3 -vs-baseline
done

# 2. Loads/s by connections and pipelining depth, against echo.
for depth in 1 32; do
	for c in 1 4 16 64; do
		run "loads-c$c-d$depth" "$gozeo" bench load -inproc -clients "$c" -depth "$depth" -duration "$d" -count 3 -vs-baseline
	done
done

# 3. Server CPU per load: a separate server process on a generated file.
"$gozeo" fsgen -records 20000 -oids 10000 -size 512 "$work/cpu.fs" >/dev/null
addr=127.0.0.1:${PERF_PORT:-18109}
"$gozeo" serve -a "$addr" -f "$work/cpu.fs" 2>"$work/serve.log" &
server=$!
for i in $(seq 100); do "$gozeo" up "$addr" >/dev/null 2>&1 && break; sleep 0.1; done
for p in native zeo5-msgpack zeo5-pickle; do
	for cd in "1 1" "16 32"; do
		set -- $cd
		run "cpu-$p-c$1-d$2" "$gozeo" bench load -a "$addr" -server-pid "$server" -protocol "$p" -clients "$1" -depth "$2" -duration "$d" -count 3
	done
done
kill "$server"
wait "$server" || true
server=

# 4. Commits/s against the fsync rate of the data directory.
for c in 1 16; do
	for k in 1 10; do
		run "commits-c$c-k$k" "$gozeo" bench commit -inproc -clients "$c" -objects "$k" -duration "$d" -count 3 -vs-baseline
	done
done
run commits-zeo5-msgpack-c16-k1 "$gozeo" bench commit -inproc -protocol zeo5-msgpack -clients 16 -duration "$d" -count 3

# 5. Invalidation fan-out.
run fanout-16 "$gozeo" bench fanout -inproc -clients 16 -n 300 -count 3
run fanout-1000 "$gozeo" bench fanout -inproc -clients 1000 -n 100 -count 3

# 6. Cold start on a 1 M-record file, with and without its index.
"$gozeo" fsgen -records 1000000 "$work/big.fs" >/dev/null
run open-1m "$gozeo" bench open -runs 3 -make-index "$work/big.fs"
rm -f "$work/big.fs"*

# 7. Cache policies on the shipped traces.
run cache-simul "$gozeo" cache-simul -sizes 256KB,512KB,1MB,2MB,4MB,8MB,16MB -plot "$out/fifo-vs-tinylfu.png" bench/testdata/zipf-scan.trace.gz bench/testdata/shifting.trace.gz

# 8. Compression: codecs on real pickles and generated text, then end to end.
fixtures=${FIXTURES:-../shared/fixtures}
if [ -d "$fixtures/filestorage/btrees" ]; then
	run compress-btrees "$gozeo" compress-stats "$fixtures/filestorage/btrees/btrees.fs"
fi
"$gozeo" bench add -inproc -data "$work/text.fs" -content text -size 100-4000 -objects 10 -n 500 >/dev/null
run compress-text "$gozeo" compress-stats "$work/text.fs"
for c in off zlib zstd s2; do
	run "compress-load-$c" "$gozeo" bench load -inproc -compress "$c" -content text -size 2048 -clients 1 -duration "$d" -count 3
	run "compress-load-$c-accept" "$gozeo" bench load -inproc -compress "$c" -accept-compressed -content text -size 2048 -clients 1 -duration "$d" -count 3
	run "compress-commit-$c" "$gozeo" bench commit -inproc -compress "$c" -content text -size 2048 -clients 16 -objects 10 -duration "$d" -count 3
	run "compress-cache-$c" "$gozeo" bench hot -inproc -compress "$c" -accept-compressed -content text -size 2048 -keys 10000 -cache-size 8MB -n 20000 -count 3
done

# 9. Allocations and ns per operation of every hot path.
run gobench "$go" test -run '^$' -bench . -benchmem -benchtime 200ms ./proto/... ./fsstore/... ./cache/... ./client/... ./engine/... ./bench/...
echo "results in $out" >&2
