// The adapter that lets the engine serve an fsstore.Store: the wiring the
// engine must not do itself (it never imports fsstore).

package server

import (
	"context"
	"log/slog"
	"runtime"

	"github.com/gozeo/gozeo/engine"
	"github.com/gozeo/gozeo/fsstore"
	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/compress"
)

// Backend serves a FileStorage through the engine's Storage interface.
type Backend struct {
	*fsstore.Store
	// PackGC and PackKeepOld are the storage's pack-gc and pack-keep-old
	// settings.
	PackGC      bool
	PackKeepOld bool
	log         *slog.Logger
	// Compress is the codec records are stored with (the storage's
	// compress key); compress.None stores them as clients send them.
	Compress compress.Codec
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
	if b.Compress == compress.None {
		return t, nil
	}
	return &compressingTxn{Txn: t, codec: b.Compress}, nil
}

// compressingTxn compresses the records it stores. It runs on the commit
// goroutine of a vote, never on an event loop. Records already compressed
// (by a client, or copied from a compressed database) are stored as is.
type compressingTxn struct {
	*fsstore.Txn
	codec compress.Codec
	buf   []byte
}

// compressors keeps the commit goroutines' Compressors, and compressing
// lets at most GOMAXPROCS of them work at once. Without that bound, 16
// committers on 2 cores took turns on 16 zstd encoders whose tables (about
// 1 MB each) evicted each other from the CPU caches: a 2 KiB record cost
// 50 µs instead of 20 µs. A compress.Pool rather than a sync.Pool, which
// would drop the tables at every garbage collection.
var (
	compressors compress.Pool
	compressing = make(chan struct{}, runtime.GOMAXPROCS(0))
)

func (t *compressingTxn) squeeze(data []byte) []byte {
	compressing <- struct{}{}
	z := compressors.Compressor(t.codec)
	// The store keeps its own copy of the record, so one buffer serves
	// every call.
	t.buf, _ = z.Compress(t.buf[:0], data)
	compressors.PutCompressor(z)
	<-compressing
	return t.buf
}

func (t *compressingTxn) Store(oid proto.Oid, serial proto.Tid, data []byte) error {
	return t.Txn.Store(oid, serial, t.squeeze(data))
}

func (t *compressingTxn) Restore(oid proto.Oid, serial proto.Tid, data []byte, prevTxn proto.Tid) error {
	if data != nil {
		data = t.squeeze(data)
	}
	return t.Txn.Restore(oid, serial, data, prevTxn)
}

// Pack packs the storage; gc is honoured only when the storage's pack-gc
// setting allows it.
func (b *Backend) Pack(ctx context.Context, packTime proto.Tid, gc bool) error {
	return packStore(ctx, b, packTime, gc && b.PackGC)
}
