package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func sampleReport() *Report {
	load := Result{Name: "load", Params: Params{Protocol: "native", Clients: 16, Conns: 16, Depth: 32,
		Keys: 10000, Dist: "zipf:1.1", Size: "100-4096"},
		Ops: 1234567, Errors: 2, Elapsed: 10 * time.Second,
		Latency: Latency{Count: 1234567, Mean: 41 * time.Microsecond, Min: 9 * time.Microsecond,
			P50: 38200 * time.Nanosecond, P90: 61 * time.Microsecond, P99: 97500 * time.Nanosecond,
			P999: 1530 * time.Microsecond, Max: 12 * time.Millisecond}}
	CompareEcho(&load, &Result{Ops: 1, Elapsed: time.Second, Latency: Latency{P50: 25 * time.Microsecond, P99: 65 * time.Microsecond}},
		&Result{Ops: 200000, Elapsed: time.Second})
	hot := Result{Name: "hot", Params: Params{Protocol: "client", Clients: 4, Conns: 1, Keys: 1000, Dist: "uniform",
		Size: "512", CachePolicy: "tinylfu", CacheSize: 20 << 20},
		Ops: 4000000, Elapsed: 2 * time.Second,
		Latency: Latency{P50: 310 * time.Nanosecond, P90: 420 * time.Nanosecond, P99: 900 * time.Nanosecond,
			P999: 4 * time.Microsecond, Max: 2 * time.Millisecond}}
	hot.AddMetric("hit%", 100, "")
	commit := Result{Name: "new_oid", Params: Params{Protocol: "zeo5-msgpack", Clients: 1, Conns: 1, Objects: 10, ReadRatio: 0.9},
		Ops: 50, Elapsed: 1500 * time.Millisecond,
		Latency: Latency{P50: 900 * time.Microsecond, P90: 1200 * time.Microsecond, P99: 2 * time.Second,
			P999: 2 * time.Second, Max: 2500 * time.Millisecond},
		Notes: []string{"one new_oids call (100 oids) per operation"}}
	commit.AddMetric("conflicts", 3, "")
	commit.AddMetric("objects/s", 333.3333, "")
	CompareFsync(&commit, &Result{Ops: 5000, Elapsed: time.Second, Latency: Latency{P50: 180 * time.Microsecond}})
	return &Report{
		Machine: Machine{CPU: "Test CPU @ 3.0GHz", Cores: 2, Kernel: "Linux 6.1.0", GoVersion: "go1.26.0", GOMAXPROCS: 2},
		Results: []Result{load, hot, commit, {Name: "echo", Params: Params{Clients: 1, Conns: 1, Depth: 1},
			Ops: 30000, Elapsed: time.Second, Runs: 3, Latency: Latency{P50: 16 * time.Microsecond, Max: time.Millisecond}}},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestTableGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, sampleReport()); err != nil {
		t.Fatal(err)
	}
	golden(t, "table.golden", b.Bytes())
}

func TestGoBenchGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteGoBench(&b, sampleReport(), "linux", "amd64"); err != nil {
		t.Fatal(err)
	}
	golden(t, "gobench.golden", b.Bytes())
	// Every result line has the shape benchstat parses: a name ending in
	// -procs, an iteration count, then value/unit pairs.
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || len(f)%2 != 0 {
			t.Fatalf("odd field count in %q", line)
		}
		if i := strings.LastIndexByte(f[0], '-'); f[0][i:] != "-2" {
			t.Fatalf("name %q does not end in -procs", f[0])
		}
		if f[3] != "ns/op" {
			t.Fatalf("third field %q, want ns/op", f[3])
		}
	}
}

func TestJSONGoldenRoundTrip(t *testing.T) {
	var b bytes.Buffer
	rep := sampleReport()
	if err := WriteJSON(&b, rep); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.golden.json", b.Bytes())
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Results[0].Latency.P99 != 97500*time.Nanosecond || back.Results[2].Params.Protocol != "zeo5-msgpack" ||
		len(back.Results[0].Ratios) != 3 || back.Machine.GOMAXPROCS != 2 {
		t.Fatalf("JSON round trip lost data: %+v", back)
	}
}

func TestFormatRatio(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 0.0066666: "0.00667", 0.61728: "0.617", 1.528: "1.53", 12.44: "12.4", 153.2: "153"} {
		if got := FormatRatio(v); got != want {
			t.Errorf("FormatRatio(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "-", 850: "850ns", 38250: "38.2µs", 1500 * time.Microsecond: "1.50ms", 2500 * time.Millisecond: "2.500s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%d) = %q, want %q", d, got, want)
		}
	}
}
