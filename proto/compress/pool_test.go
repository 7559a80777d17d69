package compress

import (
	"bytes"
	"errors"
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

// TestDecompressTail: a compressed record at the end of a buffer is
// replaced by its plain form with the prefix kept; a plain one is left as
// it is; a corrupt one gives ErrCorrupt and the prefix back; steady state
// allocates nothing.
func TestDecompressTail(t *testing.T) {
	p := &Pool{}
	rec := bytes.Repeat([]byte("a pickle of a persistent mapping; "), 64)
	prefix := []byte("reply header:")
	for _, c := range []Codec{Zlib, Zstd, S2} {
		z := NewCompressor(c, nil)
		packed, _ := z.Compress(nil, rec)
		buf := make([]byte, 0, 4096)
		fill := func(tail []byte) []byte { return append(append(buf[:0], prefix...), tail...) }

		out, err := p.DecompressTail(fill(packed), len(prefix), 1<<20)
		if err != nil || !bytes.Equal(out, append(append([]byte{}, prefix...), rec...)) {
			t.Fatalf("%v: %v, %q", c, err, out)
		}
		plain := fill([]byte("plain"))
		if out, err := p.DecompressTail(plain, len(prefix), 1<<20); err != nil || &out[0] != &plain[0] || string(out) != "reply header:plain" {
			t.Fatalf("%v: plain record: %q, %v", c, out, err)
		}
		bad := fill(packed[:len(packed)/2])
		if out, err := p.DecompressTail(bad, len(prefix), 1<<20); !errors.Is(err, ErrCorrupt) || string(out) != "reply header:" {
			t.Fatalf("%v: cut record: %q, %v", c, out, err)
		}
		if raceEnabled {
			continue
		}
		if n := testing.AllocsPerRun(100, func() {
			if _, err := p.DecompressTail(fill(packed), len(prefix), 1<<20); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%v: %.1f allocations per DecompressTail", c, n)
		}
	}
}
