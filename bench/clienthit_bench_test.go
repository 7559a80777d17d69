package bench_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gozeo/gozeo/cache"
	"github.com/gozeo/gozeo/client"
	"github.com/gozeo/gozeo/proto"
)

// hitClient returns a client of the shared server whose cache holds oid
// 1 (512 bytes), and a buffer large enough for it.
func hitClient(tb testing.TB, pol cache.Policy) (*client.Client, []byte) {
	tb.Helper()
	c, err := client.Open(context.Background(), []string{server(tb)}, &client.Options{CachePolicy: pol})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	buf, _, err := c.Load(1, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if s := c.CacheStats(); s.Objects == 0 {
		tb.Fatalf("nothing cached: %+v", s)
	}
	return c, buf
}

// TestClientHitNoAllocs: a cache hit through the whole client (the "hot"
// workload's operation) allocates nothing when the buffer has room.
func TestClientHitNoAllocs(t *testing.T) {
	for _, pol := range cache.Policies() {
		c, buf := hitClient(t, pol)
		before := c.CacheStats().Hits
		n := testing.AllocsPerRun(100, func() {
			if _, _, _, err := c.LoadBefore(1, proto.MaxTid, buf); err != nil {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("%s: %v allocations per client cache hit", pol, n)
		}
		if hits := c.CacheStats().Hits - before; hits < 100 {
			t.Errorf("%s: %d hits for 101 loads", pol, hits)
		}
	}
}

// BenchmarkClientHit is Client.LoadBefore answered by the cache: what the
// hot workload measures per operation, without the load tool around it.
func BenchmarkClientHit(b *testing.B) {
	for _, pol := range cache.Policies() {
		b.Run(fmt.Sprint(pol), func(b *testing.B) {
			c, buf := hitClient(b, pol)
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				if _, _, _, err := c.LoadBefore(1, proto.MaxTid, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
