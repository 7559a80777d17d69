// The text report of a Summary, laid out like ZEO's cache_stats.

package trace

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ReportOptions choose the report's parts.
type ReportOptions struct {
	Quiet     bool // no per-interval rows (cache_stats -q)
	NoStats   bool // no totals (cache_stats -S)
	Histogram bool // the load frequency histogram (cache_stats -h)
}

// WriteReport prints the summary. Times are UTC.
func (s *Summary) WriteReport(w io.Writer, o ReportOptions) error {
	b := &strings.Builder{}
	if !o.Quiet {
		fmt.Fprintf(b, "%-18s %7s %7s %7s %7s %7s\n", "", "loads", "hits", "inv(h)", "writes", "hitrate")
		for i := range s.Intervals {
			iv := &s.Intervals[i]
			if iv.RestartBefore {
				fmt.Fprintf(b, "%s %s Restart %s\n", stamp(iv.Start, "Jan _2 15:04:05"), strings.Repeat("=", 20), strings.Repeat("=", 20))
			}
			hr := "n/a"
			if iv.Loads > 0 {
				hr = fmt.Sprintf("%5.1f%%", iv.HitRate())
			}
			fmt.Fprintf(b, "%s-%s %7d %7d %7d %7d %7s\n", stamp(iv.Start, "Jan _2 15:04"), stamp(iv.End, "15:04"),
				iv.Loads, iv.Hits, iv.Invals, iv.Writes, hr)
		}
	}
	if !o.NoStats {
		rs := s.Read
		fmt.Fprintf(b, "\nRead %s trace records (%s bytes)\n", commas(s.Records), commas(rs.Bytes))
		if rs.Errors() > 0 {
			fmt.Fprintf(b, "Skipped:    %s misaligned 8-byte steps, %s records with bad oids, %s bytes of a truncated last record\n",
				commas(rs.Misaligned), commas(rs.BadOids), commas(rs.Truncated))
		}
		fmt.Fprintf(b, "Versions:   %s records used a version\n", commas(s.Versions))
		if s.Records > 0 {
			fmt.Fprintf(b, "First time: %s\n", stamp(s.First, time.ANSIC))
			fmt.Fprintf(b, "Last time:  %s\n", stamp(s.Last, time.ANSIC))
			fmt.Fprintf(b, "Duration:   %s seconds\n", commas(s.Last-s.First))
			avg := int64(0)
			if s.DataRecords > 0 {
				avg = s.DataBytes / s.DataRecords
			}
			fmt.Fprintf(b, "Data recs:  %s (%.1f%%), average size %d bytes\n", commas(s.DataRecords),
				100*float64(s.DataRecords)/float64(s.Records), avg)
		}
		fmt.Fprintf(b, "Hit rate:   %.1f%% (load hits / loads)\n", s.HitRate())
		fmt.Fprintf(b, "\n%13s %4s %s\n", "Count", "Code", "Function (action)")
		for _, c := range s.Codes() {
			fmt.Fprintf(b, "%13s  %02x  %s\n", commas(s.ByCode[c]), c, Explain(c))
		}
	}
	if o.Histogram {
		s.writeHistogram(b)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (s *Summary) writeHistogram(b *strings.Builder) {
	fmt.Fprintf(b, "\nHistogram of object load frequency\n")
	fmt.Fprintf(b, "Unique oids: %s\n", commas(int64(s.UniqueOids)))
	fmt.Fprintf(b, "Total loads: %s\n", commas(s.Loads))
	if s.UniqueOids == 0 || s.Loads == 0 {
		return
	}
	width := max(len(commas(int64(s.UniqueOids))), len("objects"))
	fmt.Fprintf(b, "%5s %*s %6s %6s %6s\n", "loads", width, "objects", "%obj", "%load", "%cum")
	bins := make([]int64, 0, len(s.LoadsPerOid))
	for n := range s.LoadsPerOid {
		bins = append(bins, n)
	}
	sort.Slice(bins, func(i, j int) bool { return bins[i] < bins[j] })
	cum := 0.0
	for _, n := range bins {
		count := s.LoadsPerOid[n]
		load := 100 * float64(count*n) / float64(s.Loads)
		cum += load
		fmt.Fprintf(b, "%5d %*s %5.1f%% %5.1f%% %5.1f%%\n", n, width, commas(count),
			100*float64(count)/float64(s.UniqueOids), load, cum)
	}
}

func stamp(sec int64, layout string) string { return time.Unix(sec, 0).UTC().Format(layout) }

// commas formats n with thousands separators, as ZEO's addcommas.
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}
