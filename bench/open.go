// Cold start: timing fsstore.Open of a Data.fs with its index file and by
// a full scan ("gozeo bench open FILE").

package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gozeo/gozeo/bench/report"
	"github.com/gozeo/gozeo/fsstore"
)

// OpenOptions configure OpenBench. The zero value works.
type OpenOptions struct {
	Runs int // opens per mode; default 5
	// MakeIndex lets OpenBench write the index file (one read-write open
	// and close) when it is missing; otherwise the indexed mode is
	// skipped with a note.
	MakeIndex bool
}

// OpenBench times read-only opens of path, with the index file and
// without it (NoIndex: a scan of the whole log), Runs times each, and
// returns one result per mode: the latency columns are the open times,
// ops/s the opens per second. The page cache is whatever it is (the
// first untimed open warms it): these are warm-cache figures.
func OpenBench(ctx context.Context, path string, opts *OpenOptions) ([]report.Result, error) {
	var o OpenOptions
	if opts != nil {
		o = *opts
	}
	if o.Runs == 0 {
		o.Runs = 5
	}
	if o.Runs < 0 {
		return nil, fmt.Errorf("%w: %d runs", ErrBadOptions, o.Runs)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("bench: open: %w", err)
	}
	var notes []string
	if _, err := os.Stat(path + fsstore.IndexSuffix); errors.Is(err, os.ErrNotExist) && o.MakeIndex {
		s, err := fsstore.Open(path, nil)
		if err != nil {
			return nil, fmt.Errorf("bench: open: writing the index: %w", err)
		}
		if err := s.Close(); err != nil {
			return nil, fmt.Errorf("bench: open: writing the index: %w", err)
		}
		notes = append(notes, "wrote the missing index file first")
	}
	_, ierr := os.Stat(path + fsstore.IndexSuffix)
	var out []report.Result
	for _, mode := range []string{"index", "scan"} {
		if mode == "index" && ierr != nil {
			notes = append(notes, "no index file: the indexed open is skipped (give -make-index)")
			continue
		}
		// A full scan reports progress on the way; an indexed open only
		// reports the end of its scan of the tail after the index.
		scanned := false
		fo := &fsstore.Options{ReadOnly: true, NoIndex: mode == "scan",
			Progress: func(done, total int64) { scanned = scanned || done < total }}
		h := report.NewHistogram()
		var objects int
		var total time.Duration
		for i := -1; i < o.Runs; i++ { // run -1 warms the page cache, untimed
			if err := ctx.Err(); err != nil {
				return out, err
			}
			t0 := time.Now()
			s, err := fsstore.Open(path, fo)
			d := time.Since(t0)
			if err != nil {
				return out, fmt.Errorf("bench: open %s: %w", mode, err)
			}
			objects = s.Len()
			s.Close()
			if i >= 0 {
				h.Record(d)
				total += d
			}
		}
		r := report.Result{Name: "open-" + mode, Ops: h.Count(), Elapsed: total, Latency: h.Summary(),
			Params: report.Params{Keys: objects}, Notes: notes}
		r.AddMetric("file-MB", round2(float64(st.Size())/1e6), "")
		if med := r.Latency.P50; med > 0 {
			r.AddMetric("MB/s", round2(float64(st.Size())/1e6/med.Seconds()), "")
		}
		if mode == "index" && scanned {
			r.Notes = append(r.Notes, "the index file was not usable: these opens scanned the log")
		}
		out = append(out, r)
		notes = nil
	}
	return out, nil
}
