package bench_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gozeo/gozeo/bench"
	"github.com/gozeo/gozeo/fsstore"
)

func TestOpenBench(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Data.fs")
	gen, err := fsstore.Generate(path, fsstore.GenerateOptions{Records: 4000, Oids: 999}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Without an index file and without leave to write one: scan only.
	res, err := bench.OpenBench(context.Background(), path, &bench.OpenOptions{Runs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Name != "open-scan" || !strings.Contains(strings.Join(res[0].Notes, " "), "no index file") {
		t.Fatalf("results %+v", res)
	}
	res, err = bench.OpenBench(context.Background(), path, &bench.OpenOptions{Runs: 3, MakeIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Name != "open-index" || res[1].Name != "open-scan" {
		t.Fatalf("results %+v", res)
	}
	if _, err := os.Stat(path + fsstore.IndexSuffix); err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Ops != 3 || r.Latency.P50 <= 0 || r.Params.Keys != int(gen.MaxOid)+1 {
			t.Fatalf("%s: %d opens, p50 %v, %d objects (generated max oid %s)", r.Name, r.Ops, r.Latency.P50, r.Params.Keys, gen.MaxOid)
		}
		if v, ok := r.Metric("file-MB"); !ok || v != float64(int64(float64(gen.Size)/1e4+0.5))/100 {
			t.Fatalf("file-MB %v for %d bytes", v, gen.Size)
		}
		for _, n := range r.Notes {
			if strings.Contains(n, "not usable") {
				t.Fatalf("%s: %s", r.Name, n)
			}
		}
	}
	if _, err := bench.OpenBench(context.Background(), filepath.Join(t.TempDir(), "missing.fs"), nil); err == nil {
		t.Fatal("opening a missing file succeeded")
	}
}
