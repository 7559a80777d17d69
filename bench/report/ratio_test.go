package report

import (
	"math"
	"testing"
	"time"
)

func TestQuotient(t *testing.T) {
	for _, c := range []struct {
		num, den float64
		want     float64
		ok       bool
	}{
		{57, 26, 57.0 / 26, true},
		{1, 0, 0, false},
		{1, -1, 0, false},
		{math.NaN(), 1, 0, false},
		{1, math.Inf(1), 0, false},
		{0, 5, 0, true},
	} {
		got, ok := Quotient(c.num, c.den)
		if ok != c.ok || got != c.want {
			t.Errorf("Quotient(%v, %v) = %v, %v; want %v, %v", c.num, c.den, got, ok, c.want, c.ok)
		}
	}
}

func TestCompareEchoAndFsync(t *testing.T) {
	load := &Result{Name: "load", Ops: 30000, Elapsed: time.Second,
		Latency: Latency{P50: 30 * time.Microsecond, P99: 90 * time.Microsecond}}
	rtt := &Result{Name: "echo", Ops: 40000, Elapsed: time.Second,
		Latency: Latency{P50: 25 * time.Microsecond, P99: 60 * time.Microsecond}}
	tput := &Result{Name: "echo", Ops: 120000, Elapsed: 2 * time.Second}
	CompareEcho(load, rtt, tput)
	want := map[string]float64{RatioRTT: 1.2, RatioRTT99: 1.5, RatioThroughput: 0.5}
	for name, v := range want {
		got, ok := load.Ratio(name)
		if !ok || math.Abs(got-v) > 1e-12 {
			t.Errorf("%s = %v, %v; want %v", name, got, ok, v)
		}
	}
	commit := &Result{Name: "commit", Ops: 2000, Elapsed: time.Second, Latency: Latency{P50: time.Millisecond}}
	fs := &Result{Name: "fsync", Ops: 5000, Elapsed: time.Second, Latency: Latency{P50: 200 * time.Microsecond}}
	CompareFsync(commit, fs)
	if v, _ := commit.Ratio(RatioFsync); math.Abs(v-0.4) > 1e-12 {
		t.Errorf("fsync ratio %v", v)
	}
	if v, _ := commit.Ratio(RatioFsyncLat); math.Abs(v-5) > 1e-12 {
		t.Errorf("fsync latency ratio %v", v)
	}
	// A baseline that measured nothing gives no ratio rather than +Inf.
	empty := &Result{Name: "echo"}
	r := &Result{Name: "load", Ops: 10, Elapsed: time.Second}
	CompareEcho(r, empty, empty)
	CompareFsync(r, nil)
	if len(r.Ratios) != 0 {
		t.Fatalf("ratios against an empty baseline: %+v", r.Ratios)
	}
}

func TestThroughputArithmetic(t *testing.T) {
	r := &Result{Ops: 500, Elapsed: 250 * time.Millisecond}
	if r.OpsPerSec() != 2000 || r.NsPerOp() != 500000 {
		t.Fatalf("ops/s %v ns/op %v", r.OpsPerSec(), r.NsPerOp())
	}
	z := &Result{}
	if z.OpsPerSec() != 0 || z.NsPerOp() != 0 {
		t.Fatal("zero result has a rate")
	}
}

func TestMedians(t *testing.T) {
	mk := func(ops int64, el time.Duration, p50 time.Duration, hit float64, errs int64) Result {
		r := Result{Name: "hot", Params: Params{Clients: 2}, Ops: ops, Elapsed: el, Errors: errs,
			Latency: Latency{P50: p50, P99: 2 * p50}}
		r.AddMetric("hit%", hit, "")
		r.AddRatio(RatioRTT, float64(p50), 1000)
		return r
	}
	rs := []Result{
		mk(1000, time.Second, 300, 99, 0),
		{Name: "other", Ops: 1, Elapsed: time.Second},
		mk(3000, time.Second, 100, 97, 1),
		mk(2000, time.Second, 200, 98, 2),
	}
	ms := Medians(rs)
	if len(ms) != 1 {
		t.Fatalf("%d median rows, want 1 (a single run has none)", len(ms))
	}
	m := ms[0]
	if math.Abs(m.OpsPerSec()-2000) > 1e-6 || m.Latency.P50 != 200 || m.Latency.P99 != 400 || m.Errors != 3 {
		t.Fatalf("median %v ops/s, p50 %v, p99 %v, errors %d", m.OpsPerSec(), m.Latency.P50, m.Latency.P99, m.Errors)
	}
	if v, _ := m.Metric("hit%"); v != 98 {
		t.Fatalf("median hit%% %v", v)
	}
	if v, _ := m.Ratio(RatioRTT); v != 0.2 {
		t.Fatalf("median ratio %v", v)
	}
	if m.Runs != 3 {
		t.Fatalf("runs %d", m.Runs)
	}
	if Median([]float64{4, 1, 3, 2}) != 2.5 || Median(nil) != 0 {
		t.Fatal("Median of an even count or of none")
	}
}
