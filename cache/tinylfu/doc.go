// Package tinylfu is the frequency half of the cache's TinyLFU policy: a
// count-min sketch with 4-bit counters, a doorkeeper bloom filter in front
// of it, and the periodic halving ("reset") that lets old popularity fade.
// It answers one question, "is this key used more often than that one?",
// and holds no keys itself: the cache file decides what is stored.
//
// The design follows Einziger, Friedman and Manes, "TinyLFU: A Highly
// Efficient Cache Admission Policy" (https://arxiv.org/abs/1512.00727), and
// is cut like github.com/dgryski/go-tinylfu (one file per part), whose
// sketch is not exported, so this package carries its own:
//
//	sketch.go      Sketch: depth-4 count-min, 16 counters per uint64 word,
//	               conservative update, Reset halves every counter
//	doorkeeper.go  Doorkeeper: a bloom filter that absorbs first sightings,
//	               so one-hit wonders never reach the sketch
//	tinylfu.go     TinyLFU: Access / Estimate / Admit, and the sample
//	               counter that triggers the reset every W accesses
//
// Nothing here is safe for concurrent use; the cache calls it under its own
// mutex. Keys are 64-bit (oids); Hash spreads sequential oids over the
// counters. There is no Remove: a count-min sketch cannot forget one key,
// so the counters of deleted objects simply decay with the periodic reset.
// Everything is pointer-free flat arrays and allocates only in the
// constructors.
package tinylfu
