// Benchmarks per codec on real BTrees pickles and generated records, the
// allocation gates, and a logged table of ratios and speeds.

package compress

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

var sink []byte

type benchSet struct {
	name    string
	records [][]byte
}

func benchSets(b *testing.B) []benchSet {
	return []benchSet{
		{"btrees", btreesPickles(b)},
		{"text4K", [][]byte{textRecord(50, 4096)}},
		{"text64K", [][]byte{textRecord(51, 64<<10)}},
	}
}

func totalLen(recs [][]byte) int64 {
	var n int64
	for _, r := range recs {
		n += int64(len(r))
	}
	return n
}

func BenchmarkCompress(b *testing.B) {
	for _, set := range benchSets(b) {
		for _, c := range []Codec{Zlib, Zstd, S2} {
			b.Run(set.name+"/"+c.String(), func(b *testing.B) {
				z := NewCompressor(c, nil)
				buf := make([]byte, 0, 128<<10)
				b.ReportAllocs()
				b.SetBytes(totalLen(set.records))
				for b.Loop() {
					for _, r := range set.records {
						buf, _ = z.Compress(buf[:0], r)
					}
				}
				sink = buf
			})
		}
	}
}

func BenchmarkDecompress(b *testing.B) {
	for _, set := range benchSets(b) {
		for _, c := range []Codec{Zlib, Zstd, S2} {
			b.Run(set.name+"/"+c.String(), func(b *testing.B) {
				z := NewCompressor(c, nil)
				stored := make([][]byte, len(set.records))
				for i, r := range set.records {
					stored[i], _ = z.Compress(nil, r)
				}
				d := new(Decompressor)
				buf := make([]byte, 0, 128<<10)
				b.ReportAllocs()
				b.SetBytes(totalLen(set.records))
				for b.Loop() {
					for _, s := range stored {
						var err error
						buf, err = d.Decompress(buf[:0], s, 1<<20)
						if err != nil {
							b.Fatal(err)
						}
					}
				}
				sink = buf
			})
		}
	}
}

// TestNoAllocs gates the steady state of every codec: a warm Compressor or
// Decompressor and a destination with room do not allocate.
func TestNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	inputs := map[string][]byte{"text300": textRecord(60, 300), "text16K": textRecord(61, 16<<10)}
	for _, c := range allCodecs {
		for _, o := range levels(c) {
			for name, in := range inputs {
				z := NewCompressor(c, o)
				d := new(Decompressor)
				dst := make([]byte, 0, 2*len(in)+1024)
				plain := make([]byte, 0, len(in))
				stored, _ := z.Compress(nil, in)
				plain, _ = d.Decompress(plain[:0], stored, len(in)) // warm up
				if n := testing.AllocsPerRun(100, func() { dst, _ = z.Compress(dst[:0], in) }); n != 0 {
					t.Errorf("%v %+v %s: Compress: %v allocs/op", c, o, name, n)
				}
				var err error
				if n := testing.AllocsPerRun(100, func() { plain, err = d.Decompress(plain[:0], stored, len(in)) }); n != 0 || err != nil {
					t.Errorf("%v %+v %s: Decompress: %v allocs/op, err %v", c, o, name, n, err)
				}
				if !bytes.Equal(plain, in) {
					t.Errorf("%v %s: round trip changed the record", c, name)
				}
			}
		}
	}
}

// TestNoAllocsMixedSizes decompresses records of changing sizes in turn:
// the reused buffers must keep their capacity from one record to the next.
func TestNoAllocsMixedSizes(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	sizes := []int{300, 16 << 10, 50, 4096, 1000}
	for _, c := range allCodecs {
		z := NewCompressor(c, nil)
		d := new(Decompressor)
		var stored [][]byte
		for i, n := range sizes {
			s, _ := z.Compress(nil, textRecord(uint64(80+i), n))
			stored = append(stored, s)
		}
		dst := make([]byte, 0, 64<<10)
		plain := make([]byte, 0, 64<<10)
		run := func() {
			for i, s := range stored {
				plain, _ = d.Decompress(plain[:0], s, 1<<20)
				dst, _ = z.Compress(dst[:0], plain)
				if len(plain) != sizes[i] {
					t.Fatalf("%v: record %d decoded to %d bytes", c, i, len(plain))
				}
			}
		}
		run()
		if n := testing.AllocsPerRun(100, run); n != 0 {
			t.Errorf("%v: %v allocs per pass over records of sizes %v", c, n, sizes)
		}
	}
}

// TestReportRatios logs, per codec and level, the compression ratio and the
// single-core speed on the BTrees fixture's pickles. Only the round trip is
// asserted; the numbers are information.
func TestReportRatios(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("a speed report: not in short mode or under the race detector")
	}
	recs := btreesPickles(t)
	total := totalLen(recs)
	t.Logf("%d BTrees records, %d bytes", len(recs), total)
	d := new(Decompressor)
	for _, c := range []Codec{Zlib, Zstd, S2} {
		for _, o := range levels(c) {
			z := NewCompressor(c, o)
			stored := make([][]byte, len(recs))
			var out int64
			compressed := 0
			start := time.Now()
			const rounds = 5
			for range rounds {
				for i, r := range recs {
					var ok bool
					stored[i], ok = z.Compress(stored[i][:0], r)
					if ok {
						compressed++
					}
				}
			}
			ctime := time.Since(start)
			for _, s := range stored {
				out += int64(len(s))
			}
			var buf []byte
			start = time.Now()
			for range rounds {
				for i, s := range stored {
					var err error
					buf, err = d.Decompress(buf[:0], s, len(recs[i]))
					if err != nil || !bytes.Equal(buf, recs[i]) {
						t.Fatalf("%v: round trip of record %d: %v", c, i, err)
					}
				}
			}
			dtime := time.Since(start)
			level := "default"
			if o != nil {
				level = fmt.Sprint(o.Level)
			}
			mbps := func(d time.Duration) float64 { return float64(total*rounds) / d.Seconds() / 1e6 }
			t.Logf("%-4s level %-7s ratio %.3f (%d -> %d bytes, %d/%d records compressed)  compress %.0f MB/s  decompress %.0f MB/s",
				c, level, float64(total)/float64(out), total, out, compressed/rounds, len(recs), mbps(ctime), mbps(dtime))
		}
	}
}
