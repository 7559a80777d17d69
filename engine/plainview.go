// The plain view of a storage: what clients that did not ask for
// compressed records see. Records a storage keeps compressed (".z" zlib as
// zc.zlibstorage writes them, ".Z" zstd, ".S" s2; see proto/compress) are
// decompressed on the way out, so stock ZEO clients get plain pickles.

package engine

import (
	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/compress"
)

// plainStorage wraps a Storage, decompressing what it loads.
// TryLoadBefore, which runs on an event loop, decompresses a record only
// when its compressed form is at most loopDecompressMax bytes; a larger
// one answers ErrWouldBlock, so a worker decompresses it.
type plainStorage struct {
	Storage
	max int
}

// loopDecompressMax bounds the decompression an event loop does for one
// load: 4 KiB of compressed data inflates in about 15 µs with zlib (the
// slowest codec; zstd 5 µs, s2 2 µs), about what a round trip through a
// worker costs in wake-ups, and measured 72 µs against 9 µs at p50 for
// 2 KiB s2 records before loops decompressed them.
const loopDecompressMax = 4 << 10

// decompressors is kept across garbage collections, unlike a sync.Pool.
var decompressors compress.Pool

// decompressInto replaces data (which starts at dst[len(dst0):]) with its
// decompressed form when it is compressed.
func (p plainStorage) decompressInto(dst0, data []byte) ([]byte, error) {
	return decompressors.DecompressTail(data, len(dst0), p.max)
}

// plainCopy returns the plain form of a record the storage owns (an
// iterator's buffer), in a new buffer when it is compressed: the
// storage's bytes are never overwritten.
func (p plainStorage) plainCopy(data []byte) ([]byte, error) {
	if !compress.IsCompressed(data) {
		return data, nil
	}
	d := decompressors.Decompressor()
	out, err := d.Decompress(nil, data, p.max)
	decompressors.PutDecompressor(d)
	return out, err
}

func (p plainStorage) LoadBefore(oid proto.Oid, before proto.Tid, dst []byte) ([]byte, proto.Tid, proto.Tid, error) {
	data, start, end, err := p.Storage.LoadBefore(oid, before, dst)
	if err != nil {
		return data, start, end, err
	}
	data, err = p.decompressInto(dst, data)
	return data, start, end, err
}

func (p plainStorage) TryLoadBefore(oid proto.Oid, before proto.Tid, dst []byte) ([]byte, proto.Tid, proto.Tid, error) {
	data, start, end, err := p.Storage.TryLoadBefore(oid, before, dst)
	if err == nil && len(data)-len(dst) > loopDecompressMax && compress.IsCompressed(data[len(dst):]) {
		return dst, 0, 0, ErrWouldBlock
	}
	if err == nil {
		data, err = p.decompressInto(dst, data)
	}
	return data, start, end, err
}

func (p plainStorage) LoadSerial(oid proto.Oid, serial proto.Tid, dst []byte) ([]byte, error) {
	data, err := p.Storage.LoadSerial(oid, serial, dst)
	if err != nil {
		return data, err
	}
	return p.decompressInto(dst, data)
}

func (p plainStorage) RecordIterNext(next proto.Oid, dst []byte) (proto.DataRecord, proto.Oid, bool, error) {
	rec, n, more, err := p.Storage.RecordIterNext(next, dst)
	if err == nil && rec.Data != nil {
		rec.Data, err = p.plainCopy(rec.Data)
	}
	return rec, n, more, err
}

func (p plainStorage) Iterate(start, stop proto.Tid) (TxnIterator, error) {
	it, err := p.Storage.Iterate(start, stop)
	if err != nil {
		return nil, err
	}
	return plainTxnIter{it, p}, nil
}

type plainTxnIter struct {
	TxnIterator
	p plainStorage
}

func (it plainTxnIter) Records() RecordIterator { return plainRecIter{it.TxnIterator.Records(), it.p} }

type plainRecIter struct {
	RecordIterator
	p plainStorage
}

func (it plainRecIter) Next() (proto.DataRecord, bool, error) {
	rec, ok, err := it.RecordIterator.Next()
	if ok && err == nil && rec.Data != nil {
		rec.Data, err = it.p.plainCopy(rec.Data)
	}
	return rec, ok, err
}
