// The adapter that lets the engine serve an fsstore.Store: the wiring the
// engine must not do itself (it never imports fsstore).

package server

import (
	"context"
	"errors"

	"github.com/gozeo/gozeo/engine"
	"github.com/gozeo/gozeo/fsstore"
	"github.com/gozeo/gozeo/proto"
)

// Backend serves a FileStorage through the engine's Storage interface.
type Backend struct {
	*fsstore.Store
	// PackGC and PackKeepOld are the storage's pack-gc and pack-keep-old
	// settings.
	PackGC      bool
	PackKeepOld bool
}

var _ engine.Storage = (*Backend)(nil)

// NewBackend wraps an open store with ZODB's pack defaults (gc on, keep
// Data.fs.old).
func NewBackend(s *fsstore.Store) *Backend {
	return &Backend{Store: s, PackGC: true, PackKeepOld: true}
}

// TryLoadBefore maps fsstore's "not resident" to the engine's.
func (b *Backend) TryLoadBefore(oid proto.Oid, before proto.Tid, dst []byte) ([]byte, proto.Tid, proto.Tid, error) {
	data, start, end, err := b.Store.TryLoadBefore(oid, before, dst)
	if err == fsstore.ErrWouldBlock {
		err = engine.ErrWouldBlock
	}
	return data, start, end, err
}

// Iterate returns a transaction iterator.
func (b *Backend) Iterate(start, stop proto.Tid) (engine.TxnIterator, error) {
	return txnIter{b.Store.Iterator(start, stop)}, nil
}

type txnIter struct{ *fsstore.TxnIterator }

func (t txnIter) Records() engine.RecordIterator { return t.TxnIterator.Records() }

// LastInvalidations returns the newest n transactions' oids.
func (b *Backend) LastInvalidations(n int) ([]engine.Invalidation, error) {
	invs, err := b.Store.LastInvalidations(n)
	if err != nil {
		return nil, err
	}
	out := make([]engine.Invalidation, len(invs))
	for i, inv := range invs {
		out[i] = engine.Invalidation{Tid: inv.Tid, Oids: inv.Oids}
	}
	return out, nil
}

// Begin starts a storage transaction.
func (b *Backend) Begin(meta proto.TxnMeta) (engine.Txn, error) {
	t, err := b.Store.Begin(meta)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// ErrPackUnavailable is returned until pack is wired to the store.
var ErrPackUnavailable = errors.New("server: pack is not available for this storage")

// Pack packs the storage; gc is honoured only when the storage's pack-gc
// setting allows it.
func (b *Backend) Pack(ctx context.Context, packTime proto.Tid, gc bool) error {
	return packStore(ctx, b, packTime, gc && b.PackGC)
}
