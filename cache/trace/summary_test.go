package trace

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
)

const t0 = 1704067200 // 2024-01-01 00:00:00 UTC, a multiple of 15 minutes

func encode(evs []Event) []byte {
	var b []byte
	for i := range evs {
		b = Append(b, &evs[i])
	}
	return b
}

// knownTrace: three interval rows with counts worked out by hand.
func knownTrace() []Event {
	var evs []Event
	add := func(ts int64, code byte, n int, oid proto.Oid, dlen uint32) {
		for i := 0; i < n; i++ {
			evs = append(evs, Event{Time: ts, Code: code, Oid: oid + proto.Oid(i), Start: 5, DLen: dlen})
		}
	}
	// Row 1 [t0, t0+899]: restart; 4 load misses, 4 stores of 100 bytes,
	// 3 hits (oid 1 three times), 1 invalidate hit, 1 miss.
	add(t0, 0x00, 1, 0, 0)
	add(t0+1, 0x20, 4, 1, 0)
	add(t0+2, 0x52, 4, 1, 100)
	add(t0+3, 0x22, 1, 1, 100)
	add(t0+4, 0x22, 1, 1, 100)
	add(t0+5, 0x22, 1, 1, 100)
	add(t0+6, 0x1C, 1, 2, 0)
	add(t0+7, 0x10, 1, 9, 0)
	// Row 2 [t0+900, ...]: 2 non-current misses, 1 non-current hit of 50
	// bytes, 1 non-current store of 50 bytes, a drop.
	add(t0+900, 0x24, 2, 2, 0)
	add(t0+901, 0x54, 1, 2, 50)
	add(t0+950, 0x26, 1, 2, 50)
	add(t0+960, 0x1E, 1, 3, 0)
	// A restart opens row 3 in the same 15 minutes: 2 hits.
	add(t0+1000, 0x00, 1, 0, 0)
	add(t0+1001, 0x22, 2, 3, 100)
	return evs
}

func TestSummarizeKnownCounts(t *testing.T) {
	evs := knownTrace()
	s, err := Summarize(NewReader(bytes.NewReader(encode(evs))), SummaryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// loads: 4 + 3 + 2 + 1 + 2 = 12; hits: 3 + 1 + 2 = 6
	if s.Records != int64(len(evs)) || s.Loads != 12 || s.Hits != 6 || s.HitRate() != 50 {
		t.Fatalf("records %d loads %d hits %d rate %v", s.Records, s.Loads, s.Hits, s.HitRate())
	}
	if s.Writes != 5 || s.Invalidations != 2 || s.Restarts != 2 {
		t.Fatalf("writes %d invals %d restarts %d", s.Writes, s.Invalidations, s.Restarts)
	}
	// data records: 4 stores, 3 hits, 1 nc store, 1 nc hit, 2 hits = 11;
	// bytes 400 + 300 + 50 + 50 + 200 = 1000
	if s.DataRecords != 11 || s.DataBytes != 1000 || s.First != t0 || s.Last != t0+1001 {
		t.Fatalf("data %d/%d first %d last %d", s.DataRecords, s.DataBytes, s.First, s.Last)
	}
	wantCodes := map[byte]int64{0x00: 2, 0x10: 1, 0x1C: 1, 0x1E: 1, 0x20: 4, 0x22: 5, 0x24: 2, 0x26: 1, 0x52: 4, 0x54: 1}
	if len(s.ByCode) != len(wantCodes) {
		t.Fatalf("codes %v", s.ByCode)
	}
	for c, n := range wantCodes {
		if s.ByCode[c] != n {
			t.Errorf("code %02x: %d, want %d", c, s.ByCode[c], n)
		}
	}
	wantRows := []Interval{
		{Start: t0, End: t0 + 7, Loads: 7, Hits: 3, Invals: 1, Writes: 4, RestartBefore: true},
		{Start: t0 + 900, End: t0 + 960, Loads: 3, Hits: 1, Invals: 1, Writes: 1},
		{Start: t0 + 1000, End: t0 + 1001, Loads: 2, Hits: 2, RestartBefore: true},
	}
	if len(s.Intervals) != len(wantRows) {
		t.Fatalf("rows %+v", s.Intervals)
	}
	for i, w := range wantRows {
		if s.Intervals[i] != w {
			t.Errorf("row %d = %+v, want %+v", i, s.Intervals[i], w)
		}
	}
	// Loads per oid: oid 1: 1 miss + 3 hits = 4; oids 2..4 one miss each,
	// then oid 2: 1 (0x24) + 1 (0x26), oid 3: 1 (0x24) + 1 (0x22), oid 4: 1 (0x22).
	// So oid1=4, oid2=3, oid3=3, oid4=2.
	if s.UniqueOids != 4 || s.LoadsPerOid[4] != 1 || s.LoadsPerOid[3] != 2 || s.LoadsPerOid[2] != 1 {
		t.Fatalf("histogram %v unique %d", s.LoadsPerOid, s.UniqueOids)
	}
}

func TestReportText(t *testing.T) {
	evs := knownTrace()
	var verbose bytes.Buffer
	s, err := Summarize(NewReader(bytes.NewReader(encode(evs))), SummaryOptions{Interval: 15 * time.Minute, Verbose: &verbose})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := s.WriteReport(&out, ReportOptions{Histogram: true}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"                     loads    hits  inv(h)  writes hitrate\n",
		"Jan  1 00:00:00 ==================== Restart ====================\n",
		"Jan  1 00:00-00:00       7       3       1       4   42.9%\n",
		"Jan  1 00:15-00:16       3       1       1       1   33.3%\n",
		"Jan  1 00:16-00:16       2       2       0       0  100.0%\n",
		"Read 22 trace records (732 bytes)\n",
		"First time: Mon Jan  1 00:00:00 2024\n",
		"Duration:   1,001 seconds\n",
		"Data recs:  11 (50.0%), average size 90 bytes\n",
		"Hit rate:   50.0% (load hits / loads)\n",
		"            5  22  load (hit)\n",
		"            1  26  load (non-current, hit)\n",
		"Unique oids: 4\n",
		"    4       1  25.0%  33.3% 100.0%\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q\n%s", want, text)
		}
	}
	if lines := strings.Count(verbose.String(), "\n"); lines != len(evs) {
		t.Fatalf("verbose printed %d lines for %d records", lines, len(evs))
	}
	if !strings.Contains(verbose.String(), "Jan  1 00:00:03 22                1 0000000000000005 0000000000000000 - 100\n") {
		t.Errorf("verbose line format:\n%s", verbose.String())
	}
	out.Reset()
	s.WriteReport(&out, ReportOptions{Quiet: true, NoStats: true})
	if out.Len() != 0 {
		t.Fatalf("quiet, no stats, no histogram printed %q", out.String())
	}
}

func TestCommas(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := commas(in); got != want {
			t.Errorf("commas(%d) = %q", in, got)
		}
	}
}
