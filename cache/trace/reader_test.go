package trace

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gozeo/gozeo/cache"
	"github.com/gozeo/gozeo/proto"
)

// zeoRecord builds one record byte by byte as ZEO's _trace does:
// pack(">iiH8s8s", int(now()), (dlen << 8) + code, len(oid), tid, end_tid) + oid.
func zeoRecord(ts int32, code byte, dlen uint32, oid []byte, tid, end []byte) []byte {
	var b []byte
	b = binary.BigEndian.AppendUint32(b, uint32(ts))
	b = binary.BigEndian.AppendUint32(b, dlen<<8|uint32(code))
	b = binary.BigEndian.AppendUint16(b, uint16(len(oid)))
	b = append(b, tid...)
	b = append(b, end...)
	return append(b, oid...)
}

func p64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

var z64 = make([]byte, 8)

// handBuiltZEOTrace is a trace as a Python 2 ZEO client wrote it,
// including the quirks.
func handBuiltZEOTrace() []byte {
	var b []byte
	const t0 = 1704067200
	b = append(b, zeoRecord(t0, 0x00, 0, nil, z64, z64)...)                           // restart: no oid
	b = append(b, zeoRecord(t0, 0x20, 0, p64(1), z64, z64)...)                        // load miss
	b = append(b, zeoRecord(t0, 0x52, 300, p64(1), p64(0x100), z64)...)               // store current
	b = append(b, zeoRecord(t0+1, 0x22, 300, p64(1), p64(0x100), z64)...)             // load hit
	b = append(b, zeoRecord(t0+2, 0x1C, 0, p64(1), p64(0x200), z64)...)               // invalidate, keep
	b = append(b, zeoRecord(t0+3, 0x26, 0, p64(1), z64, p64(0x100))...)               // nc hit: tid "" -> zeros, start in end
	b = append(b, zeoRecord(t0+4, 0x24, 0, p64(2), z64, p64(0x150))...)               // nc miss: before in end
	b = append(b, zeoRecord(t0+5, 0x54, 40, p64(2), p64(0x90), p64(0x120))...)        // store non-current
	b = append(b, zeoRecord(t0+6, 0x1E, 0, p64(3), z64, z64)...)                      // verification drop
	b = append(b, zeoRecord(t0+7, 0x10, 0, p64(4), p64(0x300), z64)...)               // invalidate miss
	b = append(b, zeoRecord(t0+8, 0x22|0x80|0x01, 7, p64(5), p64(0x10), z64)...)      // version bit, low bit
	b = append(b, make([]byte, 8)...)                                                 // 8 bytes of a crash: time 0
	b = append(b, zeoRecord(t0+9, 0x20, 0, []byte{0x01, 0x02}, z64, z64)...)          // a 2-byte oid
	b = append(b, zeoRecord(t0+10, 0x20, 0, bytes.Repeat([]byte{1}, 9), z64, z64)...) // a 9-byte oid: skipped
	b = append(b, zeoRecord(t0+11, 0x20, 0, p64(6), z64, z64)[:20]...)                // truncated tail
	return b
}

func readAll(t *testing.T, b []byte) ([]Event, ReadStats) {
	t.Helper()
	r := NewReader(bytes.NewReader(b))
	var evs []Event
	var ev Event
	for r.Next(&ev) {
		evs = append(evs, ev)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return evs, r.Stats()
}

func TestReadZEOTraceWithQuirks(t *testing.T) {
	b := handBuiltZEOTrace()
	evs, st := readAll(t, b)
	const t0 = 1704067200
	want := []Event{
		{Time: t0, Code: 0x00},
		{Time: t0, Code: 0x20, Oid: 1},
		{Time: t0, Code: 0x52, DLen: 300, Oid: 1, Start: 0x100},
		{Time: t0 + 1, Code: 0x22, DLen: 300, Oid: 1, Start: 0x100},
		{Time: t0 + 2, Code: 0x1C, Oid: 1, Start: 0x200},
		{Time: t0 + 3, Code: 0x26, Oid: 1, End: 0x100},
		{Time: t0 + 4, Code: 0x24, Oid: 2, End: 0x150},
		{Time: t0 + 5, Code: 0x54, DLen: 40, Oid: 2, Start: 0x90, End: 0x120},
		{Time: t0 + 6, Code: 0x1E, Oid: 3},
		{Time: t0 + 7, Code: 0x10, Oid: 4, Start: 0x300},
		{Time: t0 + 8, Code: 0x22, Version: true, DLen: 7, Oid: 5, Start: 0x10},
		{Time: t0 + 9, Code: 0x20, Oid: 0x0102},
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(evs), len(want), evs)
	}
	for i := range want {
		if evs[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, evs[i], want[i])
		}
	}
	if st.Misaligned != 1 || st.BadOids != 1 || st.Truncated != 20 || st.Records != 12 || st.Bytes != int64(len(b)) {
		t.Fatalf("read stats %+v (len %d)", st, len(b))
	}
	if st.Errors() != 3 {
		t.Fatalf("errors %d", st.Errors())
	}
}

func TestReadRoundTripAndGzip(t *testing.T) {
	evs := GenerateEvents(GenConfig{Seed: 3, Objects: 200, Loads: 2000, CommitEvery: 10, ScanEvery: 500, ScanLength: 50})
	var raw []byte
	for i := range evs {
		raw = Append(raw, &evs[i])
	}
	dir := t.TempDir()
	plain := filepath.Join(dir, "t.trace")
	os.WriteFile(plain, raw, 0o644)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(raw)
	w.Close()
	zipped := filepath.Join(dir, "t.trace.gz")
	os.WriteFile(zipped, gz.Bytes(), 0o644)
	for _, p := range []string{plain, zipped} {
		got, st, err := ReadFile(p)
		if err != nil || st.Errors() != 0 || len(got) != len(evs) {
			t.Fatalf("%s: %d events (want %d), %+v, %v", p, len(got), len(evs), st, err)
		}
		for i := range evs {
			if got[i] != evs[i] {
				t.Fatalf("%s: event %d = %+v, want %+v", p, i, got[i], evs[i])
			}
		}
	}
	if _, _, err := ReadFile(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing file read")
	}
	os.WriteFile(filepath.Join(dir, "bad.gz"), []byte{0x1f, 0x8b, 1, 2, 3}, 0o644)
	if _, _, err := ReadFile(filepath.Join(dir, "bad.gz")); err == nil {
		t.Fatal("corrupt gzip accepted")
	}
}

// TestReadHostileInput: random and mutated bytes never panic or hang, and
// every byte is accounted for.
func TestReadHostileInput(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	base := handBuiltZEOTrace()
	for i := 0; i < 2000; i++ {
		var b []byte
		if i%2 == 0 {
			b = make([]byte, r.IntN(400))
			for j := range b {
				b[j] = byte(r.Uint32())
			}
		} else {
			b = append([]byte(nil), base[:r.IntN(len(base))]...)
			for k := 0; k < 3 && len(b) > 0; k++ {
				b[r.IntN(len(b))] ^= byte(1 << r.IntN(8))
			}
		}
		_, st := readAll(t, b)
		if st.Bytes != int64(len(b)) {
			t.Fatalf("input %d: consumed %d of %d bytes", i, st.Bytes, len(b))
		}
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("disk on fire")
	}
	n := copy(p, handBuiltZEOTrace()[:min(f.n, len(p))])
	f.n = 0
	return n, nil
}

func TestReadError(t *testing.T) {
	r := NewReader(&failingReader{n: 30})
	var ev Event
	for r.Next(&ev) {
	}
	if r.Err() == nil || !strings.Contains(r.Err().Error(), "disk on fire") {
		t.Fatalf("Err() = %v", r.Err())
	}
}

func FuzzReader(f *testing.F) {
	f.Add(handBuiltZEOTrace())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(bytes.NewReader(b))
		var ev Event
		n := 0
		for r.Next(&ev) {
			n++
			if n > len(b) {
				t.Fatal("more records than bytes")
			}
		}
		if r.Stats().Bytes != int64(len(b)) {
			t.Fatalf("consumed %d of %d", r.Stats().Bytes, len(b))
		}
	})
}

// TestAppendMatchesCacheWriter: Append and the cache's own writer agree.
func TestAppendMatchesCacheWriter(t *testing.T) {
	ev := Event{Time: 77, Code: cache.TraceStoreNonCurrent, DLen: 12, Oid: 9, Start: 3, End: 4}
	got := Append(nil, &ev)
	want := cache.AppendTraceRecord(nil, &cache.TraceRecord{Time: 77, Code: 0x54, DLen: 12, OidLen: 8, Oid: 9, Start: 3, End: 4})
	if !bytes.Equal(got, want) {
		t.Fatalf("%x != %x", got, want)
	}
	if len(Append(nil, &Event{Time: 1})) != cache.TraceRecordHeaderSize {
		t.Fatal("restart record carries an oid")
	}
	_ = proto.Oid(0)
}
