// Package report holds the load tool's statistics and output: latency
// histograms (HDR, 3 significant digits, 1 ns to 1 minute), the Result of
// one measured run, ratio arithmetic against the machine's baselines, and
// the three output formats (a text table, JSON, and Go benchmark lines
// that benchstat reads). It knows nothing about servers or workloads.
//
// # A Result
//
//	+-------------+------------------------------------------------------+
//	| Name        | workload ("load", "hot", "echo", "fsync", "fanout")   |
//	| Params      | protocol, clients, conns, depth, keys, dist, size ... |
//	| Ops, Errors | operations timed, operations that failed              |
//	| Elapsed     | wall time of the timed phase                          |
//	| Latency     | count, mean, min, p50, p90, p99, p99.9, max           |
//	| Metrics     | named extra figures (hit%, conflicts, objects/s ...)  |
//	| Ratios      | named ratios to a baseline measured in the same run   |
//	+-------------+------------------------------------------------------+
//
// Throughput is Ops/Elapsed. Ratios are only recorded when both sides
// were measured (a zero or missing denominator leaves the ratio out
// rather than printing infinity).
//
// # Go benchmark lines
//
//	BenchmarkLoad/proto=native/dist=zipf/conns=16/depth=1-2  N  T ns/op  P p50-µs  ...  R ops/s
//
// The name carries the parameters as key=value path elements and ends in
// "-GOMAXPROCS", as testing does; ns/op is wall time per operation
// (Elapsed/Ops), the inverse of throughput, as for a parallel benchmark.
// Every other figure is a value followed by its unit, so benchstat
// compares them across runs.
package report
