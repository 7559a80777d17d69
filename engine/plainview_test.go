package engine

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/compress"
)

// TestPlainViewTryLoadBefore: on the event loop, the plain view
// decompresses a small compressed record, passes a plain one through, and
// sends a large compressed one to a worker (ErrWouldBlock), whose
// LoadBefore decompresses it.
func TestPlainViewTryLoadBefore(t *testing.T) {
	m := newMemStore()
	small := bytes.Repeat([]byte("a small pickle; "), 64) // 1 KiB, compresses far below the bound
	large := make([]byte, 3*loopDecompressMax)            // random: its compressed form stays above the bound
	r := rand.New(rand.NewPCG(1, 2))
	for i := range large {
		large[i] = byte(r.Uint32())
	}
	large = append(large, bytes.Repeat([]byte("tail "), 4096)...) // worth compressing
	z := compress.NewCompressor(compress.Zlib, nil)
	smallZ, _ := z.Compress(nil, small)
	largeZ, _ := z.Compress(nil, large)
	if !compress.IsCompressed(smallZ) || !compress.IsCompressed(largeZ) || len(largeZ) <= loopDecompressMax {
		t.Fatalf("test records: small %d bytes compressed %v, large %d bytes", len(smallZ), compress.IsCompressed(smallZ), len(largeZ))
	}
	m.revs[1] = []memRev{{tid: 5, data: smallZ}}
	m.revs[2] = []memRev{{tid: 5, data: largeZ}}
	m.revs[3] = []memRev{{tid: 5, data: []byte("plain")}}
	m.last = 5
	p := plainStorage{Storage: m, max: 1 << 20}
	prefix := []byte("reply header:")

	data, serial, _, err := p.TryLoadBefore(1, proto.MaxTid, prefix)
	if err != nil || serial != 5 || !bytes.Equal(data, append(prefix[:len(prefix):len(prefix)], small...)) {
		t.Fatalf("small compressed record on the loop: serial %s, err %v, %d bytes", serial, err, len(data))
	}
	data, _, _, err = p.TryLoadBefore(3, proto.MaxTid, prefix)
	if err != nil || string(data) != "reply header:plain" {
		t.Fatalf("plain record on the loop: %q, %v", data, err)
	}
	if _, _, _, err = p.TryLoadBefore(2, proto.MaxTid, prefix); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("large compressed record on the loop: %v, want ErrWouldBlock", err)
	}
	data, _, _, err = p.LoadBefore(2, proto.MaxTid, prefix)
	if err != nil || !bytes.Equal(data[len(prefix):], large) {
		t.Fatalf("large compressed record on a worker: %v", err)
	}
}
