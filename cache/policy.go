// Policy: the admission/eviction interface, and its FIFO and TinyLFU forms.

package cache

import (
	"github.com/gozeo/gozeo/cache/tinylfu"
	"github.com/gozeo/gozeo/proto"
)

// Policy decides what the ring keeps. The ring mechanics are the same for
// every policy (records are written at the ring position and evict the
// blocks in front of it); a policy only answers the questions below. Each
// cache gets its own PolicyState, so one Policy value may serve many caches.
type Policy interface {
	// Name is the policy's name as ParsePolicy accepts it.
	Name() string
	// NewState returns the per-cache decision state for a cache of
	// capacity bytes of record space.
	NewState(capacity int64) PolicyState
}

// PolicyState is one cache's policy state. The cache calls it with its
// mutex held; implementations need no locking and must not allocate.
type PolicyState interface {
	// Access notes a load (Load or LoadBefore, hit or miss) of oid.
	Access(oid proto.Oid)
	// Keep reports whether victim, a current record in the way of
	// candidate at the ring position, deserves a second chance: the ring then passes over
	// it (it stays where it is, as if rewritten at the ring head) and
	// looks for room further on. After MaxSkips passes in one store the
	// candidate is refused instead (Stats.Rejected).
	Keep(candidate, victim proto.Oid) bool
	// Rearrange reports whether a hit on a record of recSize bytes lying
	// behind bytes behind the ring position should copy it forward to the
	// ring position.
	Rearrange(behind, recSize, capacity int64) bool
	// Clear forgets all history (Cache.Clear).
	Clear()
}

// MaxSkips bounds the records one store may pass over (Keep) before the
// candidate is refused.
const MaxSkips = 8

// FIFO is ZEO's policy: plain first-in first-out eviction at the ring
// position, plus ZEO's rearrangement: a hit on a current record lying more
// than 80% of the file behind the ring position (with data under a tenth
// of the file) copies it to the ring position, an LRU-like second chance.
var FIFO Policy = fifoPolicy{}

// TinyLFU admits by frequency: every load feeds a TinyLFU sketch
// (package cache/tinylfu); a current record in the way of a new one is
// passed over when its oid is used more often than the new one's, and a new record
// that only finds such records in MaxSkips tries is not stored. Frequent
// records thus survive laps of the ring while scans of one-time objects
// replace only each other. No rearrangement on hits.
var TinyLFU Policy = tinyLFUPolicy{}

// RearrangeFraction is FIFO's rearrange threshold, ZEO's default 0.8.
const RearrangeFraction = 0.8

type fifoPolicy struct{}

func (fifoPolicy) Name() string                  { return "fifo" }
func (fifoPolicy) NewState(int64) PolicyState    { return fifoState{} }
func (fifoPolicy) String() string                { return "fifo" }
func (fifoState) Access(proto.Oid)               {}
func (fifoState) Keep(proto.Oid, proto.Oid) bool { return false }
func (fifoState) Clear()                         {}
func (fifoState) Rearrange(behind, recSize, capacity int64) bool {
	return float64(behind) > RearrangeFraction*float64(capacity) && 10*recSize < capacity
}

type fifoState struct{}

type tinyLFUPolicy struct{}

func (tinyLFUPolicy) Name() string   { return "tinylfu" }
func (tinyLFUPolicy) String() string { return "tinylfu" }

// NewState sizes the sketch for the number of records the cache is
// expected to hold, assuming 1 KiB per record: counters = capacity/256 per
// row, sample period = 10 x capacity/1 KiB accesses (the paper's W = 10 x
// cache entries), both clamped.
func (tinyLFUPolicy) NewState(capacity int64) PolicyState {
	counters := clamp(capacity/256, 1024, 1<<24)
	samples := clamp(10*(capacity/1024), 4096, 1<<28)
	return &tinyLFUState{f: tinylfu.New(int(counters), int(samples))}
}

func clamp(v, lo, hi int64) int64 { return max(lo, min(v, hi)) }

type tinyLFUState struct{ f *tinylfu.TinyLFU }

func (s *tinyLFUState) Access(oid proto.Oid) { s.f.Access(uint64(oid)) }
func (s *tinyLFUState) Keep(candidate, victim proto.Oid) bool {
	return s.f.Admit(uint64(victim), uint64(candidate))
}
func (s *tinyLFUState) Rearrange(int64, int64, int64) bool { return false }
func (s *tinyLFUState) Clear()                             { s.f.Clear() }
