// Package trace reads, summarises, simulates and generates ZEO cache
// traces: the files a cache writes with tracing on (cache.Options.TracePath
// or $GOZEO_CACHE_TRACE, and Python ZEO's $ZEO_CACHE_TRACE). The format is
// ZEO's, one record per event (see cache.TraceRecord):
//
//	0      4      8    10          18          26        26+n
//	+------+------+----+-----------+-----------+---------+
//	| time | code | n  | start tid | end tid   | oid (n) |
//	+------+------+----+-----------+-----------+---------+
//	  code = dlen<<8 | version<<7 | event code (ZEO's: 00 restart, 10 1C 1E
//	  invalidate miss/keep/drop, 20 22 load miss/hit, 24 26 non-current
//	  miss/hit, 52 54 store current/non-current)
//
// What it owns:
//
//   - Reader: a streaming decoder that behaves like ZEO's readers on bad
//     input (a record with time 0 is misaligned: skip 8 bytes), counts what
//     it skipped, stops at a truncated last record without panicking, and
//     reads gzipped traces (ZEO's tools accept those too).
//   - Summarize: the numbers of ZEO's cache_stats (loads, hits, hit rate,
//     invalidations, writes, totals per code, per-interval rows, the load
//     frequency histogram) and a report printer.
//   - Simulator / Simulate: replay a trace against the real cache code
//     (cache.OpenMemory: the same file layout, ring and policies, over a
//     memory buffer) at several sizes and policies, and report hit ratios;
//     optionally also against a reference W-TinyLFU object cache from
//     github.com/dgryski/go-tinylfu.
//   - Generator: deterministic synthetic workloads (zipf popularity, a
//     shifting hot set, periodic scans, commits by other clients) and the
//     trace an unbounded cache would record for them.
//
// Quirks of ZEO traces we accept: codes 0x24/0x26 with a zero start tid
// (ZEO passes "" as the tid; Python 2 packed it as zeros, Python 3 raises),
// 0x26 carrying the served revision's start in the end field and no data
// length, the version bit, the obsolete low code bit, and oids of other
// lengths than 8 (read as big-endian numbers up to 8 bytes; longer ones
// are skipped and counted).
package trace
