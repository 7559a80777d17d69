// Result: one measured run, its parameters, extra metrics, and the ratio
// arithmetic against baselines.

package report

import (
	"math"
	"time"
)

// Params are the knobs a run was measured with. Zero fields did not apply
// and are left out of the outputs.
type Params struct {
	Protocol    string  `json:"protocol,omitempty"` // native, zeo5-pickle, zeo5-msgpack, client
	Clients     int     `json:"clients,omitempty"`  // concurrent workers
	Conns       int     `json:"conns,omitempty"`    // connections
	Depth       int     `json:"depth,omitempty"`    // requests in flight per connection
	Keys        int     `json:"keys,omitempty"`     // objects in the key space
	Dist        string  `json:"dist,omitempty"`     // "uniform", "zipf:1.1"
	Size        string  `json:"size,omitempty"`     // object size: "512" or "100-4096"
	Objects     int     `json:"objects,omitempty"`  // objects per commit
	ReadRatio   float64 `json:"read_ratio,omitempty"`
	CachePolicy string  `json:"cache_policy,omitempty"`
	CacheSize   int64   `json:"cache_size,omitempty"`
}

// Metric is an extra named figure of a run ("hit%", "conflicts").
type Metric struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"`
}

// Ratio compares a run with a baseline measured in the same invocation,
// e.g. "p50/echo-p50" or "ops/fsync-ops".
type Ratio struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// Result is one measured run.
type Result struct {
	Name    string        `json:"name"`
	Params  Params        `json:"params"`
	Ops     int64         `json:"ops"`
	Errors  int64         `json:"errors"`
	Elapsed time.Duration `json:"elapsed_ns"`
	Latency Latency       `json:"latency"`
	Metrics []Metric      `json:"metrics,omitempty"`
	Ratios  []Ratio       `json:"ratios,omitempty"`
	// Notes are remarks printed under the table (what was measured and
	// how, a skipped step).
	Notes []string `json:"notes,omitempty"`
	// Runs is set on a median row (see Medians): how many runs it sums up.
	Runs int `json:"runs,omitempty"`
}

// OpsPerSec is the throughput: Ops over Elapsed (0 when nothing ran).
func (r *Result) OpsPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

// NsPerOp is wall time per operation, the inverse of throughput.
func (r *Result) NsPerOp() float64 {
	if r.Ops <= 0 {
		return 0
	}
	return float64(r.Elapsed.Nanoseconds()) / float64(r.Ops)
}

// AddMetric appends a metric.
func (r *Result) AddMetric(name string, value float64, unit string) {
	r.Metrics = append(r.Metrics, Metric{Name: name, Value: value, Unit: unit})
}

// Metric returns the named metric.
func (r *Result) Metric(name string) (float64, bool) {
	for _, m := range r.Metrics {
		if m.Name == name {
			return m.Value, true
		}
	}
	return 0, false
}

// AddRatio appends num/den under name when the quotient is defined (den >
// 0, both finite); it reports whether it did.
func (r *Result) AddRatio(name string, num, den float64) bool {
	q, ok := Quotient(num, den)
	if ok {
		r.Ratios = append(r.Ratios, Ratio{Name: name, Value: q})
	}
	return ok
}

// Ratio returns the named ratio.
func (r *Result) Ratio(name string) (float64, bool) {
	for _, x := range r.Ratios {
		if x.Name == name {
			return x.Value, true
		}
	}
	return 0, false
}

// Quotient returns num/den, and false when that is undefined: a zero or
// negative denominator, or a NaN or infinite operand.
func Quotient(num, den float64) (float64, bool) {
	if !(den > 0) || math.IsInf(den, 0) || math.IsNaN(num) || math.IsInf(num, 0) {
		return 0, false
	}
	return num / den, true
}

// Baseline ratio names.
const (
	RatioRTT        = "p50/echo-p50"  // latency: p50 over the echo p50 (1 connection)
	RatioRTT99      = "p99/echo-p99"  // the same at p99
	RatioThroughput = "ops/echo-ops"  // throughput over echo's at the same connections and depth
	RatioFsync      = "ops/fsync-ops" // commits/s over fdatasync/s
	RatioFsyncLat   = "p50/fsync-p50" // commit p50 over one append+fdatasync's p50
)

// CompareEcho adds the echo ratios to r: latency against rtt (the
// one-connection echo), throughput against tput (echo at r's connections
// and depth). Either may be nil.
func CompareEcho(r, rtt, tput *Result) {
	if rtt != nil {
		r.AddRatio(RatioRTT, float64(r.Latency.P50), float64(rtt.Latency.P50))
		r.AddRatio(RatioRTT99, float64(r.Latency.P99), float64(rtt.Latency.P99))
	}
	if tput != nil {
		r.AddRatio(RatioThroughput, r.OpsPerSec(), tput.OpsPerSec())
	}
}

// CompareFsync adds the fsync ratios to a commit result r.
func CompareFsync(r, fsync *Result) {
	if fsync == nil {
		return
	}
	r.AddRatio(RatioFsync, r.OpsPerSec(), fsync.OpsPerSec())
	r.AddRatio(RatioFsyncLat, float64(r.Latency.P50), float64(fsync.Latency.P50))
}
