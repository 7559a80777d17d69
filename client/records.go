// Owned copies of reply data: decompression of records and the arena
// that copies byte fields out of reply buffers.

package client

import (
	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/compress"
)

// ownUndoEntries copies the entries' byte fields out of the reply buffer.
func ownUndoEntries(es []proto.UndoEntry) []proto.UndoEntry {
	var a arena
	for i := range es {
		e := &es[i]
		a.reserve(len(e.ID) + len(e.User) + len(e.Description) + len(e.Extension))
	}
	for i := range es {
		e := &es[i]
		e.ID, e.User, e.Description, e.Extension = a.copy(e.ID), a.copy(e.User), a.copy(e.Description), a.copy(e.Extension)
	}
	return es
}

// decompressors serve callers that decode records outside the reader;
// a compress.Pool keeps them across garbage collections.
var decompressors compress.Pool

// plainAppend appends the plain form of a record from cn to dst.
func (c *Client) plainAppend(cn *conn, dst, src []byte) ([]byte, error) {
	if cn.features&proto.FeatureCompressedRecords == 0 || !compress.IsCompressed(src) {
		return append(dst, src...), nil
	}
	d := decompressors.Decompressor()
	defer decompressors.PutDecompressor(d)
	return d.Decompress(dst, src, int(c.opts.MaxFrameSize))
}

// arena copies byte fields out of a reply buffer into one allocation.
type arena struct {
	need int
	buf  []byte
}

func (a *arena) reserve(n int) { a.need += n }

// copy returns an owned copy of b (nil stays nil).
func (a *arena) copy(b []byte) []byte {
	if b == nil {
		return nil
	}
	if a.buf == nil {
		a.buf = make([]byte, 0, a.need)
	}
	n := len(a.buf)
	a.buf = append(a.buf, b...)
	return a.buf[n:len(a.buf):len(a.buf)]
}

// cachedPlain turns a record read from the cache (as it arrived from the
// server, or as this client stored it) into its plain form, in place in
// data's buffer. Plain records are returned as they are; nothing is
// allocated in steady state.
func cachedPlain(data []byte, maxSize int) ([]byte, error) {
	return decompressors.DecompressTail(data, 0, maxSize)
}

// compressors keeps the Compressors of CompressStores (across garbage
// collections, unlike a sync.Pool).
var compressors compress.Pool
