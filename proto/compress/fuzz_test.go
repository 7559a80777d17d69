// FuzzDecompress: arbitrary stored records never panic and never decode
// past maxSize. FuzzRoundTrip: every codec round-trips every record that
// does not itself start with a codec prefix (no pickle does). Both are
// seeded with real ZODB record pickles from the fixtures when present.

package compress

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/gozeo/gozeo/proto/prototest"
)

// fixturePickles returns up to 40 record pickles written by Python ZODB,
// or nil when the fixtures are absent (fuzz seeds must not skip).
func fixturePickles(f *testing.F) [][]byte {
	root, err := prototest.RepoRoot()
	if err != nil {
		return nil
	}
	if _, err := os.Stat(filepath.Join(root, "..", "shared", "fixtures")); err != nil {
		return nil
	}
	var out [][]byte
	for _, rel := range []string{"filestorage/basic/basic.fs", "filestorage/btrees/btrees.fs", "zeo-wire/pickle/server-Data.fs"} {
		for _, p := range fsPickles(f, rel) {
			if len(out) < 40 && len(p) <= 1<<16 {
				out = append(out, p)
			}
		}
	}
	return out
}

func fuzzSeeds() [][]byte {
	var seeds [][]byte
	for _, c := range allCodecs {
		for _, in := range [][]byte{textRecord(70, 100), textRecord(71, 3000), make([]byte, 5000)} {
			out, _ := NewCompressor(c, nil).Compress(nil, in)
			seeds = append(seeds, out)
		}
	}
	return seeds
}

func FuzzDecompress(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s, uint16(len(s)))
		f.Add(s, uint16(len(s)/4))
	}
	for _, p := range fixturePickles(f) {
		for _, c := range allCodecs {
			out, _ := NewCompressor(c, nil).Compress(nil, p)
			f.Add(out, uint16(len(p)))
		}
	}
	f.Add([]byte(".Z\x28\xb5\x2f\xfd\x00\x00\x19\x00\x00abc"), uint16(10))
	f.Add([]byte(".S\x00\x00\x00\x00\xff\xff\xff\xff\x0f"), uint16(100))
	d := new(Decompressor)
	f.Fuzz(func(t *testing.T, data []byte, max uint16) {
		maxSize := int(max) + 1
		prefix := []byte("prefix")
		out, err := d.Decompress(bytes.Clone(prefix), data, maxSize)
		if !bytes.HasPrefix(out, prefix) {
			t.Fatalf("dst prefix lost")
		}
		if err != nil {
			if len(out) != len(prefix) {
				t.Fatalf("failed Decompress returned %d extra bytes", len(out)-len(prefix))
			}
		} else if len(out)-len(prefix) > maxSize {
			t.Fatalf("decoded %d bytes, limit %d", len(out)-len(prefix), maxSize)
		}
	})
}

func FuzzRoundTrip(f *testing.F) {
	f.Add(textRecord(72, 300))
	for _, p := range fixturePickles(f) {
		f.Add(p)
	}
	f.Add(make([]byte, 1000))
	f.Add([]byte("\x80\x03cmod\nName\nq\x00.\x80\x03}q\x01."))
	d := new(Decompressor)
	compressors := make([]*Compressor, len(allCodecs))
	for i, c := range allCodecs {
		compressors[i] = NewCompressor(c, nil)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if IsCompressed(data) {
			// Not a pickle: stored as is, so it reads back as compressed.
			return
		}
		for _, z := range compressors {
			stored, _ := z.Compress(nil, data)
			back, err := d.Decompress(nil, stored, len(data))
			if err != nil || !bytes.Equal(back, data) {
				t.Fatalf("%v round trip: %v", z.Codec(), err)
			}
		}
	})
}
