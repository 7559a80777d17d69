// Reader: streaming decoding of ZEO-format trace files.

package trace

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gozeo/gozeo/cache"
	"github.com/gozeo/gozeo/proto"
)

// Event is one decoded trace record.
type Event struct {
	Time    int64 // Unix seconds
	Code    byte  // cache.TraceLoadHit etc. (the code & 0x7e)
	Version bool
	DLen    uint32
	Oid     proto.Oid
	Start   proto.Tid
	End     proto.Tid
}

// ReadStats counts what a Reader consumed and skipped.
type ReadStats struct {
	Records    int64 // records decoded
	Bytes      int64 // bytes consumed
	Misaligned int64 // 8-byte skips over records with time 0
	BadOids    int64 // records skipped for an oid longer than 8 bytes
	Truncated  int64 // bytes of an incomplete last record (0 or 1 record)
}

// Errors is the number of problems met: misaligned skips, bad oids and a
// truncated tail.
func (s ReadStats) Errors() int64 {
	n := s.Misaligned + s.BadOids
	if s.Truncated > 0 {
		n++
	}
	return n
}

// Reader decodes trace records from a stream. It never panics on bad
// input and always makes progress, so it cannot hang.
type Reader struct {
	br    *bufio.Reader
	stats ReadStats
	err   error
}

// maxRecord is the largest record: the header and a 65535-byte oid.
const maxRecord = cache.TraceRecordHeaderSize + 0xffff

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 2*maxRecord)}
}

// Next decodes the next record into ev. It returns false at the end of
// the input or on a read error (see Err); a truncated last record ends
// the input and is counted in Stats().Truncated.
func (r *Reader) Next(ev *Event) bool {
	for r.err == nil {
		hdr, err := r.br.Peek(cache.TraceRecordHeaderSize)
		if len(hdr) < cache.TraceRecordHeaderSize {
			r.endOfInput(len(hdr), err)
			return false
		}
		if hdr[0]|hdr[1]|hdr[2]|hdr[3] == 0 {
			// ZEO's readers: a misaligned record from a crash; skip 8.
			r.discard(8)
			r.stats.Misaligned++
			continue
		}
		n := cache.TraceRecordHeaderSize + int(hdr[8])<<8 + int(hdr[9])
		rec, err := r.br.Peek(n)
		if len(rec) < n {
			r.endOfInput(len(rec), err)
			return false
		}
		tr, _, derr := cache.DecodeTraceRecord(rec)
		r.discard(n)
		if derr != nil {
			r.stats.BadOids++
			continue
		}
		*ev = Event{Time: int64(tr.Time), Code: tr.Code, Version: tr.Version, DLen: tr.DLen,
			Oid: tr.Oid, Start: tr.Start, End: tr.End}
		r.stats.Records++
		return true
	}
	return false
}

func (r *Reader) discard(n int) {
	d, _ := r.br.Discard(n)
	r.stats.Bytes += int64(d)
}

func (r *Reader) endOfInput(have int, err error) {
	if err != nil && !errors.Is(err, io.EOF) {
		r.err = err
		return
	}
	if have > 0 {
		r.stats.Truncated = int64(have)
		r.discard(have)
	}
	r.err = io.EOF
}

// Err returns the read error that stopped the Reader, or nil after a
// clean end (including a truncated tail, which Stats reports).
func (r *Reader) Err() error {
	if errors.Is(r.err, io.EOF) {
		return nil
	}
	return r.err
}

// Stats returns the counts so far.
func (r *Reader) Stats() ReadStats { return r.stats }

// Open opens a trace file for reading, gunzipping it if it starts with
// the gzip magic. Close the returned closer when done.
func Open(path string) (*Reader, io.Closer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("trace: %w", err)
	}
	br := bufio.NewReaderSize(f, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("trace: %s: %w", path, err)
		}
		return NewReader(gz), multiCloser{gz, f}, nil
	}
	return NewReader(br), f, nil
}

type multiCloser []io.Closer

func (m multiCloser) Close() error {
	var errs []error
	for _, c := range m {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// ReadFile reads a whole trace file into memory.
func ReadFile(path string) ([]Event, ReadStats, error) {
	r, closer, err := Open(path)
	if err != nil {
		return nil, ReadStats{}, err
	}
	defer closer.Close()
	var evs []Event
	var ev Event
	for r.Next(&ev) {
		evs = append(evs, ev)
	}
	if err := r.Err(); err != nil {
		return evs, r.Stats(), fmt.Errorf("trace: read %s: %w", path, err)
	}
	return evs, r.Stats(), nil
}

// Append encodes ev as a trace record onto dst (8-byte oid; none for a
// restart).
func Append(dst []byte, ev *Event) []byte {
	tr := cache.TraceRecord{Time: int32(ev.Time), Code: ev.Code, Version: ev.Version, DLen: ev.DLen,
		OidLen: 8, Oid: ev.Oid, Start: ev.Start, End: ev.End}
	if ev.Code == cache.TraceRestart {
		tr.OidLen = 0
	}
	return cache.AppendTraceRecord(dst, &tr)
}
