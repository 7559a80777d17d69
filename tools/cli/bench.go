// gozeo bench: the load tool (package bench), and its gen-trace and open
// subcommands.

package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/gozeo/gozeo/bench"
	benchreport "github.com/gozeo/gozeo/bench/report"
	"github.com/gozeo/gozeo/bench/workload"
)

func init() {
	Register(&Command{
		Name:    "bench",
		Summary: "load-test a ZEO server (gozeo's or any ZEO 5) against this machine's echo and fsync floor",
		Usage: "[WORKLOAD] [-a ADDR | -inproc [-data FILE] [-compress CODEC]] [-accept-compressed] [-content random|text] [-protocol P] [-clients N] [-conns N] [-depth N] " +
			"[-n N] [-duration D] [-keys N] [-zipf S] [-size N|MIN-MAX] [-objects N] [-vs-baseline] [-json | -gobench]\n" +
			"       gozeo bench -baseline\n" +
			"       gozeo bench gen-trace [-preset NAME] OUT\n" +
			"       gozeo bench open [-runs N] [-make-index] FILE",
		Run: runBench,
	})
}

type benchOutput struct{ json, gobench *bool }

func (b benchOutput) add(fs *flag.FlagSet) benchOutput {
	return benchOutput{json: fs.Bool("json", false, "print JSON instead of the table"),
		gobench: fs.Bool("gobench", false, "print Go benchmark lines (for benchstat) instead of the table")}
}

func (b benchOutput) write(env *Env, rep *benchreport.Report) error {
	switch {
	case *b.json && *b.gobench:
		return fmt.Errorf("%w: -json and -gobench exclude each other", ErrUsage)
	case *b.json:
		return benchreport.WriteJSON(env.Stdout, rep)
	case *b.gobench:
		return benchreport.WriteGoBench(env.Stdout, rep, runtime.GOOS, runtime.GOARCH)
	}
	return benchreport.WriteTable(env.Stdout, rep)
}

func runBench(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "gen-trace":
			return runBenchGenTrace(env, args[1:])
		case "open":
			return runBenchOpen(ctx, env, args[1:])
		}
	}
	var workloadArg string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		workloadArg, args = args[0], args[1:]
	}
	c := Lookup("bench")
	fs := NewFlagSet(env, c)
	var o bench.Options
	fs.StringVar(&o.Workload, "workload", "load", "workload: "+strings.Join(bench.Workloads(), ", "))
	fs.StringVar(&o.Addr, "a", "", "server address (host:port or a unix socket path)")
	fs.StringVar(&o.Addr, "addr", "", "same as -a")
	fs.BoolVar(&o.InProc, "inproc", false, "start a gozeo server in this process")
	fs.StringVar(&o.Data, "data", "", "the in-process server's Data.fs (default: a temporary one)")
	fs.StringVar(&o.Storage, "storage", "1", "storage name")
	fs.StringVar(&o.Protocol, "protocol", bench.ProtoNative, "native, zeo5-pickle or zeo5-msgpack")
	fs.IntVar(&o.Clients, "clients", 0, "concurrent workers (fanout: idle clients) (default 1, or -conns)")
	fs.IntVar(&o.Conns, "conns", 0, "connections (default -clients)")
	fs.IntVar(&o.Depth, "depth", 1, "requests in flight per connection (load, baseline)")
	fs.Int64Var(&o.N, "n", 0, "operations per worker (0: no count bound)")
	fs.DurationVar(&o.Duration, "duration", bench.DefaultDuration, "time bound (0: none; the default applies unless -n is given)")
	fs.IntVar(&o.Keys, "keys", bench.DefaultKeys, "objects in the key space")
	fs.Float64Var(&o.Zipf, "zipf", 0, "zipf exponent of key choice (> 0, != 1; 0: uniform)")
	size := fs.String("size", fmt.Sprint(bench.DefaultSize), "object size in bytes: N or MIN-MAX")
	fs.IntVar(&o.Objects, "objects", 1, "objects per commit")
	fs.Float64Var(&o.ReadRatio, "read-ratio", bench.DefaultRatio, "mixed: share of loads")
	fs.IntVar(&o.HotKeys, "hot-keys", bench.DefaultHotKeys, "conflicts: objects of the shared hot set")
	fs.StringVar(&o.CachePolicy, "cache-policy", "fifo", "client cache policy: fifo or tinylfu")
	fs.StringVar(&o.Compress, "compress", "", "the in-process server's record compression: zlib, zstd, s2 or off")
	fs.BoolVar(&o.AcceptCompressed, "accept-compressed", false, "native clients accept compressed records (sent as stored, decompressed by the client)")
	fs.StringVar(&o.Content, "content", bench.ContentRandom, "object data: random (incompressible) or text (words, compressible)")
	cacheSize := fs.String("cache-size", "", "client cache size (B, KB, MB, GB; default the client's 20 MB)")
	baseline := fs.Bool("baseline", false, "only measure this machine's floor (echo and fsync)")
	fs.BoolVar(&o.VsBaseline, "vs-baseline", false, "measure the baseline first and add ratio columns")
	fs.StringVar(&o.FsyncDir, "fsync-dir", "", "directory of the fsync probe (default: the Data.fs's, else .)")
	fs.StringVar(&o.Trace, "trace", "", "client workloads: record the client cache trace in this file")
	fs.IntVar(&o.ServerPID, "server-pid", 0, "report the CPU this process (the server) used per operation")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed")
	count := fs.Int("count", 1, "run this many times; with 2 or more, median rows follow")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of this process (with -inproc: client and server) to this file")
	out := benchOutput{}.add(fs)
	if err := ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 && workloadArg == "" { // "gozeo bench -inproc load -n 100"
		workloadArg = fs.Arg(0)
		if err := ParseFlags(fs, fs.Args()[1:]); err != nil {
			return err
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", ErrUsage, fs.Args())
	}
	if workloadArg != "" {
		if set["workload"] && o.Workload != workloadArg {
			return fmt.Errorf("%w: workload %q and -workload %q", ErrUsage, workloadArg, o.Workload)
		}
		o.Workload = workloadArg
	}
	if *baseline {
		if workloadArg != "" || set["workload"] {
			return fmt.Errorf("%w: -baseline and a workload exclude each other", ErrUsage)
		}
		o.Workload = "baseline"
	}
	if set["n"] && !set["duration"] {
		o.Duration = 0
	}
	var err error
	if o.Size, err = workload.ParseSizes(*size); err != nil {
		return fmt.Errorf("%w: -size: %v", ErrUsage, err)
	}
	if *cacheSize != "" {
		if o.CacheSize, err = parseSize(*cacheSize); err != nil {
			return fmt.Errorf("%w: -cache-size: %v", ErrUsage, err)
		}
	}
	if *count < 1 {
		return fmt.Errorf("%w: -count %d", ErrUsage, *count)
	}
	o.Progress = env.Stderr
	if err := o.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	all := &benchreport.Report{Machine: benchreport.ThisMachine()}
	for range *count {
		rep, err := bench.Run(ctx, &o)
		if rep != nil {
			all.Results = append(all.Results, rep.Results...)
		}
		if err != nil {
			if len(all.Results) > 0 {
				out.write(env, all)
			}
			return err
		}
	}
	if *count > 1 {
		all.Results = append(all.Results, benchreport.Medians(all.Results)...)
	}
	return out.write(env, all)
}

func runBenchGenTrace(env *Env, args []string) error {
	c := &Command{Name: "bench gen-trace", Usage: "[-preset NAME] [-seed N] [-loads N] OUT",
		Summary: "write a generated client cache trace (ZEO's format; gzipped when OUT ends in .gz)"}
	fs := NewFlagSet(env, c)
	preset := fs.String("preset", "zipf-scan", "workload: "+strings.Join(bench.TracePresets(), ", "))
	seed := fs.Uint64("seed", 0, "random seed (default the preset's)")
	loads := fs.Int("loads", 0, "loads to generate (default the preset's)")
	if err := ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want one output file", ErrUsage)
	}
	cfg, err := bench.TracePreset(*preset)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if *seed != 0 {
		cfg.Seed = *seed
	}
	if *loads < 0 {
		return fmt.Errorf("%w: -loads %d", ErrUsage, *loads)
	}
	if *loads > 0 {
		cfg.Loads = *loads
	}
	n, err := bench.WriteTraceFile(fs.Arg(0), cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: %d records (preset %s)\n", fs.Arg(0), n, *preset)
	return nil
}

func runBenchOpen(ctx context.Context, env *Env, args []string) error {
	c := &Command{Name: "bench open", Usage: "[-runs N] [-make-index] [-json | -gobench] FILE",
		Summary: "time opening a Data.fs with its index file and by a full scan (warm page cache)"}
	fs := NewFlagSet(env, c)
	runs := fs.Int("runs", 5, "timed opens per mode")
	mk := fs.Bool("make-index", false, "write the index file first when it is missing (opens FILE read-write once)")
	out := benchOutput{}.add(fs)
	if err := ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want one Data.fs file", ErrUsage)
	}
	if *runs < 1 {
		return fmt.Errorf("%w: -runs %d", ErrUsage, *runs)
	}
	t0 := time.Now()
	res, err := bench.OpenBench(ctx, fs.Arg(0), &bench.OpenOptions{Runs: *runs, MakeIndex: *mk})
	if err != nil {
		if errors.Is(err, bench.ErrBadOptions) {
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
		return err
	}
	fmt.Fprintf(env.Stderr, "bench open: %d opens in %s\n", *runs*len(res), time.Since(t0).Round(time.Millisecond))
	return out.write(env, &benchreport.Report{Machine: benchreport.ThisMachine(), Results: res})
}
