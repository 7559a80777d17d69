// Package bench is gozeo's load tool, run as "gozeo bench": it drives a
// ZEO server (gozeo's, or any ZEO 5 server through the ZEO 5 protocol) with
// concurrent clients and reports throughput and latency percentiles, each
// result side by side with this machine's floor measured in the same run.
//
// # Workloads
//
// Named as zodbshootout names them, through the Go client (package
// client, with its cache):
//
//	add        commit --objects new objects per transaction (new oids)
//	update     commit --objects existing objects (each worker its own keys)
//	cold       load every key once with an empty client cache (misses)
//	warm       load after a pass filled a persistent cache, closed and
//	           reopened it (revisions unchanged)
//	hot        load after a pass filled the cache (hits)
//	conflicts  update objects of a shared hot set (--hot-keys); count
//	           conflicts and retries
//	tpc        empty commits (tpc_begin, vote, tpc_finish)
//	new_oid    one new oid (the client fetches blocks of 100)
//
// At the protocol level, without a client cache (gozeo's native protocol,
// or ZEO 5's with --protocol zeo5-pickle|zeo5-msgpack):
//
//	load       loadBefore round trips, --depth requests in flight per
//	           connection
//	commit     commit --objects objects of --size bytes per transaction
//	mixed      --read-ratio loads, the rest commits
//	tpc        empty commits (ZEO 5 protocols)
//	new_oid    one new_oids call, 100 oids (ZEO 5 protocols)
//
// And the scenarios:
//
//	fanout     --clients idle clients and one writer: time from the
//	           writer's tpc_finish reply to the last idle client's receipt
//	           of the invalidation
//	baseline   this machine's floor: a length-prefixed echo server on
//	           loopback (1 connection RTT, and --conns x --depth
//	           throughput), and 4 KiB append + fdatasync in the data
//	           directory
//
// # Keys
//
// The key space is --keys objects. On an empty storage the tool creates
// them first (oid 0, then new_oids: 0..keys-1 on a fresh database); on a
// storage that has data it uses oids 0..keys-1 and checks they exist (as
// "gozeo fsgen" writes them). Keys are drawn uniformly or by zipf
// (--zipf S), sizes are fixed or uniform over a range (--size 100-4096).
//
// # Measuring
//
// Setup (populating, filling caches, opening clients) is never timed.
// Every worker stops at --n operations or when --duration ends, whichever
// comes first; a pipelined worker drains what it has in flight. Latencies
// go to per-worker HDR histograms, merged at the end. With --vs-baseline
// the baseline runs first, with the workload's connections, depth and
// reply size, and the result gets ratio columns (see bench/report). The
// process's own CPU per operation is always reported (self-cpu-µs/op: for
// --inproc that is client and server together); --server-pid N adds the
// CPU that process N used per operation, read from /proc.
//
// # Compression
//
// --compress zlib|zstd|s2 makes the in-process server compress what it
// stores; --accept-compressed makes the native driver and the Go clients
// announce proto.FeatureCompressedRecords, so they receive records as
// stored (the clients decompress and cache them compressed) instead of
// the server decompressing every load. Random object data does not
// compress; --content text fills objects with words of a small
// vocabulary instead, compressing about 2.2x with zlib or zstd.
//
// # Tracing
//
// --trace FILE records the client cache trace (ZEO's format) of a
// client workload: the cache of the first client writes FILE, the i-th
// FILE.i. The client does not pass cache.Options.TracePath, so the tool
// opens those clients with a persistent cache in a private directory and
// $GOZEO_CACHE_TRACE set for the duration of each Open (the cache reads
// it for file-backed caches); the variable is restored afterwards.
package bench
