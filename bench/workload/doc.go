// Package workload holds the load tool's random choices: which key an
// operation touches (uniform, or zipf with any exponent s > 0, s != 1),
// how large an object is (fixed, or uniform over a range), whether an
// operation of a mixed workload reads or writes, and how key spaces are
// split between workers. Every choice comes from a seeded PCG generator,
// so a run is reproducible from its seed; a Chooser is per worker and not
// safe for concurrent use.
//
// # Key ranks
//
//	index 0 1 2 3 ...                                    n-1
//	      |hot ------------------------------------- cold|
//	uniform: P(k) = 1/n
//	zipf s:  P(k) = (k+1)^-s / H(n, s),  H(n, s) = sum_{i=1..n} i^-s
//
// For s > 1 the draw is exact (math/rand/v2's rejection sampler); for
// 0 < s < 1 it is Gray et al.'s generator ("Quickly generating
// billion-record synthetic databases", SIGMOD 1994, as YCSB uses it with
// s = 0.99): exact for the two hottest keys and a close approximation
// below. The index is a rank: callers map it to an oid (rank 0 is the
// hottest object).
package workload
