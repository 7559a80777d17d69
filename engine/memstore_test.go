package engine

import (
	"context"
	"errors"
	"sync"

	"github.com/gozeo/gozeo/proto"
)

// memStore is a minimal in-memory Storage for the engine's own tests and
// benchmarks (the real FileStorage is tested with the engine in tools).
type memStore struct {
	mu      sync.RWMutex
	revs    map[proto.Oid][]memRev // oldest first
	last    proto.Tid
	nextOid proto.Oid
}

type memRev struct {
	tid  proto.Tid
	data []byte
}

func newMemStore() *memStore { return &memStore{revs: map[proto.Oid][]memRev{}} }

func (m *memStore) LastTransaction() proto.Tid {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.last
}
func (m *memStore) Len() int    { m.mu.RLock(); defer m.mu.RUnlock(); return len(m.revs) }
func (m *memStore) Size() int64 { return 4 }

func (m *memStore) LoadBefore(oid proto.Oid, before proto.Tid, dst []byte) ([]byte, proto.Tid, proto.Tid, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	revs, ok := m.revs[oid]
	if !ok {
		return dst, 0, 0, &proto.POSKeyError{Oid: oid}
	}
	for i := len(revs) - 1; i >= 0; i-- {
		if revs[i].tid < before {
			var end proto.Tid
			if i+1 < len(revs) {
				end = revs[i+1].tid
			}
			return append(dst, revs[i].data...), revs[i].tid, end, nil
		}
	}
	return dst, 0, 0, proto.ErrNoRevision
}

func (m *memStore) TryLoadBefore(oid proto.Oid, before proto.Tid, dst []byte) ([]byte, proto.Tid, proto.Tid, error) {
	return m.LoadBefore(oid, before, dst)
}

func (m *memStore) LoadSerial(oid proto.Oid, serial proto.Tid, dst []byte) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, r := range m.revs[oid] {
		if r.tid == serial {
			return append(dst, r.data...), nil
		}
	}
	return dst, &proto.POSKeyError{Oid: oid}
}

func (m *memStore) History(proto.Oid, int) ([]proto.HistoryEntry, error) { return nil, nil }

func (m *memStore) NewOIDs(dst []proto.Oid, n int) ([]proto.Oid, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for range n {
		m.nextOid++
		dst = append(dst, m.nextOid)
	}
	return dst, nil
}

func (m *memStore) RecordIterNext(proto.Oid, []byte) (proto.DataRecord, proto.Oid, bool, error) {
	return proto.DataRecord{}, 0, false, nil
}
func (m *memStore) Iterate(proto.Tid, proto.Tid) (TxnIterator, error) {
	return nil, errors.New("memStore: no iteration")
}
func (m *memStore) UndoLog(int, int, func(*proto.UndoEntry) bool) ([]proto.UndoEntry, error) {
	return nil, nil
}
func (m *memStore) TxnOids(proto.Tid) ([]proto.Oid, error)        { return nil, nil }
func (m *memStore) LastInvalidations(int) ([]Invalidation, error) { return nil, nil }
func (m *memStore) Pack(context.Context, proto.Tid, bool) error   { return nil }
func (m *memStore) Begin(meta proto.TxnMeta) (Txn, error)         { return &memTxn{m: m}, nil }

type memTxn struct {
	m      *memStore
	stores []memStoreOp
	tid    proto.Tid
}

type memStoreOp struct {
	oid  proto.Oid
	data []byte
}

func (t *memTxn) Store(oid proto.Oid, serial proto.Tid, data []byte) error {
	t.m.mu.RLock()
	var cur proto.Tid
	if revs := t.m.revs[oid]; len(revs) > 0 {
		cur = revs[len(revs)-1].tid
	}
	t.m.mu.RUnlock()
	if cur != serial {
		return &proto.ConflictError{Oid: oid, Committed: cur, Read: serial}
	}
	t.stores = append(t.stores, memStoreOp{oid, append([]byte(nil), data...)})
	return nil
}
func (t *memTxn) CheckCurrentSerial(proto.Oid, proto.Tid) error         { return nil }
func (t *memTxn) Delete(proto.Oid, proto.Tid) error                     { return nil }
func (t *memTxn) Restore(proto.Oid, proto.Tid, []byte, proto.Tid) error { return nil }
func (t *memTxn) Undo(proto.Tid) ([]proto.Oid, error)                   { return nil, nil }
func (t *memTxn) Abort() error                                          { return nil }
func (t *memTxn) Vote() (proto.Tid, error) {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	t.tid = t.m.last + 1
	t.m.last = t.tid
	return t.tid, nil
}
func (t *memTxn) Finish(onCommit func(proto.Tid)) (proto.Tid, error) {
	t.m.mu.Lock()
	for _, s := range t.stores {
		t.m.revs[s.oid] = append(t.m.revs[s.oid], memRev{t.tid, s.data})
	}
	t.m.mu.Unlock()
	onCommit(t.tid)
	return t.tid, nil
}

var _ Storage = (*memStore)(nil)
