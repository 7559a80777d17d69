package bench_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gozeo/gozeo/bench"
	"github.com/gozeo/gozeo/cache"
	"github.com/gozeo/gozeo/cache/trace"
)

var genTraces = flag.Bool("gen-traces", false, "rewrite bench/testdata/*.trace.gz from the presets")

// TestShippedTraces checks that the committed traces are exactly what
// their presets generate (and rewrites them with -gen-traces; the same
// files come from "gozeo bench gen-trace -preset NAME OUT").
func TestShippedTraces(t *testing.T) {
	for _, name := range bench.TracePresets() {
		cfg, err := bench.TracePreset(name)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", name+".trace.gz")
		if *genTraces {
			if _, err := bench.WriteTraceFile(path, cfg); err != nil {
				t.Fatal(err)
			}
		}
		evs, rs, err := trace.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (regenerate with go test ./bench -run TestShippedTraces -gen-traces)", err)
		}
		if rs.Errors() != 0 {
			t.Fatalf("%s: %+v", path, rs)
		}
		if want := trace.GenerateEvents(cfg); !reflect.DeepEqual(evs, want) {
			t.Fatalf("%s: %d events differ from the preset's %d", path, len(evs), len(want))
		}
	}
	if _, err := bench.TracePreset("nope"); err == nil {
		t.Fatal("unknown preset accepted")
	}
}

// TestShippedTracesSeparatePolicies backs the PERFORMANCE.md sentence:
// on both traces TinyLFU beats FIFO when the cache holds a fraction of
// the working set, and they meet once it holds all of it.
func TestShippedTracesSeparatePolicies(t *testing.T) {
	for _, name := range bench.TracePresets() {
		evs, _, err := trace.ReadFile(filepath.Join("testdata", name+".trace.gz"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := trace.Simulate(evs, trace.SimConfig{Sizes: []int64{256 << 10, 16 << 20}})
		if err != nil {
			t.Fatal(err)
		}
		small, big := map[string]float64{}, map[string]float64{}
		for _, r := range res {
			if r.Size == 256<<10 {
				small[r.Policy] = r.HitRatio()
			} else {
				big[r.Policy] = r.HitRatio()
			}
		}
		if small["tinylfu"] <= small["fifo"]+3 {
			t.Errorf("%s at 256 KB: tinylfu %.2f%%, fifo %.2f%%", name, small["tinylfu"], small["fifo"])
		}
		if big["tinylfu"] != big["fifo"] {
			t.Errorf("%s at 16 MB: tinylfu %.2f%%, fifo %.2f%% (the whole working set fits)", name, big["tinylfu"], big["fifo"])
		}
	}
}

// zeoRecord packs one record as Python ZEO's cache tracer does:
// struct.pack(">iiH8s8s", time, code | dlen << 8, len(oid), start, end)
// followed by the oid bytes.
func zeoRecord(ts int32, code byte, dlen uint32, oid []byte, start, end uint64) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(ts))
	b = binary.BigEndian.AppendUint32(b, uint32(code)|dlen<<8)
	b = binary.BigEndian.AppendUint16(b, uint16(len(oid)))
	b = binary.BigEndian.AppendUint64(b, start)
	b = binary.BigEndian.AppendUint64(b, end)
	return append(b, oid...)
}

// TestHandBuiltZEOTrace reads a trace laid out byte by byte as Python
// ZEO writes it, through cache/trace (the reader cache-simul uses).
func TestHandBuiltZEOTrace(t *testing.T) {
	oid1 := []byte{0, 0, 0, 0, 0, 0, 0, 1}
	oid7 := []byte{0, 0, 0, 0, 0, 0, 0, 7}
	const t0 = 1704067200
	var b bytes.Buffer
	b.Write(zeoRecord(t0, 0x00, 0, nil, 0, 0))                             // restart
	b.Write(zeoRecord(t0, 0x20, 0, oid1, 0, 0))                            // load miss
	b.Write(zeoRecord(t0, 0x52, 300, oid1, 0x03f58e0004444444, 0))         // store current
	b.Write(zeoRecord(t0+1, 0x22, 300, oid1, 0x03f58e0004444444, 0))       // load hit
	b.Write(zeoRecord(t0+2, 0x1c, 0, oid1, 0x03f58e0008888888, 0))         // invalidate, kept non-current
	b.Write(zeoRecord(t0+3, 0x26, 0, oid1, 0, 0x03f58e0004444444))         // non-current hit, zero start (Python 2)
	b.Write(zeoRecord(t0+3, 0x24, 0, []byte{0, 7}, 0, 0x03f58e0008888888)) // non-current miss, 2-byte oid
	b.Write(zeoRecord(t0+4, 0x20|0x80, 0, oid7, 0, 0))                     // version bit
	events, rs := readAll(t, b.Bytes())
	if rs.Errors() != 0 || len(events) != 8 {
		t.Fatalf("%d events, stats %+v", len(events), rs)
	}
	want := []trace.Event{
		{Time: t0, Code: cache.TraceRestart},
		{Time: t0, Code: cache.TraceLoadMiss, Oid: 1},
		{Time: t0, Code: cache.TraceStore, Oid: 1, DLen: 300, Start: 0x03f58e0004444444},
		{Time: t0 + 1, Code: cache.TraceLoadHit, Oid: 1, DLen: 300, Start: 0x03f58e0004444444},
		{Time: t0 + 2, Code: cache.TraceInvalidateKeep, Oid: 1, Start: 0x03f58e0008888888},
		{Time: t0 + 3, Code: cache.TraceLoadBeforeHit, Oid: 1, End: 0x03f58e0004444444},
		{Time: t0 + 3, Code: cache.TraceLoadBeforeMiss, Oid: 7, End: 0x03f58e0008888888},
		{Time: t0 + 4, Code: cache.TraceLoadMiss, Oid: 7, Version: true},
	}
	if !reflect.DeepEqual(events, want) {
		t.Fatalf("events:\n%+v\nwant\n%+v", events, want)
	}
	s, err := trace.Summarize(trace.NewReader(bytes.NewReader(b.Bytes())), trace.SummaryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Loads != 5 || s.Hits != 2 || s.Writes != 1 || s.Invalidations != 1 || s.Restarts != 1 {
		t.Fatalf("summary: loads %d hits %d writes %d invalidations %d restarts %d", s.Loads, s.Hits, s.Writes, s.Invalidations, s.Restarts)
	}
	// A truncated last record is counted, not a panic.
	_, rs = readAll(t, b.Bytes()[:b.Len()-5])
	if rs.Truncated == 0 {
		t.Fatalf("truncated tail not reported: %+v", rs)
	}
}

func readAll(t *testing.T, b []byte) ([]trace.Event, trace.ReadStats) {
	t.Helper()
	r := trace.NewReader(bytes.NewReader(b))
	var out []trace.Event
	var ev trace.Event
	for r.Next(&ev) {
		out = append(out, ev)
	}
	return out, r.Stats()
}

// TestTraceRecordedByWorkload records the cache trace of a hot run and
// reads it back: the fill pass misses every key, the timed loads hit.
func TestTraceRecordedByWorkload(t *testing.T) {
	addr := server(t)
	path := filepath.Join(t.TempDir(), "hot.trace")
	rep, err := bench.Run(context.Background(), &bench.Options{Addr: addr, Workload: "hot", N: 50, Keys: testKeys, Trace: path})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Results[0].Ops != 50 {
		t.Fatalf("%d ops", rep.Results[0].Ops)
	}
	r, closer, err := trace.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	s, err := trace.Summarize(r, trace.SummaryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Read.Errors() != 0 || s.Restarts < 1 {
		t.Fatalf("trace read stats %+v, restarts %d", s.Read, s.Restarts)
	}
	// A miss of a load of the current revision is 0x24 (loadBefore MaxTid,
	// as ZEO's cache records it), a hit 0x22.
	misses := s.ByCode[cache.TraceLoadMiss] + s.ByCode[cache.TraceLoadBeforeMiss]
	if s.Loads != testKeys+50 || s.Hits != 50 || s.ByCode[cache.TraceLoadHit] != 50 || misses != testKeys || s.ByCode[cache.TraceStore] != testKeys {
		t.Fatalf("loads %d hits %d by code %v", s.Loads, s.Hits, s.ByCode)
	}
}
