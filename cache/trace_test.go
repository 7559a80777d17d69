package cache

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

const traceT0 = 1704067200 // 2024-01-01T00:00:00Z

func readTrace(t *testing.T, path string) []TraceRecord {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []TraceRecord
	for len(b) > 0 {
		r, n, err := DecodeTraceRecord(b)
		if err != nil {
			t.Fatalf("decode at %d: %v", len(out), err)
		}
		out = append(out, r)
		b = b[n:]
	}
	return out
}

func TestTraceEvents(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		tp := filepath.Join(t.TempDir(), "cache.trace")
		clock := int64(traceT0)
		c := openTest(t, "", &Options{Size: 64 << 10, Policy: p, TracePath: tp,
			traceClock: func() int64 { clock++; return clock }})
		d := payload(1, 10, 300)
		c.Load(1, nil)                        // 20 miss
		mustStore(t, c, 1, 10, 0, d)          // 52
		mustStore(t, c, 1, 10, 0, d)          // duplicate: not traced
		c.Load(1, nil)                        // 22 hit
		c.Invalidate(1, 20)                   // 1C
		c.LoadBefore(1, 20, nil)              // 26 non-current hit
		c.LoadBefore(1, 5, nil)               // 24 miss, before in end
		c.Invalidate(2, 30)                   // 10
		mustStore(t, c, 3, 5, 8, []byte("x")) // 54
		mustStore(t, c, 4, 40, 0, nil)        // 52
		c.LoadBefore(4, 100, nil)             // 22 via the current record
		c.Invalidate(4, proto.ZeroTid)        // 1E
		c.Invalidate(4, 50)                   // 10
		closeTest(t, c)

		want := []TraceRecord{
			{Code: TraceRestart},
			{Code: TraceLoadMiss, Oid: 1},
			{Code: TraceStore, Oid: 1, Start: 10, DLen: 300},
			{Code: TraceLoadHit, Oid: 1, Start: 10, DLen: 300},
			{Code: TraceInvalidateKeep, Oid: 1, Start: 20},
			{Code: TraceLoadBeforeHit, Oid: 1, Start: 10, End: 20, DLen: 300},
			{Code: TraceLoadBeforeMiss, Oid: 1, End: 5},
			{Code: TraceInvalidateMiss, Oid: 2, Start: 30},
			{Code: TraceStoreNonCurrent, Oid: 3, Start: 5, End: 8, DLen: 1},
			{Code: TraceStore, Oid: 4, Start: 40},
			{Code: TraceLoadHit, Oid: 4, Start: 40},
			{Code: TraceInvalidateDrop, Oid: 4},
			{Code: TraceInvalidateMiss, Oid: 4, Start: 50},
		}
		got := readTrace(t, tp)
		if len(got) != len(want) {
			t.Fatalf("%d records, want %d: %+v", len(got), len(want), got)
		}
		for i := range want {
			w := want[i]
			w.Time = int32(traceT0 + 1 + i)
			w.OidLen = 8
			if i == 0 {
				w.OidLen = 0
			}
			if got[i] != w {
				t.Errorf("record %d = %+v, want %+v", i, got[i], w)
			}
		}
	})
}

func TestTraceEnvironment(t *testing.T) {
	dir := t.TempDir()
	tp := filepath.Join(dir, "env.trace")
	t.Setenv(TraceEnv, tp)
	m, err := OpenMemory(&Options{Size: 8192})
	if err != nil {
		t.Fatal(err)
	}
	m.Load(1, nil)
	checkOpen(t, m)
	m.Close()
	if _, err := os.Stat(tp); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("in-memory cache traced through the environment: %v", err)
	}
	c := openTest(t, filepath.Join(dir, "c.zec"), &Options{Size: 8192})
	c.Load(7, nil)
	closeTest(t, c)
	got := readTrace(t, tp)
	if len(got) != 2 || got[0].Code != TraceRestart || got[1].Code != TraceLoadMiss || got[1].Oid != 7 {
		t.Fatalf("trace %+v", got)
	}
	// Appends across opens, like ZEO.
	c = openTest(t, filepath.Join(dir, "c.zec"), &Options{Size: 8192})
	closeTest(t, c)
	if got := readTrace(t, tp); len(got) != 3 || got[2].Code != TraceRestart {
		t.Fatalf("second open: %+v", got)
	}
}

func TestTraceUnwritable(t *testing.T) {
	logs := &logCapture{}
	c := openTest(t, "", &Options{Size: 8192, TracePath: filepath.Join(t.TempDir(), "no", "such", "dir"), Logger: logs.logger()})
	c.Load(1, nil) // works without a trace
	logs.mustContain(t, "cannot open trace file")
}

func TestTraceRecordKnownBytes(t *testing.T) {
	// Built by hand from spec §5.4: ">iiH8s8s" + oid.
	wantHex := "65920000" + // time 1704067072
		"00012c22" + // dlen 300 << 8 | 0x22
		"0008" + // oid length
		"03f58e0004444444" + // start tid
		"0000000000000000" + // end tid
		"0000000000000007" // oid
	want, _ := hex.DecodeString(wantHex)
	r := TraceRecord{Time: 0x65920000, Code: TraceLoadHit, DLen: 300, OidLen: 8, Oid: 7, Start: 0x03f58e0004444444}
	prefix := []byte("prefix")
	got := AppendTraceRecord(append([]byte(nil), prefix...), &r)
	if !bytes.Equal(got[:6], prefix) || !bytes.Equal(got[6:], want) {
		t.Fatalf("encoded %x\nwant    %x", got[6:], want)
	}
	dec, n, err := DecodeTraceRecord(want)
	if err != nil || n != len(want) || dec != r {
		t.Fatalf("decoded %+v n %d err %v", dec, n, err)
	}
	for i := 0; i < len(want); i++ {
		if _, n, err := DecodeTraceRecord(want[:i]); !errors.Is(err, proto.ErrShortBuffer) || n != 0 {
			t.Fatalf("prefix %d: n %d err %v", i, n, err)
		}
	}
	// The restart record has no oid.
	rs := AppendTraceRecord(nil, &TraceRecord{Time: 1, Code: TraceRestart})
	if len(rs) != TraceRecordHeaderSize {
		t.Fatalf("restart record %d bytes", len(rs))
	}
	// Version bit and the obsolete low bit; dlen clamped to 23 bits.
	odd, _ := hex.DecodeString("00000001000001a3" + "0008" + "0000000000000000" + "0000000000000000" + "0000000000000001")
	dec, _, err = DecodeTraceRecord(odd)
	if err != nil || dec.Code != 0x22 || !dec.Version || dec.DLen != 1 {
		t.Fatalf("0xa3 code: %+v %v", dec, err)
	}
	big := AppendTraceRecord(nil, &TraceRecord{Time: 1, Code: TraceStore, DLen: 1 << 30, OidLen: 8})
	if dec, _, _ := DecodeTraceRecord(big); dec.DLen != TraceMaxDataLen {
		t.Fatalf("dlen not clamped: %d", dec.DLen)
	}
	// An oid longer than 8 bytes: an error with the length to skip.
	long := append(append([]byte(nil), want[:8]...), 0, 9)
	long = append(long, make([]byte, 16+9)...)
	if _, n, err := DecodeTraceRecord(long); !errors.Is(err, ErrTraceOid) || n != 35 {
		t.Fatalf("9-byte oid: n %d err %v", n, err)
	}
	// A short oid is a big-endian number.
	short, _ := hex.DecodeString("00000001000000200002" + "0000000000000000" + "0000000000000000" + "0102")
	if dec, n, err := DecodeTraceRecord(short); err != nil || n != 28 || dec.Oid != 0x0102 {
		t.Fatalf("2-byte oid: %+v %d %v", dec, n, err)
	}
}
