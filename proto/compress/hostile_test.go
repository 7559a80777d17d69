// Corrupt, truncated and oversized records: errors, never wrong data, never
// an allocation past the limit.

package compress

import (
	"bytes"
	"encoding/binary"
	"errors"
	"runtime"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

func TestMaxSize(t *testing.T) {
	in := textRecord(30, 10000)
	d := new(Decompressor)
	for _, c := range allCodecs {
		stored, _ := NewCompressor(c, nil).Compress(nil, in)
		if _, err := d.Decompress(nil, stored, len(in)); err != nil {
			t.Fatalf("%v at exactly the limit: %v", c, err)
		}
		dst := []byte("keep")
		out, err := d.Decompress(dst, stored, len(in)-1)
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("%v one byte over the limit: error %v, want ErrTooLarge", c, err)
		}
		if string(out) != "keep" {
			t.Fatalf("%v: failed Decompress returned %q, want dst unchanged", c, out)
		}
	}
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

func TestHostileDeclaredSizes(t *testing.T) {
	d := new(Decompressor)
	d.Decompress(nil, mustCompress(t, Zstd, textRecord(1, 1000)), 0) // build the decoders first
	const limit = 1 << 20

	// An S2 block declaring 4 GiB of output, with a valid checksum field.
	s2rec := []byte(PrefixS2 + "\x00\x00\x00\x00")
	s2rec = binary.AppendUvarint(s2rec, 0xffffffff)
	s2rec = append(s2rec, 0, 0, 0)
	// A zstd frame declaring 1 TiB.
	var h [32]byte
	zrec := append([]byte(PrefixZstd), zstdHeader(h[:0], 1<<40)...)
	// A zlib bomb: 64 MiB of zeros in about 64 KiB.
	bomb := mustCompress(t, Zlib, make([]byte, 64<<20))

	for name, rec := range map[string][]byte{"s2": s2rec, "zstd": zrec, "zlib bomb": bomb} {
		var err error
		n := allocated(func() { _, err = d.Decompress(nil, rec, limit) })
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: error %v, want ErrTooLarge", name, err)
		}
		if n > 4*limit {
			t.Errorf("%s: allocated %d bytes for a %d-byte limit", name, n, limit)
		}
	}
}

// zstdHeader appends a minimal single-segment frame header declaring size.
func zstdHeader(dst []byte, size uint64) []byte {
	dst = append(dst, 0x28, 0xb5, 0x2f, 0xfd)
	dst = append(dst, 3<<6|1<<5) // 8-byte FCS, single segment
	dst = binary.LittleEndian.AppendUint64(dst, size)
	return append(dst, 1, 0, 0) // a last raw block header of length 0
}

func mustCompress(t testing.TB, c Codec, in []byte) []byte {
	out, ok := NewCompressor(c, nil).Compress(nil, in)
	if !ok {
		t.Fatalf("%v did not compress %d bytes", c, len(in))
	}
	return out
}

func TestCorrupt(t *testing.T) {
	in := textRecord(40, 3000)
	d := new(Decompressor)
	for _, c := range []Codec{Zlib, Zstd, S2} {
		stored := mustCompress(t, c, in)
		// Every truncation fails as corrupt.
		for n := 2; n < len(stored); n++ {
			_, err := d.Decompress(nil, stored[:n], 1<<20)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("%v cut at %d of %d: error %v, want ErrCorrupt", c, n, len(stored), err)
			}
		}
		// Every single-byte change fails, or (when it hits bits the codec
		// ignores) still gives the original bytes: never other data.
		for i := 2; i < len(stored); i++ {
			bad := bytes.Clone(stored)
			bad[i] ^= 0x5a
			out, err := d.Decompress(nil, bad, 1<<20)
			if err == nil && !bytes.Equal(out, in) {
				t.Fatalf("%v with byte %d changed: decoded %d different bytes without error", c, i, len(out))
			}
			if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("%v with byte %d changed: error %v is neither ErrCorrupt nor ErrTooLarge", c, i, err)
			}
		}
	}
	// A zstd frame that does not declare its size is refused.
	// (Magic, descriptor 0: no content size; a 1 KiB window; one last raw
	// block of 3 bytes.) A standard decoder reads it as "abc".
	noFCS := []byte("\x28\xb5\x2f\xfd\x00\x00\x19\x00\x00abc")
	if got, err := zstdDecodeAll(noFCS); err != nil || string(got) != "abc" {
		t.Fatalf("the test frame is not valid zstd: %q, %v", got, err)
	}
	if _, err := d.Decompress(nil, append([]byte(PrefixZstd), noFCS...), 0); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("zstd frame without content size: %v", err)
	}
	// An S2 block with a wrong checksum is refused.
	block := s2.Encode(nil, in)
	rec := append([]byte(PrefixS2+"\x01\x02\x03\x04"), block...)
	if _, err := d.Decompress(nil, rec, 0); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("s2 with a wrong checksum: %v", err)
	}
	for _, short := range []string{".z", ".Z", ".S", ".S\x00\x00", ".zx"} {
		if _, err := d.Decompress(nil, []byte(short), 0); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%q: error %v, want ErrCorrupt", short, err)
		}
	}
}

func TestPlainOverLimit(t *testing.T) {
	if _, err := new(Decompressor).Decompress(nil, make([]byte, 100), 99); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("plain record over the limit: %v", err)
	}
}

func zstdDecodeAll(b []byte) ([]byte, error) {
	dec, err := zstd.NewReader(nil)
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	return dec.DecodeAll(b, nil)
}
