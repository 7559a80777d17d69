// Output formats: the text table, JSON, and Go benchmark lines.

package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
)

// WriteTable prints the machine line, one row per result, and the notes.
// Latencies are in µs, ms or s; the extra column lists the metrics and
// the baseline ratios as name=value.
func WriteTable(w io.Writer, rep *Report) error {
	m := rep.Machine
	fmt.Fprintf(w, "# %s, %d cores, %s, %s, GOMAXPROCS=%d\n", m.CPU, m.Cores, m.Kernel, m.GoVersion, m.GOMAXPROCS)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "workload\tproto\tclients\tconns\tdepth\tops\tops/s\tp50\tp90\tp99\tp99.9\tmax\terrors\textra")
	for i := range rep.Results {
		r := &rep.Results[i]
		p := &r.Params
		name := r.Name
		if r.Runs > 1 {
			name += " (median of " + strconv.Itoa(r.Runs) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n",
			name, dash(p.Protocol), count(p.Clients), count(p.Conns), count(p.Depth),
			r.Ops, FormatRate(r.OpsPerSec()),
			FormatDuration(r.Latency.P50), FormatDuration(r.Latency.P90), FormatDuration(r.Latency.P99),
			FormatDuration(r.Latency.P999), FormatDuration(r.Latency.Max), r.Errors, extra(r))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range rep.Results {
		r := &rep.Results[i]
		for _, n := range r.Notes {
			line := r.Name + ": " + n
			if seen[line] {
				continue
			}
			seen[line] = true
			if _, err := fmt.Fprintln(w, line); err != nil {
				return err
			}
		}
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func count(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

func extra(r *Result) string {
	var b []string
	for _, m := range r.Metrics {
		b = append(b, m.Name+"="+formatFloat(m.Value)+m.Unit)
	}
	for _, x := range r.Ratios {
		b = append(b, x.Name+"="+FormatRatio(x.Value))
	}
	if len(b) == 0 {
		return "-"
	}
	return strings.Join(b, " ")
}

// formatFloat prints a metric with the precision it deserves: integers
// as such, small values with two decimals, others with one.
func formatFloat(v float64) string {
	switch {
	case v == float64(int64(v)) && v < 1e15 && v > -1e15:
		return strconv.FormatInt(int64(v), 10)
	case v < 10 && v > -10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// FormatRatio prints a ratio with three significant digits (no
// exponent): 0.00667, 0.617, 1.53, 12.4, 153.
func FormatRatio(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 100 || a == 0:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', min(2-int(math.Floor(math.Log10(a))), 12), 64)
}

// FormatDuration prints a latency: "-" for zero, ns below 1 µs, µs with
// one decimal below 1 ms, ms with two decimals below 1 s, else seconds.
func FormatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Microsecond:
		return strconv.FormatInt(int64(d), 10) + "ns"
	case d < time.Millisecond:
		return strconv.FormatFloat(float64(d)/1e3, 'f', 1, 64) + "µs"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) + "ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + "s"
}

// FormatRate prints a throughput: no decimals from 100 up, one below.
func FormatRate(r float64) string {
	if r >= 100 {
		return strconv.FormatFloat(r, 'f', 0, 64)
	}
	return strconv.FormatFloat(r, 'f', 1, 64)
}

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, rep *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// WriteGoBench writes one benchmark line per result (see the package
// doc; median rows are left out: benchstat takes its own), preceded by the goos/goarch/cpu header lines benchstat uses to
// label its tables.
func WriteGoBench(w io.Writer, rep *Report, goos, goarch string) error {
	fmt.Fprintf(w, "goos: %s\ngoarch: %s\npkg: github.com/gozeo/gozeo/bench\ncpu: %s\n", goos, goarch, rep.Machine.CPU)
	for i := range rep.Results {
		if rep.Results[i].Runs > 1 {
			continue
		}
		if _, err := io.WriteString(w, GoBenchLine(&rep.Results[i], rep.Machine.GOMAXPROCS)+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// GoBenchLine formats one result as a Go benchmark line.
func GoBenchLine(r *Result, procs int) string {
	var b strings.Builder
	b.WriteString(GoBenchName(r, procs))
	fmt.Fprintf(&b, "\t%d\t%s ns/op", max(r.Ops, 1), strconv.FormatFloat(r.NsPerOp(), 'f', 1, 64))
	us := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e3, 'f', 2, 64) }
	l := &r.Latency
	fmt.Fprintf(&b, "\t%s p50-µs\t%s p90-µs\t%s p99-µs\t%s p99.9-µs\t%s max-µs", us(l.P50), us(l.P90), us(l.P99), us(l.P999), us(l.Max))
	fmt.Fprintf(&b, "\t%s ops/s\t%d errors", strconv.FormatFloat(r.OpsPerSec(), 'f', 1, 64), r.Errors)
	for _, m := range r.Metrics {
		fmt.Fprintf(&b, "\t%s %s", strconv.FormatFloat(m.Value, 'f', -1, 64), unitToken(m.Name))
	}
	for _, x := range r.Ratios {
		fmt.Fprintf(&b, "\t%s %s", strconv.FormatFloat(x.Value, 'f', 4, 64), unitToken(x.Name))
	}
	return b.String()
}

// GoBenchName is "Benchmark" + the workload in CamelCase + the non-zero
// parameters as /key=value elements + "-procs".
func GoBenchName(r *Result, procs int) string {
	var b strings.Builder
	b.WriteString("Benchmark")
	up := true
	for _, c := range r.Name {
		switch {
		case c == '_' || c == '-' || c == ' ':
			up = true
		case up:
			b.WriteRune(unicode.ToUpper(c))
			up = false
		default:
			b.WriteRune(c)
		}
	}
	p := &r.Params
	kv := func(k, v string) {
		if v != "" && v != "0" {
			b.WriteString("/" + k + "=" + nameToken(v))
		}
	}
	kv("proto", p.Protocol)
	kv("dist", p.Dist)
	kv("clients", strconv.Itoa(p.Clients))
	kv("conns", strconv.Itoa(p.Conns))
	kv("depth", strconv.Itoa(p.Depth))
	kv("keys", strconv.Itoa(p.Keys))
	kv("size", p.Size)
	kv("objects", strconv.Itoa(p.Objects))
	if p.ReadRatio > 0 {
		kv("read", strconv.FormatFloat(p.ReadRatio, 'f', -1, 64))
	}
	kv("cache", p.CachePolicy)
	if p.CacheSize > 0 {
		kv("cachesize", strconv.FormatInt(p.CacheSize, 10))
	}
	fmt.Fprintf(&b, "-%d", max(procs, 1))
	return b.String()
}

// nameToken makes a value safe inside a benchmark name: no spaces or
// slashes. ('-' is fine: the name always ends in -procs, which benchstat
// takes from the last '-'.)
func nameToken(v string) string {
	return strings.NewReplacer(" ", "_", "/", ":").Replace(v)
}

// unitToken makes a metric name a single unit token.
func unitToken(v string) string { return strings.ReplaceAll(v, " ", "-") }
