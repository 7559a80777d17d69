// gozeo cache-simul: replay cache traces through FIFO and TinyLFU caches of
// several sizes and print (and plot) the hit ratios.

package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/gozeo/gozeo/cache"
	"github.com/gozeo/gozeo/cache/trace"
)

func init() {
	Register(&Command{
		Name:    "cache-simul",
		Summary: "simulate client caches of several sizes and policies over cache traces",
		Usage:   "[-sizes 1MB,2MB,...] [-policies fifo,tinylfu] [-ref] [-plot OUT.png|OUT.svg] [-j N] TRACE...",
		Run:     runCacheSimul,
	})
}

const defaultSimSizes = "1MB,2MB,5MB,10MB,20MB,50MB,100MB"

func runCacheSimul(ctx context.Context, env *Env, args []string) error {
	c := Lookup("cache-simul")
	fs := NewFlagSet(env, c)
	sizesFlag := fs.String("sizes", defaultSimSizes, "comma-separated cache sizes (B, KB, MB, GB; binary units)")
	polFlag := fs.String("policies", "fifo,tinylfu", "comma-separated policies")
	ref := fs.Bool("ref", false, "also simulate the go-tinylfu W-TinyLFU object-count reference model")
	plotPath := fs.String("plot", "", "draw hit ratio against cache size into this .png or .svg file")
	workers := fs.Int("j", 0, "simulations run at once (default GOMAXPROCS)")
	if err := ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: want at least one trace file", ErrUsage)
	}
	sizes, err := parseSizes(*sizesFlag)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	var pols []cache.Policy
	for _, name := range strings.Split(*polFlag, ",") {
		p, err := cache.ParsePolicy(name)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
		pols = append(pols, p)
	}
	if *plotPath != "" {
		if ext := strings.ToLower(filepath.Ext(*plotPath)); ext != ".png" && ext != ".svg" {
			return fmt.Errorf("%w: -plot wants a .png or .svg file, not %q", ErrUsage, *plotPath)
		}
	}
	var all []simRun
	for _, path := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		evs, rs, err := trace.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s: %d records", path, rs.Records)
		if rs.Errors() > 0 {
			fmt.Fprintf(env.Stdout, " (%d misaligned skips, %d bad oids, %d truncated bytes)", rs.Misaligned, rs.BadOids, rs.Truncated)
		}
		fmt.Fprintln(env.Stdout)
		prog := newSimProgress(env.Stderr, filepath.Base(path))
		res, err := trace.Simulate(evs, trace.SimConfig{Sizes: sizes, Policies: pols, Reference: *ref,
			Workers: *workers, Progress: prog.update})
		prog.finish()
		if err != nil {
			return err
		}
		if err := writeSimTable(env.Stdout, sizes, res); err != nil {
			return err
		}
		all = append(all, simRun{name: filepath.Base(path), results: res})
	}
	if *plotPath != "" {
		if err := plotSim(*plotPath, all); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "plot written to %s\n", *plotPath)
	}
	return nil
}

type simRun struct {
	name    string
	results []trace.SimResult
}

// parseSizes parses "1MB,512KB,1.5GB,4096".
func parseSizes(s string) ([]int64, error) {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := parseSize(f)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no cache sizes in %q", s)
	}
	return out, nil
}

func parseSize(s string) (int64, error) {
	up := strings.ToUpper(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10},
		{"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(up, u.suffix) {
			up, mult = strings.TrimSpace(strings.TrimSuffix(up, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(up, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("bad cache size %q", s)
	}
	n := int64(v * float64(mult))
	if n < cache.MinSize || n > cache.MaxSize {
		return 0, fmt.Errorf("cache size %q outside [%d bytes, %d bytes]", s, cache.MinSize, int64(cache.MaxSize))
	}
	return n, nil
}

// formatSize prints a byte count in the largest binary unit that keeps it
// at or above 1.
func formatSize(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', -1, 64) + " GB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', -1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', -1, 64) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// writeSimTable prints one row per size and one hit-ratio column per
// policy, then the evictions and refusals of each run.
func writeSimTable(w io.Writer, sizes []int64, res []trace.SimResult) error {
	var names []string
	cell := map[string]trace.SimResult{}
	for _, r := range res {
		if _, seen := cell[r.Policy+"@"]; !seen {
			names = append(names, r.Policy)
			cell[r.Policy+"@"] = r
		}
		cell[r.Policy+"@"+strconv.FormatInt(r.Size, 10)] = r
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "size\tloads\t")
	for _, n := range names {
		fmt.Fprintf(tw, "%s hit%%\t", n)
	}
	for _, n := range names {
		fmt.Fprintf(tw, "%s evicts\t", n)
	}
	fmt.Fprintln(tw)
	for _, sz := range sizes {
		key := "@" + strconv.FormatInt(sz, 10)
		fmt.Fprintf(tw, "%s\t%d\t", formatSize(sz), cell[names[0]+key].Loads)
		for _, n := range names {
			r := cell[n+key]
			fmt.Fprintf(tw, "%.2f\t", r.HitRatio())
		}
		for _, n := range names {
			r := cell[n+key]
			fmt.Fprintf(tw, "%d\t", r.Evictions)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// plotSim draws hit ratio against cache size, one line per policy (and per
// trace when there are several).
func plotSim(path string, runs []simRun) error {
	p := plot.New()
	p.Title.Text = "Client cache hit ratio"
	p.X.Label.Text = "cache size"
	p.Y.Label.Text = "hit ratio (%)"
	p.Add(plotter.NewGrid())
	distinct := map[int64]bool{}
	var series []any
	for _, run := range runs {
		byPol := map[string]plotter.XYs{}
		var order []string
		for _, r := range run.results {
			if _, ok := byPol[r.Policy]; !ok {
				order = append(order, r.Policy)
			}
			byPol[r.Policy] = append(byPol[r.Policy], plotter.XY{X: float64(r.Size) / (1 << 20), Y: r.HitRatio()})
			distinct[r.Size] = true
		}
		for _, pol := range order {
			name := pol
			if len(runs) > 1 {
				name += " (" + run.name + ")"
			}
			series = append(series, name, byPol[pol])
		}
	}
	if err := plotutil.AddLinePoints(p, series...); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if len(distinct) > 1 {
		p.X.Scale = plot.LogScale{}
	}
	var ticks plot.ConstantTicks
	for sz := range distinct {
		ticks = append(ticks, plot.Tick{Value: float64(sz) / (1 << 20), Label: formatSize(sz)})
	}
	p.X.Tick.Marker = ticks
	p.Legend.Top = false
	p.Legend.Left = false
	if err := p.Save(8*vg.Inch, 5*vg.Inch, path); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

// simProgress reports simulation progress on stderr: a progress bar on a
// terminal, otherwise a line every few seconds.
type simProgress struct {
	w     io.Writer
	name  string
	bar   *progressbar.ProgressBar
	last  time.Time
	every time.Duration
}

func newSimProgress(w io.Writer, name string) *simProgress {
	p := &simProgress{w: w, name: name, last: time.Now(), every: 5 * time.Second}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.bar = progressbar.NewOptions64(-1, progressbar.OptionSetWriter(w),
				progressbar.OptionSetDescription("simulating "+name), progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(), progressbar.OptionShowCount())
		}
	}
	return p
}

func (p *simProgress) update(done, total int64) {
	if p.bar != nil {
		if p.bar.GetMax64() != total {
			p.bar.ChangeMax64(total)
		}
		p.bar.Set64(done)
		return
	}
	if now := time.Now(); now.Sub(p.last) >= p.every && done < total {
		p.last = now
		fmt.Fprintf(p.w, "cache-simul: %s: %.0f%% (%d of %d events replayed)\n", p.name, 100*float64(done)/float64(total), done, total)
	}
}

func (p *simProgress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
