// Medians of repeated runs.

package report

import (
	"slices"
	"time"
)

// Medians groups results that ran the same thing (the same Go benchmark
// name) and returns, for each group of two or more, in order of first
// appearance, one result holding the median of every figure: throughput
// (Elapsed is set so that OpsPerSec is the median rate), each latency
// percentile, each metric and each ratio, and the sum of the errors.
// Medians of an even count are the mean of the middle two.
func Medians(results []Result) []Result {
	var order []string
	groups := map[string][]*Result{}
	for i := range results {
		k := GoBenchName(&results[i], 1)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], &results[i])
	}
	var out []Result
	for _, k := range order {
		g := groups[k]
		if len(g) < 2 {
			continue
		}
		out = append(out, median(g))
	}
	return out
}

func median(g []*Result) Result {
	m := Result{Name: g[0].Name, Params: g[0].Params}
	pick := func(f func(r *Result) float64) float64 {
		v := make([]float64, len(g))
		for i, r := range g {
			v[i] = f(r)
		}
		return Median(v)
	}
	dur := func(f func(l *Latency) time.Duration) time.Duration {
		return time.Duration(pick(func(r *Result) float64 { return float64(f(&r.Latency)) }))
	}
	m.Ops = int64(pick(func(r *Result) float64 { return float64(r.Ops) }))
	if rate := pick(func(r *Result) float64 { return r.OpsPerSec() }); rate > 0 {
		m.Elapsed = time.Duration(float64(m.Ops) / rate * 1e9)
	}
	for _, r := range g {
		m.Errors += r.Errors
	}
	m.Latency = Latency{
		Count: int64(pick(func(r *Result) float64 { return float64(r.Latency.Count) })),
		Mean:  dur(func(l *Latency) time.Duration { return l.Mean }),
		Min:   dur(func(l *Latency) time.Duration { return l.Min }),
		P50:   dur(func(l *Latency) time.Duration { return l.P50 }),
		P90:   dur(func(l *Latency) time.Duration { return l.P90 }),
		P99:   dur(func(l *Latency) time.Duration { return l.P99 }),
		P999:  dur(func(l *Latency) time.Duration { return l.P999 }),
		Max:   dur(func(l *Latency) time.Duration { return l.Max }),
	}
	for _, x := range g[0].Metrics {
		v := pick(func(r *Result) float64 { v, _ := r.Metric(x.Name); return v })
		m.Metrics = append(m.Metrics, Metric{Name: x.Name, Value: v, Unit: x.Unit})
	}
	for _, x := range g[0].Ratios {
		v := pick(func(r *Result) float64 { v, _ := r.Ratio(x.Name); return v })
		m.Ratios = append(m.Ratios, Ratio{Name: x.Name, Value: v})
	}
	m.Runs = len(g)
	return m
}

// Median returns the median of v (0 for none); v is not modified.
func Median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
