// Round trips, zc.zlibstorage and standard-library compatibility, the
// keep-or-store rule, and mixed input.

package compress

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestParseCodec(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Codec
	}{{"zlib", Zlib}, {"ZSTD", Zstd}, {" s2 ", S2}, {"off", None}, {"none", None}, {"Off", None}} {
		got, err := ParseCodec(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseCodec(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "gzip", "lz4", "z"} {
		if _, err := ParseCodec(bad); !errors.Is(err, ErrUnknownCodec) {
			t.Errorf("ParseCodec(%q): error %v, want ErrUnknownCodec", bad, err)
		}
	}
	for _, c := range allCodecs {
		if got, err := ParseCodec(c.String()); err != nil || got != c {
			t.Errorf("ParseCodec(%v.String()) = %v, %v", c, got, err)
		}
	}
	if s := Codec(9).String(); s != "Codec(9)" {
		t.Errorf("Codec(9).String() = %q", s)
	}
}

func TestCodecOf(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Codec
	}{
		{"", None}, {".", None}, {".z", Zlib}, {".zx\x9c", Zlib}, {".Z", Zstd}, {".S", S2},
		{".s", None}, {".x", None}, {"\x80\x03c", None}, {"z.", None},
	} {
		if got := CodecOf([]byte(c.in)); got != c.want {
			t.Errorf("CodecOf(%q) = %v, want %v", c.in, got, c.want)
		}
		if got := IsCompressed([]byte(c.in)); got != (c.want != None) {
			t.Errorf("IsCompressed(%q) = %v", c.in, got)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	good := []struct {
		c Codec
		o *Options
	}{
		{Zlib, nil}, {Zlib, &Options{Level: 9}}, {Zlib, &Options{Level: -1}}, {Zstd, &Options{Level: 22}},
		{S2, &Options{Level: 3}}, {None, &Options{MinSize: 100}},
	}
	for _, g := range good {
		if err := g.o.Validate(g.c); err != nil {
			t.Errorf("%v %+v: %v", g.c, g.o, err)
		}
	}
	bad := []struct {
		c Codec
		o *Options
	}{
		{Zlib, &Options{Level: 10}}, {Zstd, &Options{Level: 23}}, {S2, &Options{Level: 4}},
		{None, &Options{Level: 1}}, {Zlib, &Options{MinSize: -1}}, {Zlib, &Options{MinSaving: -1}},
	}
	for _, b := range bad {
		if err := b.o.Validate(b.c); !errors.Is(err, ErrBadOptions) {
			t.Errorf("%v %+v: error %v, want ErrBadOptions", b.c, b.o, err)
		}
	}
	if err := (*Options)(nil).Validate(Codec(7)); !errors.Is(err, ErrUnknownCodec) {
		t.Errorf("unknown codec: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("NewCompressor with a bad level did not panic")
		}
	}()
	NewCompressor(S2, &Options{Level: 9})
}

// levels lists the option sets each codec is tested with.
func levels(c Codec) []*Options {
	switch c {
	case Zlib:
		return []*Options{nil, {Level: 1}, {Level: 9}}
	case Zstd:
		return []*Options{nil, {Level: 1}, {Level: 6}, {Level: 19}}
	case S2:
		return []*Options{nil, {Level: 2}, {Level: 3}}
	}
	return []*Options{nil}
}

func TestRoundTrip(t *testing.T) {
	inputs := map[string][]byte{
		"empty": nil, "one": {'x'}, "20 bytes": textRecord(1, 20), "21 bytes": bytes.Repeat([]byte("a"), 21),
		"text 100": textRecord(2, 100), "text 4K": textRecord(3, 4096), "text 1M": textRecord(4, 1<<20),
		"random 4K": randomRecord(5, 4096), "zeros 64K": make([]byte, 64<<10),
	}
	d := NewDecompressor()
	for _, c := range allCodecs {
		for _, o := range levels(c) {
			z := NewCompressor(c, o)
			for name, in := range inputs {
				prefix := []byte("prefix")
				stored, compressed := z.Compress(append([]byte(nil), prefix...), in)
				if !bytes.HasPrefix(stored, prefix) {
					t.Fatalf("%v %+v %s: Compress lost dst's prefix", c, o, name)
				}
				stored = stored[len(prefix):]
				if compressed != IsCompressed(stored) || (compressed && CodecOf(stored) != c) {
					t.Fatalf("%v %+v %s: compressed=%v but stored prefix %q", c, o, name, compressed, stored[:min(2, len(stored))])
				}
				if !compressed && !bytes.Equal(stored, in) {
					t.Fatalf("%v %+v %s: not compressed but changed", c, o, name)
				}
				if compressed && len(stored) >= len(in) {
					t.Fatalf("%v %+v %s: compressed form of %d bytes is not shorter than %d", c, o, name, len(stored), len(in))
				}
				plain, err := d.Decompress([]byte("dst"), stored, len(in))
				if err != nil {
					t.Fatalf("%v %+v %s: Decompress: %v", c, o, name, err)
				}
				if !bytes.Equal(plain[3:], in) || string(plain[:3]) != "dst" {
					t.Fatalf("%v %+v %s: round trip changed the record", c, o, name)
				}
			}
			// The compressible inputs of 21 bytes or more must compress.
			for _, name := range []string{"text 4K", "text 1M", "zeros 64K"} {
				if _, compressed := z.Compress(nil, inputs[name]); compressed != (c != None) {
					t.Errorf("%v %+v %s: compressed=%v", c, o, name, compressed)
				}
			}
		}
	}
}

// zcRecord was written by zc.zlibstorage's compress() in CPython 3.11
// (zlib 1.2.13, level 6) for the 720-byte record zcPlain.
const zcRecord = "2e7a789c45ce3b0a02401443d12d4df2e68bb8180b2b6d15dcbd6820b9e5adcee3fe69ad5ddfb7e7ebde7e5d1ebf839ca5431f749df221747aced6193e3574a64fa7ceca393adb674c9de333eb7f10f39219312f9911f39619311f9911f3911936a3c90c9b0199b1726486cda0ccb01925336d469799c891993663c84c9b316566cf9199312f9919f39699316f9919f3919936b3c95c3613321772642e9b4999cb6696ccd573642e9bd9652e9b3964ae952373d9cc2973c5bceaf2051c74d921"

func zcPlain() []byte {
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, "key%03d=value%05d;", i, i*7)
	}
	return []byte(b.String())
}

func TestZcZlibstorageRecord(t *testing.T) {
	stored, _ := hex.DecodeString(zcRecord)
	got, err := new(Decompressor).Decompress(nil, stored, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, zcPlain()) {
		t.Fatalf("decoded %q", got)
	}
	// Ours is decided the same way for this record: compressed, ".z".
	out, compressed := NewCompressor(Zlib, nil).Compress(nil, zcPlain())
	if !compressed || string(out[:2]) != ".z" {
		t.Fatalf("compressed=%v prefix %q", compressed, out[:2])
	}
}

func TestZlibStdlibCompat(t *testing.T) {
	z := NewCompressor(Zlib, nil)
	d := new(Decompressor)
	for _, in := range [][]byte{textRecord(7, 400), textRecord(8, 10000), zcPlain()} {
		// Ours, read by the standard library.
		stored, compressed := z.Compress(nil, in)
		if !compressed {
			t.Fatalf("record of %d bytes not compressed", len(in))
		}
		r, err := zlib.NewReader(bytes.NewReader(stored[2:]))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, in) {
			t.Fatalf("stdlib reading ours: %v", err)
		}
		// The standard library's, read by ours.
		for _, level := range []int{zlib.BestSpeed, zlib.DefaultCompression, zlib.BestCompression} {
			var buf bytes.Buffer
			buf.WriteString(".z")
			w, _ := zlib.NewWriterLevel(&buf, level)
			w.Write(in)
			w.Close()
			got, err := d.Decompress(nil, buf.Bytes(), len(in))
			if err != nil || !bytes.Equal(got, in) {
				t.Fatalf("ours reading stdlib level %d: %v", level, err)
			}
		}
	}
	// Trailing bytes after the stream are ignored, as by Python's zlib.
	stored, _ := z.Compress(nil, zcPlain())
	got, err := d.Decompress(nil, append(stored, "trailing"...), 0)
	if err != nil || !bytes.Equal(got, zcPlain()) {
		t.Fatalf("with trailing bytes: %v", err)
	}
}

func TestStoredAsIs(t *testing.T) {
	for _, c := range allCodecs {
		z := NewCompressor(c, nil)
		cases := map[string][]byte{
			"20 bytes":             bytes.Repeat([]byte("a"), 20),
			"already zlib":         append([]byte(".z"), make([]byte, 100)...),
			"already zstd":         append([]byte(".Z"), make([]byte, 100)...),
			"already s2":           append([]byte(".S"), make([]byte, 100)...),
			"incompressible":       randomRecord(9, 200),
			"incompressible large": randomRecord(10, 100000),
		}
		for name, in := range cases {
			out, compressed := z.Compress(nil, in)
			if compressed || !bytes.Equal(out, in) {
				t.Errorf("%v %s: compressed=%v, changed=%v", c, name, compressed, !bytes.Equal(out, in))
			}
		}
	}
	// MinSize and MinSaving are honoured.
	in := textRecord(11, 300)
	if _, c := NewCompressor(Zlib, &Options{MinSize: 301}).Compress(nil, in); c {
		t.Error("record below MinSize was compressed")
	}
	out, c := NewCompressor(Zlib, nil).Compress(nil, in)
	saving := len(in) - len(out)
	if !c || saving <= 0 {
		t.Fatalf("text record not compressed")
	}
	if _, c := NewCompressor(Zlib, &Options{MinSaving: saving}).Compress(nil, in); !c {
		t.Error("record saving exactly MinSaving was not compressed")
	}
	if _, c := NewCompressor(Zlib, &Options{MinSaving: saving + 1}).Compress(nil, in); c {
		t.Error("record saving less than MinSaving was compressed")
	}
}

// TestMixed reads one stream of records written by every codec and plain,
// as a Data.fs holds after its codec was changed.
func TestMixed(t *testing.T) {
	var plains, stored [][]byte
	for i, c := range []Codec{Zlib, None, Zstd, S2, Zlib, S2, None, Zstd} {
		in := textRecord(uint64(20+i), 50+i*300)
		out, _ := NewCompressor(c, nil).Compress(nil, in)
		plains = append(plains, in)
		stored = append(stored, out)
	}
	stored = append(stored, []byte("\x80\x03cshort\nX\nq\x00."))
	plains = append(plains, stored[len(stored)-1])
	d := new(Decompressor)
	var buf []byte
	for i := range stored {
		var err error
		buf, err = d.Decompress(buf[:0], stored[i], 1<<20)
		if err != nil || !bytes.Equal(buf, plains[i]) {
			t.Fatalf("record %d (%v): %v", i, CodecOf(stored[i]), err)
		}
	}
}

func TestFixturePickles(t *testing.T) {
	d := new(Decompressor)
	recs := btreesPickles(t)
	for _, c := range allCodecs {
		z := NewCompressor(c, nil)
		var out, back []byte
		n := 0
		for _, p := range recs {
			var compressed bool
			out, compressed = z.Compress(out[:0], p)
			if compressed {
				n++
			}
			var err error
			back, err = d.Decompress(back[:0], out, len(p))
			if err != nil || !bytes.Equal(back, p) {
				t.Fatalf("%v: record of %d bytes: %v", c, len(p), err)
			}
		}
		if c != None && n < len(recs)/2 {
			t.Errorf("%v: only %d of %d BTrees records compressed", c, n, len(recs))
		}
	}
}
