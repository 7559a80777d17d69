// Writer: the streaming encoder for either encoding, with container
// bookkeeping (pickle batching, msgpack headers) and whole messages.

package zeo5

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/gozeo/gozeo/proto"
)

// writerMaxDepth bounds container nesting in a Writer.
const writerMaxDepth = 100

// kindMessage marks the (msgid, flags, name, args) frame on the Writer stack.
const kindMessage Kind = 0xfe

type wframe struct {
	kind Kind
	n    int // declared items (pairs for a map)
	i    int // items written (keys and values count separately in a map)
}

// Writer encodes values and whole messages into a byte slice, producing the
// bytes zodbpickle (protocol 3, fast mode) or msgpack.packb(use_bin_type=
// True) would. Containers declare their item count up front (BeginTuple(n)
// ... End()). Message methods (BeginCall, BeginReply, ...) write a complete
// frame, length prefix included; EndMessage finishes it and reports any
// error, rolling the buffer back to where the message started. A Writer is
// reusable and allocates nothing once its buffer has grown; it is not safe
// for concurrent use.
type Writer struct {
	enc     Encoding
	buf     []byte
	err     error
	depth   int
	frameAt int // position of the open message's length prefix, or -1
	frames  [writerMaxDepth]wframe
	ext     *Decoder // scratch for extension dicts in reply helpers
}

// NewWriter returns a Writer for enc appending to dst.
func NewWriter(enc Encoding, dst []byte) *Writer {
	w := &Writer{}
	w.Reset(enc, dst)
	return w
}

// Reset makes the Writer append to dst in encoding enc, dropping any state.
func (w *Writer) Reset(enc Encoding, dst []byte) {
	w.enc, w.buf, w.err, w.depth, w.frameAt = enc, dst, nil, 0, -1
	if !enc.Valid() {
		w.err = ErrBadEncoding
	}
}

// Bytes returns the encoded bytes.
func (w *Writer) Bytes() []byte { return w.buf }

// Encoding returns the Writer's encoding.
func (w *Writer) Encoding() Encoding { return w.enc }

// Err returns the first error since Reset or the last EndMessage.
func (w *Writer) Err() error { return w.err }

func (w *Writer) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

func (w *Writer) misuse(what string) { w.fail(fmt.Errorf("%w: %s", ErrWriter, what)) }

// pre prepares for one item: checks the enclosing container's count and
// writes a pickle batch MARK when one is due.
func (w *Writer) pre() bool {
	if w.err != nil {
		return false
	}
	if w.depth == 0 {
		return true
	}
	f := &w.frames[w.depth-1]
	total := f.n
	if f.kind == KindMap {
		total = 2 * f.n
	}
	if f.i >= total {
		w.misuse("more items than the container declared")
		return false
	}
	if w.enc == Pickle {
		switch {
		case f.kind == KindList && pickleBatchOpen(f.i, f.n),
			f.kind == KindMap && f.i%2 == 0 && pickleBatchOpen(f.i/2, f.n):
			w.buf = append(w.buf, opMark)
		}
	}
	return true
}

// post completes one item: writes a pickle APPEND(S)/SETITEM(S) when due.
func (w *Writer) post() {
	if w.depth == 0 || w.err != nil {
		return
	}
	f := &w.frames[w.depth-1]
	if w.enc == Pickle {
		var c byte
		switch {
		case f.kind == KindList:
			c = pickleBatchClose(f.i, f.n, false)
		case f.kind == KindMap && f.i%2 == 1:
			c = pickleBatchClose(f.i/2, f.n, true)
		}
		if c != 0 {
			w.buf = append(w.buf, c)
		}
	}
	f.i++
}

func (w *Writer) push(kind Kind, n int) {
	if w.depth >= writerMaxDepth {
		w.fail(ErrTooDeep)
		return
	}
	w.frames[w.depth] = wframe{kind: kind, n: n}
	w.depth++
}

// Nil writes None.
func (w *Writer) Nil() {
	if w.pre() {
		w.buf = appendScalar(w.buf, w.enc, Value{})
		w.post()
	}
}

// Bool writes a bool.
func (w *Writer) Bool(b bool) {
	if w.pre() {
		w.buf = appendScalar(w.buf, w.enc, Bool(b))
		w.post()
	}
}

// Int writes an int in its smallest form.
func (w *Writer) Int(i int64) {
	if w.pre() {
		w.buf = appendScalar(w.buf, w.enc, Int(i))
		w.post()
	}
}

// Uint writes a non-negative int up to 2^64-1.
func (w *Writer) Uint(u uint64) {
	if w.pre() {
		w.buf = appendScalar(w.buf, w.enc, Uint(u))
		w.post()
	}
}

// Float writes a float (pickle BINFLOAT, msgpack float64).
func (w *Writer) Float(f float64) {
	if w.pre() {
		w.buf = appendScalar(w.buf, w.enc, Float(f))
		w.post()
	}
}

// Bin writes a bytes value.
func (w *Writer) Bin(b []byte) {
	if w.pre() {
		if uint64(len(b)) > math.MaxUint32 {
			w.fail(ErrNotEncodable)
			return
		}
		w.buf = appendScalar(w.buf, w.enc, Bytes(b))
		w.post()
	}
}

// Str writes a str; s must be valid UTF-8.
func (w *Writer) Str(s string) {
	if w.pre() {
		if uint64(len(s)) > math.MaxUint32 {
			w.fail(ErrNotEncodable)
			return
		}
		if w.enc == Pickle {
			w.buf = appendPickleStr(w.buf, s)
		} else {
			w.buf = appendMsgpackStr(w.buf, s)
		}
		w.post()
	}
}

// StrBytes writes a str given as UTF-8 bytes.
func (w *Writer) StrBytes(s []byte) {
	if w.pre() {
		if uint64(len(s)) > math.MaxUint32 {
			w.fail(ErrNotEncodable)
			return
		}
		w.buf = appendScalar(w.buf, w.enc, Str(s))
		w.post()
	}
}

// Oid writes an oid as 8 bytes.
func (w *Writer) Oid(oid proto.Oid) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(oid))
	w.Bin(b[:])
}

// Tid writes a tid as 8 bytes.
func (w *Writer) Tid(tid proto.Tid) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(tid))
	w.Bin(b[:])
}

// Raw writes one already-encoded item (in the Writer's encoding), such as
// a Message.MsgIDRaw.
func (w *Writer) Raw(item []byte) {
	if w.pre() {
		if len(item) == 0 {
			w.misuse("empty raw item")
			return
		}
		w.buf = append(w.buf, item...)
		w.post()
	}
}

// Value writes a decoded value and everything inside it; containers must
// belong to d.
func (w *Writer) Value(d *Decoder, v Value) {
	if w.pre() {
		var err error
		if w.buf, err = appendValue(w.buf, w.enc, d, v, w.depth); err != nil {
			w.fail(err)
			return
		}
		w.post()
	}
}

// BeginTuple opens a tuple of n items (a msgpack array).
func (w *Writer) BeginTuple(n int) {
	if w.pre() {
		if w.enc == Pickle {
			if pickleTupleNeedsMark(n) {
				w.buf = append(w.buf, opMark)
			}
		} else {
			w.buf = appendMsgpackArrayHeader(w.buf, n)
		}
		w.push(KindTuple, n)
	}
}

// BeginList opens a list of n items (a msgpack array).
func (w *Writer) BeginList(n int) {
	if w.pre() {
		if w.enc == Pickle {
			w.buf = append(w.buf, opEmptyList)
		} else {
			w.buf = appendMsgpackArrayHeader(w.buf, n)
		}
		w.push(KindList, n)
	}
}

// BeginMap opens a map of n pairs; write key, value, key, value ...
func (w *Writer) BeginMap(n int) {
	if w.pre() {
		if w.enc == Pickle {
			w.buf = append(w.buf, opEmptyDict)
		} else {
			w.buf = appendMsgpackMapHeader(w.buf, n)
		}
		w.push(KindMap, n)
	}
}

// End closes the innermost tuple, list or map, which must be complete.
func (w *Writer) End() {
	if w.err != nil {
		return
	}
	if w.depth == 0 || w.frames[w.depth-1].kind == kindMessage {
		w.misuse("End without an open container")
		return
	}
	f := w.frames[w.depth-1]
	total := f.n
	if f.kind == KindMap {
		total = 2 * f.n
	}
	if f.i != total {
		w.misuse("container closed before all its items were written")
		return
	}
	if w.enc == Pickle && f.kind == KindTuple {
		w.buf = append(w.buf, pickleTupleEnd(f.n))
	}
	w.depth--
	w.post()
}
