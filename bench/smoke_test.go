package bench_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/gozeo/gozeo/bench"
	"github.com/gozeo/gozeo/bench/report"
)

// testKeys is the key space every test of the package uses on the shared
// server.
const testKeys = 300

var (
	srvOnce sync.Once
	srv     *bench.InProc
	srvErr  error
)

// server returns the address of the package's in-process server, created
// (and its key space populated) on first use: stopping a server takes the
// engine about half a second, so the tests share one.
func server(t testing.TB) string {
	t.Helper()
	srvOnce.Do(func() {
		srv, srvErr = bench.StartInProc(context.Background(), bench.InProcOptions{})
		if srvErr == nil {
			_, srvErr = bench.Run(context.Background(), &bench.Options{Addr: srv.Addr, Workload: "load", N: 1, Keys: testKeys})
		}
	})
	if srvErr != nil {
		t.Fatal(srvErr)
	}
	return srv.Addr
}

func TestMain(m *testing.M) {
	code := m.Run()
	if srv != nil {
		srv.Close()
	}
	os.Exit(code)
}

func metric(t *testing.T, r *report.Result, name string) float64 {
	t.Helper()
	v, ok := r.Metric(name)
	if !ok {
		t.Fatalf("%s: no metric %q in %+v", r.Name, name, r.Metrics)
	}
	return v
}

// TestSmokeEveryWorkload runs every workload for a few operations against
// the in-process server: each must finish its count without errors and
// report what it measured.
func TestSmokeEveryWorkload(t *testing.T) {
	addr := server(t)
	const n = 20
	cases := []struct {
		workload, protocol string
		clients, conns     int
		depth              int
		ops                int64
		check              func(t *testing.T, r *report.Result)
	}{
		{workload: "load", clients: 2, depth: 4, ops: 2 * n},
		{workload: "commit", clients: 2, ops: 2 * n, check: func(t *testing.T, r *report.Result) {
			if v := metric(t, r, "objects/s"); v <= 0 {
				t.Fatalf("objects/s %v", v)
			}
		}},
		{workload: "mixed", clients: 2, ops: 2 * n, check: func(t *testing.T, r *report.Result) {
			if metric(t, r, "reads")+metric(t, r, "commits") != float64(r.Ops) {
				t.Fatalf("reads + commits != %d: %+v", r.Ops, r.Metrics)
			}
		}},
		{workload: "hot", clients: 3, conns: 2, ops: 3 * n, check: func(t *testing.T, r *report.Result) {
			if v := metric(t, r, "hit%"); v != 100 {
				t.Fatalf("hot hit%% %v", v)
			}
		}},
		{workload: "warm", clients: 2, ops: 2 * n, check: func(t *testing.T, r *report.Result) {
			if v := metric(t, r, "hit%"); v != 100 {
				t.Fatalf("warm hit%% %v", v)
			}
		}},
		{workload: "cold", clients: 2, ops: 2 * n, check: func(t *testing.T, r *report.Result) {
			if v := metric(t, r, "hit%"); v != 0 {
				t.Fatalf("cold hit%% %v", v)
			}
		}},
		{workload: "update", clients: 2, ops: 2 * n},
		{workload: "add", clients: 2, ops: 2 * n},
		{workload: "conflicts", clients: 3, ops: 3 * n, check: func(t *testing.T, r *report.Result) {
			metric(t, r, "conflicts")
			metric(t, r, "retries-max")
		}},
		{workload: "tpc", clients: 1, ops: n},
		{workload: "new_oid", clients: 1, ops: n},
		{workload: "fanout", clients: 3, ops: n, check: func(t *testing.T, r *report.Result) {
			metric(t, r, "from-send-p50-µs")
			metric(t, r, "before-reply%")
		}},
		{workload: "fanout", protocol: bench.ProtoNative, clients: 70, ops: n}, // raw connections above 64
	}
	for _, p := range []string{bench.ProtoZEO5Pickle, bench.ProtoZEO5Msgpack} {
		for _, w := range []string{"load", "commit", "mixed", "tpc", "new_oid", "fanout"} {
			depth := 1
			if w == "load" {
				depth = 3
			}
			cases = append(cases, struct {
				workload, protocol string
				clients, conns     int
				depth              int
				ops                int64
				check              func(t *testing.T, r *report.Result)
			}{workload: w, protocol: p, clients: 2, depth: depth, ops: map[bool]int64{true: n, false: 2 * n}[w == "fanout"]})
		}
	}
	for _, c := range cases {
		name := c.workload
		if c.protocol != "" {
			name += "/" + c.protocol
		}
		t.Run(fmt.Sprintf("%s/%d", name, c.clients), func(t *testing.T) {
			rep, err := bench.Run(context.Background(), &bench.Options{Addr: addr, Workload: c.workload,
				Protocol: c.protocol, Clients: c.clients, Conns: c.conns, Depth: c.depth, N: n, Keys: testKeys})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Results) != 1 {
				t.Fatalf("%d results", len(rep.Results))
			}
			r := &rep.Results[0]
			if r.Name != c.workload || r.Ops != c.ops || r.Errors != 0 || r.Latency.Count != c.ops {
				t.Fatalf("%s: %d ops (latencies %d), %d errors; want %d ops", r.Name, r.Ops, r.Latency.Count, r.Errors, c.ops)
			}
			if r.Latency.Max < r.Latency.P50 || r.Elapsed <= 0 {
				t.Fatalf("latency %+v elapsed %v", r.Latency, r.Elapsed)
			}
			if c.workload != "fanout" && r.Latency.P50 <= 0 {
				t.Fatalf("p50 %v", r.Latency.P50)
			}
			wantProto := c.protocol
			switch {
			case wantProto == "" && (c.workload == "load" || c.workload == "commit" || c.workload == "mixed" || c.workload == "fanout"):
				wantProto = bench.ProtoNative
			case wantProto == "":
				wantProto = "client"
			}
			if r.Params.Protocol != wantProto || r.Params.Clients != c.clients {
				t.Fatalf("params %+v", r.Params)
			}
			metric(t, r, "self-cpu-µs/op")
			if c.check != nil {
				c.check(t, r)
			}
		})
	}
}

func TestBaselineAndRatios(t *testing.T) {
	addr := server(t)
	rep, err := bench.Run(context.Background(), &bench.Options{Workload: "baseline", Conns: 2, Depth: 3, N: 50, FsyncDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	names := ""
	for _, r := range rep.Results {
		names += r.Name + " "
		if r.Ops == 0 || r.Errors != 0 {
			t.Fatalf("%s: %d ops %d errors", r.Name, r.Ops, r.Errors)
		}
	}
	if names != "echo echo fsync " || rep.Results[1].Params.Conns != 2 || rep.Results[1].Params.Depth != 3 ||
		rep.Results[1].Ops != 100 || rep.Results[2].Ops != 50 {
		t.Fatalf("baseline results: %s %+v", names, rep.Results)
	}
	// A load run side by side: echo at 1x1, echo at the run's shape, then
	// the load with ratios computed from exactly those rows.
	rep, err = bench.Run(context.Background(), &bench.Options{Addr: addr, Workload: "load", Conns: 2, Depth: 2, N: 50,
		Keys: testKeys, VsBaseline: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 3 {
		t.Fatalf("%d results", len(rep.Results))
	}
	rtt, tput, load := rep.Results[0], rep.Results[1], rep.Results[2]
	if rtt.Params.Conns != 1 || tput.Params.Conns != 2 || tput.Params.Depth != 2 || load.Name != "load" {
		t.Fatalf("rows %+v / %+v / %s", rtt.Params, tput.Params, load.Name)
	}
	for name, want := range map[string]float64{
		report.RatioRTT:        float64(load.Latency.P50) / float64(rtt.Latency.P50),
		report.RatioThroughput: load.OpsPerSec() / tput.OpsPerSec(),
	} {
		if got, ok := load.Ratio(name); !ok || got != want {
			t.Fatalf("%s = %v, %v; want %v", name, got, ok, want)
		}
	}
	// A commit run compares with the fsync rate instead.
	rep, err = bench.Run(context.Background(), &bench.Options{Addr: addr, Workload: "commit", N: 20, Keys: testKeys,
		VsBaseline: true, FsyncDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	last := rep.Results[len(rep.Results)-1]
	fs := rep.Results[len(rep.Results)-2]
	if fs.Name != "fsync" || last.Name != "commit" {
		t.Fatalf("rows %s, %s", fs.Name, last.Name)
	}
	if got, _ := last.Ratio(report.RatioFsync); got != last.OpsPerSec()/fs.OpsPerSec() {
		t.Fatalf("fsync ratio %v", got)
	}
}

func TestOptionsValidate(t *testing.T) {
	ok := bench.Options{Addr: "127.0.0.1:1"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	ok = bench.Options{InProc: true, Compress: "s2", Content: bench.ContentText, AcceptCompressed: true}
	if err := ok.Validate(); err != nil {
		t.Fatalf("in-process s2 with text: %v", err)
	}
	for name, o := range map[string]bench.Options{
		"no target":         {},
		"both targets":      {Addr: "x:1", InProc: true},
		"unknown workload":  {Addr: "x:1", Workload: "scan"},
		"unknown protocol":  {Addr: "x:1", Protocol: "zeo4"},
		"zeo5 client":       {Addr: "x:1", Workload: "hot", Protocol: bench.ProtoZEO5Pickle},
		"depth for commits": {Addr: "x:1", Workload: "commit", Depth: 4},
		"conns != clients":  {Addr: "x:1", Workload: "load", Clients: 4, Conns: 2},
		"more conns":        {Addr: "x:1", Workload: "hot", Clients: 1, Conns: 2},
		"zipf 1":            {Addr: "x:1", Zipf: 1},
		"bad size":          {Addr: "x:1", Size: bench.Options{}.Size},
		"trace on load":     {Addr: "x:1", Workload: "load", Trace: "t"},
		"read ratio":        {Addr: "x:1", Workload: "mixed", ReadRatio: 2},
		"hot set":           {Addr: "x:1", Workload: "conflicts", HotKeys: 2, Objects: 3},
		"cache policy":      {Addr: "x:1", Workload: "hot", CachePolicy: "lru"},
		"cache size":        {Addr: "x:1", Workload: "hot", CacheSize: 10},
		"data without proc": {Addr: "x:1", Data: "Data.fs"},
		"compress remote":   {Addr: "x:1", Compress: "zstd"},
		"unknown codec":     {InProc: true, Compress: "lz4"},
		"unknown content":   {InProc: true, Content: "zeros"},
		"zeo5 compressed":   {Addr: "x:1", Protocol: bench.ProtoZEO5Msgpack, AcceptCompressed: true},
	} {
		if name == "bad size" {
			o.Size.Min, o.Size.Max = 10, 5
		}
		if err := o.Validate(); !errors.Is(err, bench.ErrBadOptions) {
			t.Errorf("%s: %v, want ErrBadOptions", name, err)
		}
	}
}

func TestExistingDatabaseWithoutKeys(t *testing.T) {
	addr := server(t)
	_, err := bench.Run(context.Background(), &bench.Options{Addr: addr, Workload: "load", N: 1, Keys: 1 << 20})
	if !errors.Is(err, bench.ErrMissingKeys) {
		t.Fatalf("a key space larger than the database: %v", err)
	}
}
