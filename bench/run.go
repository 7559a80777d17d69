// Run: the entry point that sets up the target, the baseline and the
// workload, and assembles the report.

package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gozeo/gozeo/bench/report"
	"github.com/gozeo/gozeo/bench/workload"
	"github.com/gozeo/gozeo/proto"
)

// baselineDurationCap bounds each baseline measurement of a --vs-baseline
// run, so that the baseline does not take longer than it needs to.
const baselineDurationCap = 3 * time.Second

// runner is one invocation's state.
type runner struct {
	o            Options
	parent       context.Context
	addr         string
	dataDir      string // where the fsync probe runs
	varDir       string // persistent client caches
	keys         *workload.Keys
	oids         []proto.Oid
	pool         []byte
	traceStarted map[int]bool
}

// Run measures what opts asks and returns the report: the baseline
// results first (when asked), then the workload's.
func Run(ctx context.Context, opts *Options) (*report.Report, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	rn := &runner{o: o, parent: ctx, traceStarted: map[int]bool{}}
	rn.keys, _ = workload.NewKeys(o.Keys, o.Zipf)
	rn.pool = newPool(o.Seed, o.Size.Max, o.Content)
	rep := &report.Report{Machine: report.ThisMachine()}
	rn.dataDir = o.FsyncDir
	if rn.dataDir == "" && o.Data != "" {
		rn.dataDir = filepath.Dir(o.Data)
	}
	if o.Workload == "baseline" {
		if rn.dataDir == "" {
			rn.dataDir = "."
		}
		base, err := rn.baseline(ctx, true)
		rep.Results = append(rep.Results, base.all()...)
		return rep, err
	}
	rn.addr = o.Addr
	if o.InProc {
		codec, _ := o.codec() // checked by Validate
		p, err := StartInProc(ctx, InProcOptions{Data: o.Data, Compress: codec, Logger: o.Logger})
		if err != nil {
			return nil, err
		}
		defer p.Close()
		rn.addr = p.Addr
		if rn.dataDir == "" {
			rn.dataDir = filepath.Dir(p.Path)
		}
		rn.stepf("in-process server on %s (%s)", p.Addr, p.Path)
	}
	if rn.dataDir == "" {
		rn.dataDir = "."
	}
	dir, err := os.MkdirTemp("", "gozeo-bench-clients-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(dir)
	rn.varDir = dir
	var base baselineResults
	if o.VsBaseline {
		if base, err = rn.baseline(ctx, rn.isCommit()); err != nil {
			return nil, err
		}
		rep.Results = append(rep.Results, base.all()...)
	}
	if o.Workload != "fanout" && !(o.Workload == "tpc" || o.Workload == "new_oid" || o.Workload == "add") {
		if err := rn.prepareKeys(ctx); err != nil {
			return rep, err
		}
	}
	var res report.Result
	switch {
	case o.Workload == "fanout":
		res, err = rn.runFanout(ctx)
	case o.isProtocolLevel():
		res, err = rn.runProtocol(ctx)
	default:
		res, err = rn.runClient(ctx)
	}
	if err != nil {
		return rep, err
	}
	res.Params = rn.params()
	if o.VsBaseline {
		if rn.isCommit() {
			report.CompareFsync(&res, base.fsync)
		} else {
			report.CompareEcho(&res, base.rtt, base.tput)
		}
	}
	rep.Results = append(rep.Results, res)
	return rep, nil
}

// isCommit reports whether the workload's operations are commits (ratios
// against the fsync rate) rather than loads (ratios against echo).
func (rn *runner) isCommit() bool {
	return slices.Contains([]string{"add", "update", "conflicts", "tpc", "commit", "fanout"}, rn.o.Workload)
}

// baselineResults are the baseline measurements of one run.
type baselineResults struct {
	rtt, tput, fsync *report.Result
}

func (b baselineResults) all() []report.Result {
	var out []report.Result
	for i, r := range []*report.Result{b.rtt, b.tput, b.fsync} {
		if r != nil && !(i == 1 && r == b.rtt) { // 1 x 1: the RTT run is the throughput run
			out = append(out, *r)
		}
	}
	return out
}

// baseline measures the echo RTT (1 connection, depth 1), the echo
// throughput at the workload's connections and depth (when that is not
// 1 x 1), and, when withFsync, the fsync rate.
func (rn *runner) baseline(ctx context.Context, withFsync bool) (baselineResults, error) {
	var b baselineResults
	o := &rn.o
	saved := o.Duration
	if o.Duration == 0 || o.Duration > baselineDurationCap {
		o.Duration = baselineDurationCap
	}
	defer func() { o.Duration = saved }()
	reply := echoReplySize(o.Size.Mean())
	rn.stepf("baseline: loopback echo, %d-byte replies", reply+4)
	r, err := rn.echo(ctx, 1, 1, reply)
	if err != nil {
		return b, err
	}
	b.rtt = &r
	if conns := o.Conns; conns != 1 || o.Depth != 1 {
		t, err := rn.echo(ctx, conns, o.Depth, reply)
		if err != nil {
			return b, err
		}
		b.tput = &t
	} else {
		b.tput = b.rtt
	}
	if withFsync || o.Workload == "baseline" {
		rn.stepf("baseline: fdatasync rate in %s", rn.dataDir)
		f, err := rn.fsync(ctx, rn.dataDir)
		if err != nil {
			return b, err
		}
		b.fsync = &f
	}
	return b, nil
}

// params describes the run for the report.
func (rn *runner) params() report.Params {
	o := &rn.o
	p := report.Params{Protocol: o.Protocol, Clients: o.Clients, Conns: o.Conns, Depth: o.Depth}
	if !o.isProtocolLevel() && o.Workload != "fanout" {
		p.Protocol = "client"
		p.CachePolicy = cachePolicyName(o.CachePolicy)
		p.CacheSize = o.CacheSize
	}
	switch o.Workload {
	case "load", "mixed", "hot", "warm", "cold", "update", "conflicts":
		p.Keys, p.Dist = o.Keys, rn.keys.Name()
	}
	switch o.Workload {
	case "tpc", "new_oid":
	default:
		p.Size = o.Size.String()
	}
	switch o.Workload {
	case "commit", "mixed", "add", "update", "conflicts":
		p.Objects = o.Objects
	}
	if o.Workload == "mixed" {
		p.ReadRatio = o.ReadRatio
	}
	if o.Workload == "fanout" {
		p.Conns = 0
	}
	return p
}

func cachePolicyName(s string) string {
	if s == "" {
		return "fifo"
	}
	return s
}
