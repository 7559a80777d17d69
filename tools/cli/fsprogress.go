// Progress reporting for the FileStorage commands: a progress bar on a
// terminal, otherwise a line every few seconds, always on stderr.

package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress turns func(done, total) reports into a progress bar when w is
// a terminal, or periodic "gozeo NAME: DESC: N% (done of total)" lines
// otherwise (none for runs shorter than the period).
type progress struct {
	w     io.Writer
	label string
	unit  string
	bar   *progressbar.ProgressBar
	start time.Time
	last  time.Time
	every time.Duration
}

func newProgress(w io.Writer, label, unit string) *progress {
	p := &progress{w: w, label: label, unit: unit, start: time.Now(), every: 5 * time.Second}
	p.last = p.start
	if isTerminal(w) {
		opts := []progressbar.Option{progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(label),
			progressbar.OptionThrottle(100 * time.Millisecond), progressbar.OptionClearOnFinish()}
		if unit == "bytes" {
			opts = append(opts, progressbar.OptionShowBytes(true))
		} else {
			opts = append(opts, progressbar.OptionShowCount())
		}
		p.bar = progressbar.NewOptions64(-1, opts...)
	}
	return p
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// update is the func(done, total) to hand to the library.
func (p *progress) update(done, total int64) {
	if p.bar != nil {
		if p.bar.GetMax64() != total {
			p.bar.ChangeMax64(total)
		}
		p.bar.Set64(done)
		return
	}
	if now := time.Now(); now.Sub(p.last) >= p.every && done < total && total > 0 {
		p.last = now
		fmt.Fprintf(p.w, "gozeo %s: %.0f%% (%d of %d %s)\n", p.label, 100*float64(done)/float64(total), done, total, p.unit)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
