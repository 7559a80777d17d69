// Progress on stderr: a bar on a terminal, otherwise a line per interval.

package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

type progress struct {
	w        io.Writer
	every    time.Duration
	name     string
	totalOps int64         // count bound of the phase (0: none)
	dur      time.Duration // time bound (0: none)
	bar      *progressbar.ProgressBar
}

// isTerminal reports whether w is a character device.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func newProgress(w io.Writer, every time.Duration, name string, totalOps int64, dur time.Duration) *progress {
	p := &progress{w: w, every: every, name: name, totalOps: totalOps, dur: dur}
	if w != nil && isTerminal(w) {
		p.every = 100 * time.Millisecond
		p.bar = progressbar.NewOptions64(1000, progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(name), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(), progressbar.OptionSetPredictTime(true))
	}
	return p
}

// fraction is how far the phase is, by whichever bound is nearer.
func (p *progress) fraction(done int64, elapsed time.Duration) float64 {
	f := 0.0
	if p.totalOps > 0 {
		f = float64(done) / float64(p.totalOps)
	}
	if p.dur > 0 {
		f = max(f, float64(elapsed)/float64(p.dur))
	}
	return min(f, 1)
}

// run reports until ctx ends.
func (p *progress) run(ctx context.Context, ph *phase) {
	if p.w == nil {
		<-ctx.Done()
		return
	}
	t := time.NewTicker(p.every)
	defer t.Stop()
	var lastOps int64
	last := ph.start
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			done := ph.total()
			elapsed := now.Sub(ph.start)
			if p.bar != nil {
				p.bar.Set64(int64(1000 * p.fraction(done, elapsed)))
				continue
			}
			rate := float64(done-lastOps) / now.Sub(last).Seconds()
			lastOps, last = done, now
			fmt.Fprintf(p.w, "bench: %s: %.1fs, %d ops, %.0f ops/s\n", p.name, elapsed.Seconds(), done, rate)
		}
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

// stepf reports a setup step (populating, filling caches) as one line.
func (rn *runner) stepf(format string, a ...any) {
	rn.o.Logger.Info(fmt.Sprintf(format, a...))
	if rn.o.Progress != nil {
		fmt.Fprintf(rn.o.Progress, "bench: "+format+"\n", a...)
	}
}
