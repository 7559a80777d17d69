// The shipped cache traces: named generator presets ("gozeo bench
// gen-trace") for the FIFO versus TinyLFU comparison.

package bench

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/gozeo/gozeo/cache/trace"
)

// tracePresets are the workloads behind bench/testdata/*.trace: small
// enough to commit, large enough that the policies differ.
var tracePresets = map[string]trace.GenConfig{
	// A zipf popularity (s = 1.1 over 5,000 objects) interrupted by scans
	// of 2,000 never-reused objects every 10,000 loads.
	"zipf-scan": {Seed: 1, Objects: 5000, Loads: 60000, ZipfS: 1.1, ScanEvery: 10000, ScanLength: 2000,
		MinSize: 100, MaxSize: 4000},
	// A zipf hot set (s = 1.1) that moves by 500 ranks every 15,000
	// loads, with another client committing a popular object every 200.
	"shifting": {Seed: 2, Objects: 5000, Loads: 60000, ZipfS: 1.1, ShiftEvery: 15000, ShiftBy: 500,
		CommitEvery: 200, MinSize: 100, MaxSize: 4000},
}

// TracePresets lists the preset names, sorted.
func TracePresets() []string {
	var names []string
	for n := range tracePresets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TracePreset returns the generator configuration of a preset.
func TracePreset(name string) (trace.GenConfig, error) {
	c, ok := tracePresets[name]
	if !ok {
		return trace.GenConfig{}, fmt.Errorf("%w: unknown trace preset %q (want one of %s)",
			ErrBadOptions, name, strings.Join(TracePresets(), ", "))
	}
	return c, nil
}

// WriteTraceFile writes the trace of cfg to path (ZEO's format, gzipped
// when path ends in ".gz", which ZEO's tools and cache-simul read too)
// and returns the number of records.
func WriteTraceFile(path string, cfg trace.GenConfig) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("bench: trace: %w", err)
	}
	var w io.Writer = f
	var gz *gzip.Writer
	if strings.HasSuffix(path, ".gz") {
		gz, _ = gzip.NewWriterLevel(f, gzip.BestCompression)
		w = gz
	}
	n, err := trace.WriteTrace(w, cfg)
	if gz != nil {
		if cerr := gz.Close(); err == nil {
			err = cerr
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("bench: trace %s: %w", path, err)
	}
	return n, nil
}
