package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gozeo/gozeo/cache/trace"
	"github.com/gozeo/gozeo/fsstore"
)

// benchJSON is the part of gozeo bench's JSON these tests read.
type benchJSON struct {
	Machine struct {
		GOMAXPROCS int `json:"gomaxprocs"`
	} `json:"machine"`
	Results []struct {
		Name   string `json:"name"`
		Ops    int64  `json:"ops"`
		Errors int64  `json:"errors"`
		Params struct {
			Protocol string `json:"protocol"`
			Clients  int    `json:"clients"`
			Depth    int    `json:"depth"`
			Size     string `json:"size"`
		} `json:"params"`
		Latency struct {
			P50 int64 `json:"p50_ns"`
		} `json:"latency"`
		Ratios []struct {
			Name string `json:"name"`
		} `json:"ratios"`
	} `json:"results"`
}

func TestBenchInProcTableJSONGoBench(t *testing.T) {
	// Table (the workload given as an argument, flags after it).
	code, out, errs := runMain("bench", "-inproc", "load", "-n", "30", "-clients", "2", "-depth", "4", "-keys", "100", "-zipf", "1.2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, w := range []string{"GOMAXPROCS=", "workload  proto", "load      native  2        2      4      60"} {
		if !strings.Contains(out, w) {
			t.Fatalf("table lacks %q:\n%s", w, out)
		}
	}
	if !strings.Contains(errs, "populating 100 objects") {
		t.Fatalf("no setup progress on stderr: %q", errs)
	}
	// JSON, with the baseline side by side.
	code, out, errs = runMain("bench", "-inproc", "-workload", "commit", "-n", "10", "-size", "100-200",
		"-objects", "3", "-keys", "50", "-vs-baseline", "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep benchJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	var names []string
	for _, r := range rep.Results {
		names = append(names, r.Name)
	}
	last := rep.Results[len(rep.Results)-1]
	if strings.Join(names, ",") != "echo,fsync,commit" || last.Ops != 10 || last.Errors != 0 ||
		last.Params.Size != "100-200" || last.Latency.P50 <= 0 || len(last.Ratios) != 2 || rep.Machine.GOMAXPROCS < 1 {
		t.Fatalf("results %s: %+v", names, rep.Results)
	}
	// Go benchmark lines, ZEO 5 msgpack.
	code, out, errs = runMain("bench", "-inproc", "-protocol", "zeo5-msgpack", "-n", "20", "-keys", "40", "-gobench")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "\nBenchmarkLoad/proto=zeo5-msgpack/dist=uniform/clients=1/conns=1/depth=1/keys=40/size=512-") ||
		!strings.Contains(out, "\t20\t") || !strings.Contains(out, " ns/op\t") || !strings.Contains(out, " p99-µs\t") {
		t.Fatalf("gobench output:\n%s", out)
	}
}

func TestBenchBaselineAndCount(t *testing.T) {
	code, out, errs := runMain("bench", "-baseline", "-n", "40", "-conns", "2", "-depth", "2", "-fsync-dir", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Count(out, "\necho ") != 2 || strings.Count(out, "\nfsync ") != 1 || !strings.Contains(out, "fdatasync") {
		t.Fatalf("baseline:\n%s", out)
	}
	code, out, errs = runMain("bench", "-baseline", "-n", "30", "-count", "3", "-fsync-dir", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Count(out, "\necho ") != 4 || !strings.Contains(out, "\necho (median of 3)") || !strings.Contains(out, "\nfsync (median of 3)") {
		t.Fatalf("three runs and their medians:\n%s", out)
	}
}

func TestBenchUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "-inproc", "scan"},
		{"bench", "-inproc", "-protocol", "zeo5-pickle", "hot"},
		{"bench", "-inproc", "-size", "9-3"},
		{"bench", "-inproc", "-cache-size", "lots"},
		{"bench", "load", "-n", "5"}, // no server
		{"bench", "-inproc", "-baseline", "load"},
		{"bench", "-inproc", "-json", "-gobench", "-n", "1", "-keys", "5"},
		{"bench", "gen-trace"},
		{"bench", "gen-trace", "-preset", "nope", "x"},
		{"bench", "open"},
	} {
		code, _, errs := runMain(args...)
		if code != 2 || !strings.Contains(errs, "usage") {
			t.Errorf("%q: exit %d, stderr %q", args, code, errs)
		}
	}
}

func TestBenchGenTraceAndOpen(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "shifting.trace")
	code, stdout, errs := runMain("bench", "gen-trace", "-preset", "shifting", "-loads", "2000", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	evs, rs, err := trace.ReadFile(out)
	if err != nil || rs.Errors() != 0 {
		t.Fatal(err, rs)
	}
	if !strings.Contains(stdout, strconvI(len(evs))+" records (preset shifting)") {
		t.Fatalf("stdout %q for %d events", stdout, len(evs))
	}
	loads := 0
	for _, e := range evs {
		if e.Code&0x70 == 0x20 {
			loads++
		}
	}
	if loads != 2000 {
		t.Fatalf("%d loads, want 2000", loads)
	}
	fs := filepath.Join(dir, "Data.fs")
	if _, err := fsstore.Generate(fs, fsstore.GenerateOptions{Records: 2000}, nil); err != nil {
		t.Fatal(err)
	}
	code, stdout, errs = runMain("bench", "open", "-runs", "2", "-make-index", fs)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(stdout, "open-index") || !strings.Contains(stdout, "open-scan") || !strings.Contains(stdout, "wrote the missing index file first") {
		t.Fatalf("open output:\n%s", stdout)
	}
	if _, err := os.Stat(fs + fsstore.IndexSuffix); err != nil {
		t.Fatal(err)
	}
}
