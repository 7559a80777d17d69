// gozeo cache-stats: ZEO's cache_stats over a cache trace file.

package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gozeo/gozeo/cache/trace"
)

func init() {
	Register(&Command{
		Name:    "cache-stats",
		Summary: "summarise a client cache trace (ZEO's cache_stats; reads ZEO's traces too)",
		Usage:   "[-i MINUTES] [-q] [-v] [-S] [-hist] TRACE",
		Run:     runCacheStats,
	})
}

func runCacheStats(ctx context.Context, env *Env, args []string) error {
	c := Lookup("cache-stats")
	fs := NewFlagSet(env, c)
	interval := fs.Float64("i", 15, "summarising interval in minutes (1 to 60)")
	quiet := fs.Bool("q", false, "no per-interval rows")
	verbose := fs.Bool("v", false, "print every record")
	noStats := fs.Bool("S", false, "no totals")
	hist := fs.Bool("hist", false, "print the histogram of object load frequencies")
	if err := ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want one trace file", ErrUsage)
	}
	if *quiet && *verbose {
		return fmt.Errorf("%w: -q and -v exclude each other", ErrUsage)
	}
	path := fs.Arg(0)
	r, closer, err := trace.Open(path)
	if err != nil {
		return err
	}
	defer closer.Close()
	opts := trace.SummaryOptions{Interval: time.Duration(*interval * float64(time.Minute))}
	if *verbose {
		opts.Verbose = env.Stdout
	}
	s, err := trace.Summarize(r, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if s.Records == 0 {
		return errors.New(path + ": no records processed")
	}
	return s.WriteReport(env.Stdout, trace.ReportOptions{Quiet: *quiet, NoStats: *noStats, Histogram: *hist})
}
