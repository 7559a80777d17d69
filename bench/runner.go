// The timed phase: per-worker recorders, the count and time bounds, CPU
// accounting, and the merge into a report.Result.

package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gozeo/gozeo/bench/report"
)

// recorder is one worker's share of a timed phase.
type recorder struct {
	hist   *report.Histogram
	done   atomic.Int64 // operations finished (ok or failed), read by progress
	errs   int64
	issued int64 // operations started
	limit  int64 // per-worker count bound; 0: none
	stop   *atomic.Bool
}

// issue reports whether the worker may start another operation, and
// counts it.
func (r *recorder) issue() bool {
	if r.stop.Load() || (r.limit > 0 && r.issued >= r.limit) {
		return false
	}
	r.issued++
	return true
}

// ok records a finished operation's latency.
func (r *recorder) ok(d time.Duration) {
	r.hist.Record(d)
	r.done.Add(1)
}

// fail counts a failed operation.
func (r *recorder) fail() {
	r.errs++
	r.done.Add(1)
}

// phase is one timed phase in progress.
type phase struct {
	name  string
	recs  []*recorder
	stop  atomic.Bool
	start time.Time
}

// total is the number of operations finished so far.
func (p *phase) total() int64 {
	var n int64
	for _, r := range p.recs {
		n += r.done.Load()
	}
	return n
}

// timed runs n workers in parallel under the count and time bounds and
// returns the merged result. fn gets its worker index and recorder; a
// returned error fails the phase (the other workers are told to stop).
// The caller fills in the Params and any metrics.
func (rn *runner) timed(ctx context.Context, name string, n int, fn func(ctx context.Context, id int, rec *recorder) error) (report.Result, error) {
	o := &rn.o
	p := &phase{name: name}
	for range n {
		p.recs = append(p.recs, &recorder{hist: report.NewHistogram(), limit: o.N, stop: &p.stop})
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var timer *time.Timer
	if o.Duration > 0 {
		timer = time.AfterFunc(o.Duration, func() { p.stop.Store(true) })
		defer timer.Stop()
	}
	go func() { // Ctrl-C and failures stop the workers too
		<-ctx.Done()
		p.stop.Store(true)
	}()
	prog := newProgress(o.Progress, o.ProgressInterval, name, o.N*int64(n), o.Duration)
	defer prog.finish()
	cpu0, srv0 := selfCPU(), rn.serverCPU()
	p.start = time.Now()
	progDone := make(chan struct{})
	go func() {
		defer close(progDone)
		prog.run(ctx, p)
	}()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx, i, p.recs[i]); err != nil {
				errs[i] = err
				cancel()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(p.start)
	cpu1, srv1 := selfCPU(), rn.serverCPU()
	cancel()
	<-progDone
	for _, err := range errs {
		if err != nil {
			return report.Result{}, err
		}
	}
	if err := ctx.Err(); err != nil && rn.parent.Err() != nil {
		return report.Result{}, rn.parent.Err()
	}
	hist := report.NewHistogram()
	var errCount int64
	for _, r := range p.recs {
		hist.Merge(r.hist)
		errCount += r.errs
	}
	res := report.Result{Name: name, Ops: hist.Count(), Errors: errCount, Elapsed: elapsed, Latency: hist.Summary()}
	if ops := float64(res.Ops + res.Errors); ops > 0 {
		res.AddMetric("self-cpu-µs/op", round2(float64(cpu1-cpu0)/1e3/ops), "")
		if rn.o.ServerPID > 0 && srv0 >= 0 && srv1 >= 0 && name != "echo" && name != "fsync" {
			res.AddMetric("server-cpu-µs/op", round2(float64(srv1-srv0)/1e3/ops), "")
		}
	}
	return res, nil
}

func round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }

// selfCPU is the process's user+system CPU time in ns.
func selfCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
