// CompressStats: what each codec would do to a database's records.

package fstool

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"text/tabwriter"
	"time"

	"github.com/gozeo/gozeo/fsstore"
	"github.com/gozeo/gozeo/proto/compress"
)

// CodecStats is one codec's result over the sampled records.
type CodecStats struct {
	Codec                 compress.Codec
	Records               int   // records sampled
	Compressed            int   // records the codec would store compressed
	PlainBytes            int64 // their plain size
	StoredBytes           int64 // their size as the codec would store them
	CompressTime, DecTime time.Duration
}

// Ratio is plain bytes over stored bytes.
func (c CodecStats) Ratio() float64 {
	if c.StoredBytes == 0 {
		return 0
	}
	return float64(c.PlainBytes) / float64(c.StoredBytes)
}

// CompressMBps and DecompressMBps are the speeds over the plain bytes.
func (c CodecStats) CompressMBps() float64 { return mbps(c.PlainBytes, c.CompressTime) }

// DecompressMBps is the decompression speed over the plain bytes.
func (c CodecStats) DecompressMBps() float64 { return mbps(c.PlainBytes, c.DecTime) }

func mbps(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / (1 << 20) / d.Seconds()
}

// CompressReport is the result of CompressStats.
type CompressReport struct {
	Records       int // data records with data in the file
	AlreadyStored map[compress.Codec]int
	Sampled       int
	SampledBytes  int64
	Codecs        []CodecStats
}

// CompressStats samples up to sample records with data (uniformly, by
// reservoir sampling with a fixed seed; records already compressed are
// decompressed first) and measures, for zlib, zstd and s2 at their
// default levels, the stored size with zc.zlibstorage's keep-if-smaller
// rule, and the compression and decompression speed.
func CompressStats(path string, sample int, progress func(done, total int64)) (*CompressReport, error) {
	if sample < 1 {
		return nil, fmt.Errorf("sample must be at least 1, not %d", sample)
	}
	fl, err := fsstore.OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer fl.Close()
	rep := &CompressReport{AlreadyStored: map[compress.Codec]int{}}
	rng := rand.New(rand.NewPCG(1, 2))
	var samples [][]byte
	var r reader
	it := fl.Iterator(0, 0)
	defer it.Close()
	for n := 0; ; n++ {
		_, ok, err := it.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		recs := it.Records()
		for {
			rec, ok, err := recs.Next()
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			if rec.Data == nil {
				continue
			}
			rep.Records++
			rep.AlreadyStored[compress.CodecOf(rec.Data)]++
			slot := len(samples)
			if slot >= sample {
				if slot = rng.IntN(rep.Records); slot >= sample {
					continue
				}
			}
			plain, _, err := r.plain(rec.Data)
			if err != nil {
				return nil, fmt.Errorf("%s: record at %d: %w", path, recs.Pos(), err)
			}
			if slot == len(samples) {
				samples = append(samples, bytes.Clone(plain))
			} else {
				samples[slot] = append(samples[slot][:0], plain...)
			}
		}
		if progress != nil && n%1024 == 0 {
			progress(it.Pos(), fl.Size())
		}
	}
	if progress != nil {
		progress(fl.Size(), fl.Size())
	}
	rep.Sampled = len(samples)
	for _, s := range samples {
		rep.SampledBytes += int64(len(s))
	}
	for _, c := range []compress.Codec{compress.Zlib, compress.Zstd, compress.S2} {
		st := CodecStats{Codec: c, Records: len(samples)}
		z := compress.NewCompressor(c, nil)
		var d compress.Decompressor
		var out, back []byte
		stored := make([][]byte, len(samples))
		if len(samples) > 0 { // warm the codec's state up: steady-state speed
			w, _ := z.Compress(nil, samples[0])
			d.Decompress(nil, w, 0)
		}
		t0 := time.Now()
		for i, s := range samples {
			var ok bool
			out, ok = z.Compress(out[:0], s)
			if ok {
				st.Compressed++
			}
			stored[i] = bytes.Clone(out)
		}
		st.CompressTime = time.Since(t0)
		t0 = time.Now()
		for i := range stored {
			if back, err = d.Decompress(back[:0], stored[i], 0); err != nil {
				return nil, fmt.Errorf("%s does not read back its own record: %w", c, err)
			}
		}
		st.DecTime = time.Since(t0)
		for i, s := range samples {
			st.PlainBytes += int64(len(s))
			st.StoredBytes += int64(len(stored[i]))
		}
		rep.Codecs = append(rep.Codecs, st)
	}
	return rep, nil
}

// WriteTable prints the report as a table.
func (rep *CompressReport) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "%d records with data, %d sampled (%d bytes)", rep.Records, rep.Sampled, rep.SampledBytes)
	for _, c := range []compress.Codec{compress.Zlib, compress.Zstd, compress.S2} {
		if n := rep.AlreadyStored[c]; n > 0 {
			fmt.Fprintf(w, "; %d stored with %s", n, c)
		}
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "codec\tcompressed\tplain bytes\tstored bytes\tratio\tcompress MB/s\tdecompress MB/s\t\n")
	for _, c := range rep.Codecs {
		fmt.Fprintf(tw, "%s\t%d/%d\t%d\t%d\t%.2f\t%.0f\t%.0f\t\n", c.Codec, c.Compressed, c.Records,
			c.PlainBytes, c.StoredBytes, c.Ratio(), c.CompressMBps(), c.DecompressMBps())
	}
	return tw.Flush()
}
