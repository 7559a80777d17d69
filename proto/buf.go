// Field encoding shared by every message: fixed-width integers, byte fields,
// optional byte fields, counted lists, and the bounds-checked decoder.

package proto

import (
	"encoding/binary"
	"math"
	"slices"
)

// Byte-field limits. A byte field is a u32 length followed by that many
// bytes; in an optional field the length nilFieldLen means "nil" (absent),
// distinct from an empty value (length 0).
const (
	// MaxFieldLen is the longest byte field that can be encoded.
	MaxFieldLen = 0xfffffffe
	nilFieldLen = 0xffffffff
)

func appendU16(dst []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(dst, v) }
func appendU32(dst []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(dst, v) }
func appendU64(dst []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(dst, v) }

func appendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}

func appendF64(dst []byte, v float64) []byte { return appendU64(dst, math.Float64bits(v)) }

// AppendBytesField appends b as a byte field: u32 length, then the bytes.
// A nil b encodes as the empty value. It panics if b is longer than
// MaxFieldLen, which no frame can carry anyway.
func AppendBytesField(dst, b []byte) []byte {
	checkFieldLen(len(b))
	dst = appendU32(dst, uint32(len(b)))
	return append(dst, b...)
}

// AppendOptBytesField appends b as an optional byte field: nil encodes as
// the length 0xffffffff with no bytes, anything else as AppendBytesField.
func AppendOptBytesField(dst, b []byte) []byte {
	if b == nil {
		return appendU32(dst, nilFieldLen)
	}
	return AppendBytesField(dst, b)
}

func appendString(dst []byte, s string) []byte {
	checkFieldLen(len(s))
	dst = appendU32(dst, uint32(len(s)))
	return append(dst, s...)
}

func checkFieldLen(n int) {
	if uint64(n) > MaxFieldLen {
		panic("proto: BUG: byte field longer than 4 GiB")
	}
}

// StartBytesField reserves the u32 length of a byte field at the end of dst
// and returns mark, the field's position. The caller appends the field's
// bytes (for example a storage copying object data straight into a reply),
// then calls FinishBytesField(dst, mark).
func StartBytesField(dst []byte) (out []byte, mark int) {
	return append(dst, 0, 0, 0, 0), len(dst)
}

// FinishBytesField patches the length of the byte field started at mark to
// cover everything appended after it. It panics if mark is not a position
// StartBytesField returned for dst, or if the field exceeds MaxFieldLen.
func FinishBytesField(dst []byte, mark int) []byte {
	n := len(dst) - mark - 4
	if mark < 0 || n < 0 {
		panic("proto: BUG: FinishBytesField mark out of range")
	}
	checkFieldLen(n)
	binary.BigEndian.PutUint32(dst[mark:], uint32(n))
	return dst
}

// decoder reads fields from a message body. It never panics and never
// allocates while the input is valid: the first failure is recorded (which
// field, at what offset, which sentinel) and every later read returns zero
// values, so a Decode method reads all its fields and checks once at the
// end with finish.
type decoder struct {
	src   []byte
	off   int
	err   error
	field string
	at    int
}

func (d *decoder) fail(field string, err error) {
	if d.err == nil {
		d.err, d.field, d.at = err, field, d.off
	}
}

// take returns the next n bytes, aliasing src. n is checked in 64-bit
// arithmetic so lengths near 2^32 cannot wrap.
func (d *decoder) take(field string, n uint64) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.src)-d.off) {
		d.fail(field, ErrShortBuffer)
		return nil
	}
	b := d.src[d.off : d.off+int(n) : d.off+int(n)]
	d.off += int(n)
	return b
}

func (d *decoder) u8(field string) byte {
	if b := d.take(field, 1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) u16(field string) uint16 {
	if b := d.take(field, 2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (d *decoder) u32(field string) uint32 {
	if b := d.take(field, 4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) u64(field string) uint64 {
	if b := d.take(field, 8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

func (d *decoder) oid(field string) Oid   { return Oid(d.u64(field)) }
func (d *decoder) tid(field string) Tid   { return Tid(d.u64(field)) }
func (d *decoder) i64(field string) int64 { return int64(d.u64(field)) }

func (d *decoder) f64(field string) float64 { return math.Float64frombits(d.u64(field)) }

// bool accepts only 0 and 1, so that every accepted body re-encodes to the
// same bytes.
func (d *decoder) bool(field string) bool {
	at := d.off
	switch d.u8(field) {
	case 0:
		return false
	case 1:
		return true
	}
	if d.err == nil {
		d.off = at
		d.fail(field, ErrBadValue)
	}
	return false
}

// bytes reads a byte field that may not be nil. The result aliases src and
// is non-nil (empty, not nil, for length 0) when the read succeeds.
func (d *decoder) bytes(field string) []byte {
	at := d.off
	n := d.u32(field)
	if n == nilFieldLen && d.err == nil {
		d.off = at
		d.fail(field, ErrBadValue)
		return nil
	}
	return d.take(field, uint64(n))
}

// optBytes reads an optional byte field: nil for the nil marker.
func (d *decoder) optBytes(field string) []byte {
	n := d.u32(field)
	if n == nilFieldLen || d.err != nil {
		return nil
	}
	return d.take(field, uint64(n))
}

// str reads a byte field as a string. Unlike byte fields it copies (and so
// allocates); only cold-path messages carry strings.
func (d *decoder) str(field string) string {
	return string(d.bytes(field))
}

// count reads a list count and checks that count elements of at least
// minSize bytes each fit in the rest of the input, before the caller
// appends anything: a hostile count cannot make it allocate.
func (d *decoder) count(field string, minSize int) int {
	n := d.u32(field)
	if d.err != nil {
		return 0
	}
	if uint64(n)*uint64(minSize) > uint64(len(d.src)-d.off) {
		d.off -= 4
		d.fail(field, ErrShortBuffer)
		return 0
	}
	return int(n)
}

// finish reports the first failure, or trailing bytes, as a *MessageError
// naming the message.
func (d *decoder) finish(op Op, what string) error {
	if d.err == nil && d.off != len(d.src) {
		d.fail("end", ErrTrailingBytes)
	}
	if d.err == nil {
		return nil
	}
	return &MessageError{Op: op, What: what, Field: d.field, Offset: d.at, Err: d.err}
}

// appendOids appends a counted list of oids.
func appendOids(dst []byte, oids []Oid) []byte {
	dst = appendU32(dst, uint32(len(oids)))
	for _, o := range oids {
		dst = appendU64(dst, uint64(o))
	}
	return dst
}

// oids decodes a counted list of oids, appending to dst. The count is
// checked against the input before dst grows.
func (d *decoder) oids(field string, dst []Oid) []Oid {
	b := d.take(field, uint64(d.count(field, 8))*8)
	dst = slices.Grow(dst, len(b)/8)
	for ; len(b) >= 8; b = b[8:] {
		dst = append(dst, Oid(binary.BigEndian.Uint64(b)))
	}
	return dst
}

// u64s decodes a counted list of u64s, appending to dst.
func (d *decoder) u64s(field string, dst []uint64) []uint64 {
	b := d.take(field, uint64(d.count(field, 8))*8)
	dst = slices.Grow(dst, len(b)/8)
	for ; len(b) >= 8; b = b[8:] {
		dst = append(dst, binary.BigEndian.Uint64(b))
	}
	return dst
}

// appendRecord appends a data record: oid, tid, data_txn, optional data.
func appendRecord(dst []byte, r *DataRecord) []byte {
	dst = appendU64(appendU64(dst, uint64(r.Oid)), uint64(r.Tid))
	return AppendOptBytesField(appendU64(dst, uint64(r.DataTxn)), r.Data)
}

func (d *decoder) record(r *DataRecord) {
	r.Oid = d.oid("oid")
	r.Tid = d.tid("tid")
	r.DataTxn = d.tid("data_txn")
	r.Data = d.optBytes("data")
}
