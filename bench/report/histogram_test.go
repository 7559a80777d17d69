package report

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// exactQuantile is the nearest-rank percentile of sorted values, the
// definition HDR histograms approximate.
func exactQuantile(sorted []int64, p float64) int64 {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

func within(got, want int64, rel float64) bool {
	return math.Abs(float64(got-want)) <= rel*float64(want)+1
}

func TestHistogramUniformPercentiles(t *testing.T) {
	h := NewHistogram()
	// 1..100000 µs, each once: pN is N% of 100 ms.
	for i := 1; i <= 100000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	s := h.Summary()
	for _, c := range []struct {
		name string
		got  time.Duration
		want time.Duration
	}{
		{"p50", s.P50, 50 * time.Millisecond},
		{"p90", s.P90, 90 * time.Millisecond},
		{"p99", s.P99, 99 * time.Millisecond},
		{"p99.9", s.P999, 99900 * time.Microsecond},
		{"max", s.Max, 100 * time.Millisecond},
		{"min", s.Min, time.Microsecond},
		{"mean", s.Mean, 50000500 * time.Nanosecond},
	} {
		if !within(int64(c.got), int64(c.want), 0.001) {
			t.Errorf("%s = %v, want %v ± 0.1%%", c.name, c.got, c.want)
		}
	}
	if s.Count != 100000 {
		t.Fatalf("count %d", s.Count)
	}
}

func TestHistogramLognormalAgainstExact(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	var vals []int64
	parts := make([]*Histogram, 4)
	for i := range parts {
		parts[i] = NewHistogram()
	}
	for i := 0; i < 200000; i++ {
		// A latency-like skewed distribution around 50 µs with a long tail.
		v := int64(math.Exp(r.NormFloat64()*0.8+math.Log(50000))) + 1
		vals = append(vals, v)
		parts[i%4].Record(time.Duration(v))
	}
	h := NewHistogram()
	for _, p := range parts {
		h.Merge(p)
	}
	slices.Sort(vals)
	s := h.Summary()
	for _, c := range []struct {
		p   float64
		got time.Duration
	}{{50, s.P50}, {90, s.P90}, {99, s.P99}, {99.9, s.P999}, {100, s.Max}} {
		want := exactQuantile(vals, c.p)
		if !within(int64(c.got), want, 0.001) {
			t.Errorf("p%v = %d ns, exact %d ns", c.p, c.got, want)
		}
	}
	if s.Count != int64(len(vals)) {
		t.Fatalf("merged count %d, want %d", s.Count, len(vals))
	}
}

func TestHistogramClampsAndEmpty(t *testing.T) {
	h := NewHistogram()
	if s := h.Summary(); s != (Latency{}) {
		t.Fatalf("empty summary %+v", s)
	}
	h.Record(-5)
	h.Record(2 * time.Hour)
	s := h.Summary()
	if s.Count != 2 || s.Min != 1 || !within(int64(s.Max), int64(time.Minute), 0.001) {
		t.Fatalf("clamped summary %+v", s)
	}
	h.Reset()
	if h.Count() != 0 {
		t.Fatal("reset kept values")
	}
}

func TestHistogramRecordNoAllocs(t *testing.T) {
	h := NewHistogram()
	if n := testing.AllocsPerRun(100, func() { h.Record(1234 * time.Nanosecond) }); n != 0 {
		t.Fatalf("%v allocations per Record", n)
	}
}

func BenchmarkRecord(b *testing.B) {
	h := NewHistogram()
	b.ReportAllocs()
	d := time.Duration(0)
	for b.Loop() {
		d += 997
		h.Record(d % (10 * time.Millisecond))
	}
}
