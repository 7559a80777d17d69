package compress

import (
	"bytes"
	"runtime"
	"testing"
)

// TestPoolKeepsAcrossGC: what a Pool keeps survives garbage collections
// (a sync.Pool's contents do not), up to Max of each kind.
func TestPoolKeepsAcrossGC(t *testing.T) {
	p := &Pool{Max: 2}
	z1, z2, z3 := p.Compressor(Zstd), p.Compressor(Zstd), p.Compressor(Zstd)
	p.PutCompressor(z1)
	p.PutCompressor(z2)
	p.PutCompressor(z3) // over Max: dropped
	d := p.Decompressor()
	p.PutDecompressor(d)
	runtime.GC()
	runtime.GC()
	if g := p.Compressor(Zstd); g != z2 {
		t.Fatalf("after GC the pool gave a new zstd compressor")
	}
	if g := p.Compressor(Zstd); g != z1 {
		t.Fatalf("after GC the pool lost its second zstd compressor")
	}
	if g := p.Compressor(Zstd); g == z1 || g == z2 || g == z3 {
		t.Fatalf("the pool kept more than Max compressors")
	}
	if g := p.Compressor(Zlib); g.codec != Zlib {
		t.Fatalf("asked for zlib, got codec %v", g.codec)
	}
	if g := p.Decompressor(); g != d {
		t.Fatalf("after GC the pool gave a new decompressor")
	}
}

// TestPoolRoundTripNoAllocs: compressing and decompressing through
// pooled codecs allocates nothing in steady state.
func TestPoolRoundTripNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	p := &Pool{}
	rec := bytes.Repeat([]byte("a pickle of a persistent mapping; "), 64)
	out := make([]byte, 0, 4096)
	back := make([]byte, 0, 4096)
	for _, c := range []Codec{Zlib, Zstd, S2} {
		run := func() {
			z := p.Compressor(c)
			out, _ = z.Compress(out[:0], rec)
			p.PutCompressor(z)
			d := p.Decompressor()
			var err error
			back, err = d.Decompress(back[:0], out, 1<<20)
			p.PutDecompressor(d)
			if err != nil || !bytes.Equal(back, rec) {
				t.Fatalf("%v: round trip: %v", c, err)
			}
		}
		run()
		if n := testing.AllocsPerRun(100, run); n != 0 {
			t.Errorf("%v: %.1f allocations per pooled round trip", c, n)
		}
	}
}
