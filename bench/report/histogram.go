// Histogram: HDR latency recording and its percentile summary.

package report

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram range: 1 ns to 1 minute at 3 significant digits (a recorded
// value is exact to 0.1%). Values outside are clamped into it.
const (
	histMin    = 1
	histMax    = int64(time.Minute)
	histDigits = 3
)

// Histogram records latencies. It is not safe for concurrent use: give
// each worker its own and Merge them at the end. Record allocates
// nothing.
type Histogram struct {
	h *hdrhistogram.Histogram
}

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram {
	return &Histogram{h: hdrhistogram.New(histMin, histMax, histDigits)}
}

// Record adds one latency; values below 1 ns count as 1 ns and above a
// minute as a minute.
func (h *Histogram) Record(d time.Duration) {
	v := int64(d)
	if v < histMin {
		v = histMin
	}
	if v > histMax {
		v = histMax
	}
	_ = h.h.RecordValue(v) // in range by construction
}

// Merge adds every value of o.
func (h *Histogram) Merge(o *Histogram) { h.h.Merge(o.h) }

// Count returns the number of recorded values.
func (h *Histogram) Count() int64 { return h.h.TotalCount() }

// Reset empties the histogram.
func (h *Histogram) Reset() { h.h.Reset() }

// Summary returns the count, mean and percentiles. An empty histogram
// gives a zero Latency.
func (h *Histogram) Summary() Latency {
	if h.h.TotalCount() == 0 {
		return Latency{}
	}
	q := func(p float64) time.Duration { return time.Duration(h.h.ValueAtQuantile(p)) }
	return Latency{
		Count: h.h.TotalCount(),
		Mean:  time.Duration(h.h.Mean()),
		Min:   time.Duration(h.h.Min()),
		P50:   q(50),
		P90:   q(90),
		P99:   q(99),
		P999:  q(99.9),
		Max:   time.Duration(h.h.Max()),
	}
}

// Latency summarises a histogram. JSON gives every duration in
// nanoseconds.
type Latency struct {
	Count int64         `json:"count"`
	Mean  time.Duration `json:"mean_ns"`
	Min   time.Duration `json:"min_ns"`
	P50   time.Duration `json:"p50_ns"`
	P90   time.Duration `json:"p90_ns"`
	P99   time.Duration `json:"p99_ns"`
	P999  time.Duration `json:"p999_ns"`
	Max   time.Duration `json:"max_ns"`
}
