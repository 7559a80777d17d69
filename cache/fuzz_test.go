package cache

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

// hostile describes a seed image: its file size and the oids 1..n that
// fill stored in it.
type hostile struct {
	size int64
	n    int
}

var (
	bigSeed   = hostile{16 << 10, 40}
	smallSeed = hostile{MinSize, 12} // for the fuzzer: small inputs mutate fast
)

// seedImage returns the bytes of a cache file holding what fill stores for
// oids 1..h.n.
func seedImage(t testing.TB, p Policy, h hostile) []byte {
	path := filepath.Join(t.TempDir(), "seed.zec")
	c, err := Open(path, &Options{Size: h.size, Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= h.n; i++ {
		oid := proto.Oid(i)
		if i%2 == 0 {
			c.Store(oid, tid(50+i), tid(100+i), payload(oid, tid(50+i), 40+i))
		}
		c.Store(oid, tid(100+i), 0, payload(oid, tid(100+i), 40+i))
	}
	c.SetLastTid(1000)
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// openHostile writes img as a cache file, opens it, and checks that the
// cache is consistent and serves nothing but what seedImage stored.
func openHostile(t testing.TB, dir string, img []byte, p Policy, h hostile) {
	path := filepath.Join(dir, "h.zec")
	os.Remove(path + ".bad")
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Open(path, &Options{Size: h.size, Policy: p})
	if err != nil {
		t.Fatalf("Open of a damaged file failed: %v", err)
	}
	defer c.Close()
	if err := c.Check(); err != nil {
		t.Fatalf("Check after repair: %v", err)
	}
	if lt := c.LastTid(); lt != 0 && lt != 1000 {
		t.Fatalf("last tid %s", lt)
	}
	for i := 1; i <= h.n; i++ {
		oid := proto.Oid(i)
		if d, s, ok := c.Load(oid, nil); ok && (s != tid(100+i) || !bytes.Equal(d, payload(oid, s, 40+i))) {
			t.Fatalf("oid %d: served start %s, %d bytes: not what was stored", i, s, len(d))
		}
		if d, s, e, ok := c.LoadBefore(oid, tid(100+i), nil); ok &&
			(i%2 != 0 || s != tid(50+i) || e != tid(100+i) || !bytes.Equal(d, payload(oid, s, 40+i))) {
			t.Fatalf("oid %d: served non-current %s..%s: not what was stored", i, s, e)
		}
	}
	if _, _, ok := c.Load(proto.Oid(h.n+1), nil); ok {
		t.Fatal("served an oid never stored")
	}
	// The repaired cache works.
	if err := c.Store(99, 5, 0, []byte("after")); err != nil {
		t.Fatal(err)
	}
	if err := c.Check(); err != nil {
		t.Fatalf("Check after a store: %v", err)
	}
}

// mutate damages img in one of several ways.
func mutate(r *rand.Rand, img []byte) []byte {
	b := append([]byte(nil), img...)
	switch r.IntN(5) {
	case 0: // bit flips anywhere
		for k := 1 + r.IntN(4); k > 0; k-- {
			b[r.IntN(len(b))] ^= 1 << r.IntN(8)
		}
	case 1: // bit flips past the header
		for k := 1 + r.IntN(4); k > 0; k-- {
			b[headerSize+r.IntN(len(b)-headerSize)] ^= 1 << r.IntN(8)
		}
	case 2: // truncation
		b = b[:r.IntN(len(b))]
	case 3: // a run of garbage
		at, n := r.IntN(len(b)), 1+r.IntN(200)
		for i := at; i < min(len(b), at+n); i++ {
			b[i] = byte(r.Uint32())
		}
	case 4: // a zeroed range (a lost page)
		at := r.IntN(len(b))
		clear(b[at:min(len(b), at+4096)])
	}
	return b
}

func TestOpenHostileFiles(t *testing.T) {
	n := 150
	if *long {
		n = 3000
	}
	forEachPolicy(t, func(t *testing.T, p Policy) {
		img := seedImage(t, p, bigSeed)
		dir := t.TempDir()
		openHostile(t, dir, img, p, bigSeed) // the undamaged image first
		r := rand.New(rand.NewPCG(42, uint64(len(p.Name()))))
		for i := 0; i < n; i++ {
			openHostile(t, dir, mutate(r, img), p, bigSeed)
		}
	})
}

func FuzzCacheFile(f *testing.F) {
	img := seedImage(f, FIFO, smallSeed)
	f.Add(img)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 8; i++ {
		f.Add(mutate(r, img))
	}
	f.Add([]byte("ZEC3"))
	f.Fuzz(func(t *testing.T, b []byte) {
		openHostile(t, t.TempDir(), b, FIFO, smallSeed)
	})
}
