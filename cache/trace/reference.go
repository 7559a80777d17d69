// The reference model: an object-count W-TinyLFU cache from
// github.com/dgryski/go-tinylfu, replayed beside the real cache.

package trace

import (
	"github.com/dgryski/go-tinylfu"

	"github.com/gozeo/gozeo/cache"
	ourtinylfu "github.com/gozeo/gozeo/cache/tinylfu"
	"github.com/gozeo/gozeo/proto"
)

// RefPolicyName names the reference model in results.
const RefPolicyName = "w-tinylfu-ref"

// refModel is go-tinylfu's W-TinyLFU (1% LRU window, segmented LRU main,
// TinyLFU admission) holding oid -> start tid. It counts objects, not
// bytes: its capacity is the cache size divided by the trace's mean record
// size, so it shows what a byte-exact ring costs against an idealised
// object cache. Its limits are handled here:
//
//   - go-tinylfu has no Remove. An invalidated oid is marked stale in a
//     side set; a stale entry is a miss and is replaced by the next store.
//     Until then it occupies a slot, which slightly understates the model.
//   - It is not safe for concurrent use: each model belongs to the one
//     goroutine replaying it.
//   - Non-current revisions are not modelled: non-current loads count as
//     misses and non-current stores are ignored.
type refModel struct {
	t     *tinylfu.T[proto.Oid, proto.Tid]
	stale map[proto.Oid]struct{}
	res   SimResult
}

func newRefModel(size, meanRecord int64) *refModel {
	items := int(max(size/max(meanRecord, 1), 1))
	hash := func(o proto.Oid) uint64 { return ourtinylfu.Hash(uint64(o)) }
	m := &refModel{
		stale: map[proto.Oid]struct{}{},
		res:   SimResult{Policy: RefPolicyName, Size: size},
	}
	m.t = tinylfu.New[proto.Oid, proto.Tid](items, 10*items, hash,
		tinylfu.OnEvict[proto.Oid, proto.Tid](func(proto.Oid, proto.Tid) { m.res.Evictions++ }))
	return m
}

func (m *refModel) Apply(ev *Event) {
	if ev.Version {
		return
	}
	switch ev.Code {
	case cache.TraceLoadMiss, cache.TraceLoadHit:
		m.res.Loads++
		if _, ok := m.t.Get(ev.Oid); ok {
			if _, stale := m.stale[ev.Oid]; !stale {
				m.res.Hits++
				return
			}
		}
		if ev.Code == cache.TraceLoadHit && ev.Start != 0 {
			m.res.Fetches++
			m.add(ev.Oid, ev.Start)
		}
	case cache.TraceLoadBeforeMiss, cache.TraceLoadBeforeHit:
		m.res.Loads++
	case cache.TraceStore:
		m.res.Writes++
		m.add(ev.Oid, ev.Start)
	case cache.TraceStoreNonCurrent:
		m.res.Writes++
	case cache.TraceInvalidateMiss, cache.TraceInvalidateKeep, cache.TraceInvalidateDrop:
		m.res.Invalidations++
		m.stale[ev.Oid] = struct{}{}
	case cache.TraceRestart:
	default:
		m.res.Errors++
	}
}

func (m *refModel) add(oid proto.Oid, start proto.Tid) {
	m.t.Add(oid, start)
	delete(m.stale, oid)
}

func (m *refModel) Result() SimResult { return m.res }
func (m *refModel) Close() error      { return nil }

// meanRecordSize is the mean cache record size of the trace's stores
// (data plus the record header), 1 KiB if there are none.
func meanRecordSize(events []Event) int64 {
	var n, sum int64
	for i := range events {
		if events[i].Code == cache.TraceStore || events[i].Code == cache.TraceStoreNonCurrent {
			n++
			sum += cache.RecordSize(int(events[i].DLen))
		}
	}
	if n == 0 {
		return 1024
	}
	return sum / n
}
