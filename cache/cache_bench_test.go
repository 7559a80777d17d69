package cache

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

var sinkInt atomic.Int64

func benchCache(b *testing.B, p Policy, size int64) *Cache {
	b.Helper()
	c, err := Open("", &Options{Size: size, Policy: p})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

func forEachPolicyB(b *testing.B, f func(b *testing.B, p Policy)) {
	for _, p := range Policies() {
		b.Run(p.Name(), func(b *testing.B) { f(b, p) })
	}
}

// BenchmarkLoadHit: the hit path, with 1000 objects cached.
func BenchmarkLoadHit(b *testing.B) {
	forEachPolicyB(b, func(b *testing.B, p Policy) {
		for _, n := range []int{100, 1024, 4096} {
			b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
				c := benchCache(b, p, 64<<20)
				for i := 0; i < 1000; i++ {
					c.Store(proto.Oid(i), 10, 0, payload(proto.Oid(i), 10, n))
				}
				dst := make([]byte, 0, n)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					var ok bool
					dst, _, ok = c.Load(proto.Oid(i%1000), dst)
					if !ok {
						b.Fatal("miss")
					}
					i++
				}
			})
		}
	})
}

func BenchmarkLoadHitParallel(b *testing.B) {
	forEachPolicyB(b, func(b *testing.B, p Policy) {
		c := benchCache(b, p, 64<<20)
		for i := 0; i < 1000; i++ {
			c.Store(proto.Oid(i), 10, 0, payload(proto.Oid(i), 10, 100))
		}
		b.SetBytes(100)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			dst := make([]byte, 0, 100)
			i := 0
			for pb.Next() {
				dst, _, _ = c.Load(proto.Oid(i%1000), dst)
				i++
			}
			sinkInt.Add(int64(len(dst)))
		})
	})
}

func BenchmarkLoadBeforeHit(b *testing.B) {
	forEachPolicyB(b, func(b *testing.B, p Policy) {
		c := benchCache(b, p, 64<<20)
		for i := 0; i < 1000; i++ {
			c.Store(proto.Oid(i), 10, 20, payload(proto.Oid(i), 10, 100))
			c.Store(proto.Oid(i), 20, 0, payload(proto.Oid(i), 20, 100))
		}
		dst := make([]byte, 0, 100)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			var ok bool
			dst, _, _, ok = c.LoadBefore(proto.Oid(i%1000), 15, dst)
			if !ok {
				b.Fatal("miss")
			}
			i++
		}
	})
}

func BenchmarkLoadMiss(b *testing.B) {
	forEachPolicyB(b, func(b *testing.B, p Policy) {
		c := benchCache(b, p, 1<<20)
		dst := make([]byte, 0, 100)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			dst, _, _ = c.Load(proto.Oid(i), dst)
			i++
		}
	})
}

// BenchmarkStore: steady-state stores into a full 4 MB cache (every store
// evicts), the client's pattern: invalidate the old revision, store the new.
func BenchmarkStore(b *testing.B) {
	forEachPolicyB(b, func(b *testing.B, p Policy) {
		for _, n := range []int{100, 1024, 4096} {
			b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
				c := benchCache(b, p, 4<<20)
				d := payload(1, 1, n)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					oid := proto.Oid(i % 8192)
					c.Invalidate(oid, proto.ZeroTid)
					if err := c.Store(oid, proto.Tid(i+1), 0, d); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	})
}

// BenchmarkGCIndex measures a full GC with a 1M-oid index alive: the
// index is pointer-free, so the collector has nothing to scan in it.
func BenchmarkGCIndex(b *testing.B) {
	x := newIndex()
	for i := 0; i < 1_000_000; i++ {
		x.current[proto.Oid(i)] = int64(i) * 64
		if i%4 == 0 {
			x.ncAdd(proto.Oid(i), 1, 2, int64(i))
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		runtime.GC()
	}
	runtime.KeepAlive(&x)
}
