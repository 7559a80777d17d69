// Tracing: ZEO's cache trace record codec and the buffered trace writer.

package cache

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gozeo/gozeo/proto"
)

// Trace event codes, ZEO's (ZEO/cache.py and ZEO/scripts/cache_stats.py):
// the high nibble is the operation, the low one the outcome (0/2/4 miss,
// A/C/E hit).
const (
	TraceRestart           = 0x00 // trace opened (the cache was opened)
	TraceInvalidateMiss    = 0x10 // invalidate: no current record
	TraceInvalidateVersion = 0x1A // invalidate, version (historic, never written)
	TraceInvalidateKeep    = 0x1C // invalidate: current record kept as non-current
	TraceInvalidateDrop    = 0x1E // invalidate: current record discarded
	TraceLoadMiss          = 0x20 // load current: miss
	TraceLoadHit           = 0x22 // load current: hit (start tid, dlen)
	TraceLoadBeforeMiss    = 0x24 // load non-current: miss (before tid in the end field)
	TraceLoadBeforeHit     = 0x26 // load non-current: hit
	TraceStoreVersion      = 0x50 // store, version (historic, never written)
	TraceStore             = 0x52 // store current (start, dlen)
	TraceStoreNonCurrent   = 0x54 // store non-current (start, end, dlen)
)

// Trace record sizes.
const (
	TraceRecordHeaderSize = 26        // ">iiH8s8s", before the oid
	TraceMaxDataLen       = 1<<23 - 1 // the largest data length a record holds
)

const (
	traceVersionBit         = 0x80
	traceCodeMask           = 0x7e
	traceBufferSize         = 64 << 10
	traceRecordSizeOidBytes = TraceRecordHeaderSize + 8
)

// TraceRecord is one trace record: ZEO's struct ">iiH8s8s" followed by the
// oid bytes.
//
//	off size
//	0   4    int32 BE   Time, Unix seconds (0 marks a misaligned record)
//	4   4    int32 BE   DLen<<8 | Version<<7 | Code (DLen: data bytes, 23 bits)
//	8   2    uint16 BE  oid length (8; 0 for TraceRestart)
//	10  8    start tid  (ZeroTid when absent)
//	18  8    end tid    (ZeroTid when absent)
//	26  n    oid, big-endian
type TraceRecord struct {
	Time    int32
	Code    byte // code & 0x7e: the low bit (an old file-number flag) is dropped
	Version bool
	DLen    uint32
	OidLen  uint16
	Oid     proto.Oid
	Start   proto.Tid
	End     proto.Tid
}

// ErrTraceOid is a trace record whose oid is longer than 8 bytes.
var ErrTraceOid = errors.New("cache: trace record oid longer than 8 bytes")

// AppendTraceRecord appends r in ZEO's trace format. OidLen 0 writes no
// oid; any other value writes the 8-byte oid. DLen is clamped to 23 bits.
func AppendTraceRecord(dst []byte, r *TraceRecord) []byte {
	dlen := r.DLen
	if dlen > TraceMaxDataLen {
		dlen = TraceMaxDataLen
	}
	code := uint32(r.Code&traceCodeMask) | dlen<<8
	if r.Version {
		code |= traceVersionBit
	}
	oidLen := uint16(8)
	if r.OidLen == 0 {
		oidLen = 0
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(r.Time))
	dst = binary.BigEndian.AppendUint32(dst, code)
	dst = binary.BigEndian.AppendUint16(dst, oidLen)
	dst = binary.BigEndian.AppendUint64(dst, uint64(r.Start))
	dst = binary.BigEndian.AppendUint64(dst, uint64(r.End))
	if oidLen != 0 {
		dst = binary.BigEndian.AppendUint64(dst, uint64(r.Oid))
	}
	return dst
}

// DecodeTraceRecord decodes the record at the start of src and returns its
// length n. Short input gives proto.ErrShortBuffer (n = 0). An oid longer
// than 8 bytes gives ErrTraceOid with n set, so a reader can skip it. A
// record with Time 0 decodes normally; ZEO's readers treat it as
// misaligned and skip 8 bytes, which is the reader's business. Shorter oids
// are read as big-endian numbers.
func DecodeTraceRecord(src []byte) (r TraceRecord, n int, err error) {
	if len(src) < TraceRecordHeaderSize {
		return r, 0, proto.ErrShortBuffer
	}
	be := binary.BigEndian
	r.Time = int32(be.Uint32(src))
	code := be.Uint32(src[4:])
	r.Code = byte(code) & traceCodeMask
	r.Version = code&traceVersionBit != 0
	r.DLen = (code & 0x7fffff00) >> 8
	r.OidLen = be.Uint16(src[8:])
	r.Start = proto.Tid(be.Uint64(src[10:]))
	r.End = proto.Tid(be.Uint64(src[18:]))
	n = TraceRecordHeaderSize + int(r.OidLen)
	if int64(len(src)) < int64(n) {
		return r, 0, proto.ErrShortBuffer
	}
	if r.OidLen > 8 {
		return r, n, fmt.Errorf("%w (%d bytes)", ErrTraceOid, r.OidLen)
	}
	var oid uint64
	for _, b := range src[TraceRecordHeaderSize:n] {
		oid = oid<<8 | uint64(b)
	}
	r.Oid = proto.Oid(oid)
	return r, n, nil
}

// tracer appends trace records to a file through a fixed buffer. It is
// used under the cache mutex. The first write error closes it with one log
// line, and the cache carries on untraced.
type tracer struct {
	f     *os.File
	path  string
	buf   []byte
	clock func() int64
}

func openTracer(path string, clock func() int64) (*tracer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if clock == nil {
		clock = func() int64 { return time.Now().Unix() }
	}
	return &tracer{f: f, path: path, buf: make([]byte, 0, traceBufferSize), clock: clock}, nil
}

// traceLocked records one event if tracing is on. REQUIRES: c.mu.
func (c *Cache) traceLocked(code byte, oid proto.Oid, start, end proto.Tid, dlen int) {
	t := c.tr
	if t == nil {
		return
	}
	if len(t.buf)+traceRecordSizeOidBytes > cap(t.buf) {
		c.flushTraceLocked()
		if c.tr == nil {
			return
		}
	}
	r := TraceRecord{Time: int32(t.clock()), Code: code, DLen: uint32(min(dlen, TraceMaxDataLen)),
		OidLen: 8, Oid: oid, Start: start, End: end}
	if code == TraceRestart {
		r.OidLen = 0
	}
	t.buf = AppendTraceRecord(t.buf, &r)
}

// flushTraceLocked writes the buffered records. REQUIRES: c.mu.
func (c *Cache) flushTraceLocked() {
	t := c.tr
	if t == nil || len(t.buf) == 0 {
		return
	}
	_, err := t.f.Write(t.buf)
	t.buf = t.buf[:0]
	if err != nil {
		c.log.Warn("cache: trace file write failed; tracing stopped", "path", t.path, "err", err)
		t.f.Close()
		c.tr = nil
	}
}

// closeTraceLocked flushes and closes the trace file. REQUIRES: c.mu.
func (c *Cache) closeTraceLocked() {
	if c.tr == nil {
		return
	}
	c.flushTraceLocked()
	if c.tr != nil {
		if err := c.tr.f.Close(); err != nil {
			c.log.Warn("cache: closing trace file", "path", c.tr.path, "err", err)
		}
		c.tr = nil
	}
}
