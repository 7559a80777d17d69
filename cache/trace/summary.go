// Summarize: the statistics of ZEO's cache_stats over a trace.

package trace

import (
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/gozeo/gozeo/cache"
	"github.com/gozeo/gozeo/proto"
)

// Summary holds the numbers ZEO's cache_stats prints.
type Summary struct {
	Read          ReadStats
	Records       int64
	Versions      int64 // records with the version bit
	First, Last   int64 // Unix seconds of the first and last record
	DataRecords   int64 // records with a data length
	DataBytes     int64 // sum of those lengths
	Loads         int64 // codes 0x2x
	Hits          int64 // codes 0x22, 0x26
	Invalidations int64 // invalidation hits (0x1x except 0x10)
	Writes        int64 // codes 0x5x
	Restarts      int64 // code 0x00
	ByCode        map[byte]int64
	Intervals     []Interval
	// LoadsPerOid maps a number of loads to how many oids were loaded that
	// many times (ZEO's load histogram).
	LoadsPerOid map[int64]int64
	UniqueOids  int
}

// Interval is one row of the per-interval table. A row ends at an interval
// boundary or at a restart (Restart is then set on the row after it).
type Interval struct {
	Start, End                  int64 // Unix seconds of the first and last record
	Loads, Hits, Invals, Writes int64
	RestartBefore               bool // a restart record opened this row
}

// HitRate returns hits / loads in percent (0 with no loads).
func (s *Summary) HitRate() float64 { return ratio(s.Hits, s.Loads) }

// HitRate returns the interval's hits / loads in percent.
func (iv *Interval) HitRate() float64 { return ratio(iv.Hits, iv.Loads) }

func ratio(hits, loads int64) float64 {
	if loads == 0 {
		return 0
	}
	return 100 * float64(hits) / float64(loads)
}

// SummaryOptions tune Summarize.
type SummaryOptions struct {
	// Interval is the length of a row of the interval table; default 15
	// minutes, clamped to [1 minute, 1 hour] as ZEO does.
	Interval time.Duration
	// Verbose, if set, receives one line per record (cache_stats -v).
	Verbose io.Writer
}

// isLoad etc. classify codes as ZEO's cache_stats does.
func isLoad(code byte) bool  { return code&0x70 == 0x20 }
func isHit(code byte) bool   { return code == cache.TraceLoadHit || code == cache.TraceLoadBeforeHit }
func isWrite(code byte) bool { return code&0x70 == 0x50 }
func isInvalHit(code byte) bool {
	return code&0x70 == 0x10 && code != cache.TraceInvalidateMiss
}

// Summarize reads r to the end and returns its statistics.
func Summarize(r *Reader, opts SummaryOptions) (*Summary, error) {
	step := int64(opts.Interval / time.Second)
	if opts.Interval == 0 {
		step = 15 * 60
	}
	step = max(60, min(step, 3600))
	s := &Summary{ByCode: map[byte]int64{}, LoadsPerOid: map[int64]int64{}}
	perOid := map[proto.Oid]int64{}
	var cur *Interval
	var curSlot int64
	var ev Event
	for r.Next(&ev) {
		s.Records++
		if s.Records == 1 {
			s.First = ev.Time
		}
		s.Last = ev.Time
		if ev.DLen != 0 {
			s.DataRecords++
			s.DataBytes += int64(ev.DLen)
		}
		if ev.Version {
			s.Versions++
		}
		s.ByCode[ev.Code]++
		if opts.Verbose != nil {
			writeVerbose(opts.Verbose, &ev)
		}
		slot := ev.Time / step
		restart := ev.Code == cache.TraceRestart
		if cur == nil || slot != curSlot || restart {
			s.Intervals = append(s.Intervals, Interval{Start: ev.Time, RestartBefore: restart})
			cur, curSlot = &s.Intervals[len(s.Intervals)-1], slot
		}
		cur.End = ev.Time
		switch {
		case restart:
			s.Restarts++
		case isLoad(ev.Code):
			s.Loads++
			cur.Loads++
			perOid[ev.Oid]++
			if isHit(ev.Code) {
				s.Hits++
				cur.Hits++
			}
		case isWrite(ev.Code):
			s.Writes++
			cur.Writes++
		case isInvalHit(ev.Code):
			s.Invalidations++
			cur.Invals++
		}
	}
	s.Read = r.Stats()
	s.UniqueOids = len(perOid)
	for _, n := range perOid {
		s.LoadsPerOid[n]++
	}
	return s, r.Err()
}

func writeVerbose(w io.Writer, ev *Event) {
	v := '-'
	if ev.Version {
		v = 'V'
	}
	dl := ""
	if ev.DLen != 0 {
		dl = fmt.Sprintf(" %d", ev.DLen)
	}
	fmt.Fprintf(w, "%s %02x %16x %016x %016x %c%s\n", time.Unix(ev.Time, 0).UTC().Format("Jan _2 15:04:05"),
		ev.Code, uint64(ev.Oid), uint64(ev.Start), uint64(ev.End), v, dl)
}

// Explain describes a trace code as ZEO's cache_stats does.
func Explain(code byte) string {
	switch code {
	case cache.TraceRestart:
		return "_setup_trace (initialization)"
	case cache.TraceInvalidateMiss:
		return "invalidate (miss)"
	case cache.TraceInvalidateVersion:
		return "invalidate (hit, version)"
	case cache.TraceInvalidateKeep:
		return "invalidate (hit, saving non-current)"
	case cache.TraceInvalidateDrop:
		return "invalidate (hit, discarding current or non-current)"
	case cache.TraceLoadMiss:
		return "load (miss)"
	case cache.TraceLoadHit:
		return "load (hit)"
	case cache.TraceLoadBeforeMiss:
		return "load (non-current, miss)"
	case cache.TraceLoadBeforeHit:
		return "load (non-current, hit)"
	case cache.TraceStoreVersion:
		return "store (version)"
	case cache.TraceStore:
		return "store (current, non-version)"
	case cache.TraceStoreNonCurrent:
		return "store (non-current)"
	}
	return "*** unknown code ***"
}

// Codes returns the codes seen, sorted.
func (s *Summary) Codes() []byte {
	codes := make([]byte, 0, len(s.ByCode))
	for c := range s.ByCode {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool { return codes[i] < codes[j] })
	return codes
}
