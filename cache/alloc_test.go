package cache

import (
	"path/filepath"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

func TestHitPathNoAllocs(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		c := openTest(t, tmpPath(t), &Options{Size: 1 << 20, Policy: p})
		d := payload(1, 10, 512)
		mustStore(t, c, 1, 10, 0, d)
		mustStore(t, c, 2, 10, 20, d)
		dst := make([]byte, 0, 1024)
		if n := testing.AllocsPerRun(100, func() {
			if _, _, ok := c.Load(1, dst); !ok {
				t.Fatal("miss")
			}
		}); n != 0 {
			t.Fatalf("Load hit: %v allocs", n)
		}
		if n := testing.AllocsPerRun(100, func() {
			if _, _, _, ok := c.LoadBefore(2, 15, dst); !ok {
				t.Fatal("miss")
			}
			if _, _, _, ok := c.LoadBefore(1, 15, dst); !ok {
				t.Fatal("miss")
			}
		}); n != 0 {
			t.Fatalf("LoadBefore hit: %v allocs", n)
		}
		if n := testing.AllocsPerRun(100, func() { c.Load(99, dst) }); n != 0 {
			t.Fatalf("Load miss: %v allocs", n)
		}
	})
}

func TestStoreNoAllocs(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		c := openTest(t, "", &Options{Size: 256 << 10, Policy: p})
		d := payload(1, 1, 200)
		// Steady state: the file is full and every store evicts; oids
		// cycle through a fixed set, so the index stops growing.
		var i int
		store := func() {
			i++
			oid := proto.Oid(i % 4096)
			c.Invalidate(oid, proto.ZeroTid)
			if err := c.Store(oid, proto.Tid(i), 0, d); err != nil {
				t.Fatal(err)
			}
		}
		for k := 0; k < 20000; k++ {
			store()
		}
		if n := testing.AllocsPerRun(100, store); n != 0 {
			t.Fatalf("Store: %v allocs", n)
		}
		// Non-current stores and invalidations reuse index slab slots.
		nc := func() {
			i++
			oid := proto.Oid(i % 512)
			if err := c.Store(oid, proto.Tid(i), proto.Tid(i+1), d); err != nil {
				t.Fatal(err)
			}
		}
		for k := 0; k < 20000; k++ {
			nc()
		}
		if n := testing.AllocsPerRun(100, nc); n != 0 {
			t.Fatalf("non-current Store: %v allocs", n)
		}
	})
}

func TestTracedHitNoAllocs(t *testing.T) {
	c := openTest(t, "", &Options{Size: 1 << 20, TracePath: filepath.Join(t.TempDir(), "t.trace")})
	mustStore(t, c, 1, 10, 0, payload(1, 10, 100))
	dst := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(5000, func() { c.Load(1, dst) }); n != 0 {
		t.Fatalf("traced Load hit: %v allocs", n)
	}
}
