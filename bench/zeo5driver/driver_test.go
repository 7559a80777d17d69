package zeo5driver_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gozeo/gozeo/bench"
	"github.com/gozeo/gozeo/bench/zeo5driver"
	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/zeo5"
)

// One in-process gozeo server for the package (stopping one takes about
// half a second).
var (
	srvOnce sync.Once
	srv     *bench.InProc
	srvErr  error
)

func server(tb testing.TB) string {
	tb.Helper()
	srvOnce.Do(func() { srv, srvErr = bench.StartInProc(context.Background(), bench.InProcOptions{}) })
	if srvErr != nil {
		tb.Fatal(srvErr)
	}
	return srv.Addr
}

func TestMain(m *testing.M) {
	code := m.Run()
	if srv != nil {
		srv.Close()
	}
	os.Exit(code)
}

var encodings = map[string]zeo5.Encoding{"pickle": zeo5.Pickle, "msgpack": zeo5.Msgpack}

func dial(tb testing.TB, enc zeo5.Encoding) *zeo5driver.Conn {
	tb.Helper()
	c, err := zeo5driver.Dial(context.Background(), server(tb), &zeo5driver.Options{Encoding: enc})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

func TestCommitLoadPipelinedAndErrors(t *testing.T) {
	for name, enc := range encodings {
		t.Run(name, func(t *testing.T) {
			c := dial(t, enc)
			if c.Encoding() != enc {
				t.Fatalf("encoding %v", c.Encoding())
			}
			oids, err := c.NewOIDs(proto.MaxNewOIDs) // no argument on the wire
			if err != nil || len(oids) != proto.MaxNewOIDs {
				t.Fatalf("new_oids(): %d oids, %v", len(oids), err)
			}
			if oids, err = c.NewOIDs(3); err != nil || len(oids) != 3 {
				t.Fatalf("new_oids(3): %v %v", oids, err)
			}
			oids = append([]proto.Oid(nil), oids...)
			var stores []zeo5driver.Store
			for i, oid := range oids {
				stores = append(stores, zeo5driver.Store{Oid: oid, Data: make([]byte, 50*(i+1))})
			}
			tid, err := c.Commit(stores)
			if err != nil || tid == 0 || c.LastTid() != tid {
				t.Fatalf("commit: %s %v", tid, err)
			}
			// Slots 5, 1, 9 and a missing oid in slot 2, all in flight.
			slots := []int{5, 1, 9}
			for i, oid := range oids {
				c.SendLoad(slots[i], oid)
			}
			c.SendLoad(2, 0x6666)
			if err := c.Flush(); err != nil {
				t.Fatal(err)
			}
			got := map[int]int{}
			for range 4 {
				slot, size, err := c.RecvLoad()
				if slot == 2 {
					var pk *proto.POSKeyError
					if !errors.As(err, &pk) || pk.Oid != 0x6666 {
						t.Fatalf("missing oid: %v", err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("slot %d: %v", slot, err)
				}
				got[slot] = size
			}
			for i, s := range slots {
				if got[s] != 50*(i+1) {
					t.Fatalf("slot %d: %d bytes, want %d (%v)", s, got[s], 50*(i+1), got)
				}
			}
			// A stale serial: the vote's ConflictError, then tpc_abort.
			stores[1].Serial = 0
			_, err = c.Commit(stores[1:2])
			var ce *proto.ConflictError
			if !errors.As(err, &ce) || ce.Oid != oids[1] {
				t.Fatalf("stale store: %v", err)
			}
			stores[1].Serial = tid
			tid2, err := c.Commit(stores[1:2])
			if err != nil || tid2 <= tid {
				t.Fatalf("retry: %s %v", tid2, err)
			}
			if err := c.Ping(); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Commit(nil); err != nil {
				t.Fatalf("empty commit: %v", err)
			}
		})
	}
}

func TestInvalidationsReachIdleConnection(t *testing.T) {
	for name, enc := range encodings {
		t.Run(name, func(t *testing.T) {
			w, idle := dial(t, enc), dial(t, enc)
			got := make(chan []proto.Oid, 10)
			var tids []proto.Tid
			idle.OnInvalidate = func(tid proto.Tid, oids []proto.Oid) {
				tids = append(tids, tid)
				got <- append([]proto.Oid(nil), oids...)
			}
			done := make(chan error, 1)
			go func() { done <- idle.ReadPushes() }()
			oids, _ := w.NewOIDs(2)
			oids = append([]proto.Oid(nil), oids...)
			if _, err := w.Commit([]zeo5driver.Store{{Oid: oids[0], Data: []byte("a")}, {Oid: oids[1], Data: []byte("b")}}); err != nil {
				t.Fatal(err)
			}
			select {
			case g := <-got:
				if len(g) != 2 || g[0]+g[1] != oids[0]+oids[1] {
					t.Fatalf("invalidated %v, want %v", g, oids)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no invalidation")
			}
			idle.Close()
			<-done
			if len(tids) != 1 || tids[0] != w.LastTid() {
				t.Fatalf("invalidation tids %v, committed %s", tids, w.LastTid())
			}
		})
	}
}

func TestDialRefusals(t *testing.T) {
	if _, err := zeo5driver.Dial(context.Background(), server(t), &zeo5driver.Options{Encoding: 'X'}); !errors.Is(err, zeo5.ErrBadEncoding) {
		t.Fatalf("bad encoding: %v", err)
	}
	_, err := zeo5driver.Dial(context.Background(), server(t), &zeo5driver.Options{Storage: "nope"})
	var se *proto.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("unknown storage: %v", err)
	}
}

func loadOnce(tb testing.TB, c *zeo5driver.Conn, oid proto.Oid) {
	c.SendLoad(3, oid)
	if err := c.Flush(); err != nil {
		tb.Fatal(err)
	}
	if slot, _, err := c.RecvLoad(); slot != 3 || err != nil {
		tb.Fatal(slot, err)
	}
}

func prepared(tb testing.TB, enc zeo5.Encoding) (*zeo5driver.Conn, proto.Oid) {
	c := dial(tb, enc)
	oids, _ := c.NewOIDs(1)
	oid := oids[0]
	if _, err := c.Commit([]zeo5driver.Store{{Oid: oid, Data: make([]byte, 512)}}); err != nil {
		tb.Fatal(err)
	}
	loadOnce(tb, c, oid)
	return c, oid
}

func TestLoadRoundTripNoAllocs(t *testing.T) {
	for name, enc := range encodings {
		t.Run(name, func(t *testing.T) {
			c, oid := prepared(t, enc)
			if n := testing.AllocsPerRun(100, func() { loadOnce(t, c, oid) }); n != 0 {
				t.Fatalf("%v allocations per load round trip (client side)", n)
			}
		})
	}
}

// BenchmarkLoadRoundTrip is one loadBefore round trip in each encoding
// over loopback to an in-process gozeo server.
func BenchmarkLoadRoundTrip(b *testing.B) {
	for _, name := range []string{"pickle", "msgpack"} {
		b.Run(name, func(b *testing.B) {
			c, oid := prepared(b, encodings[name])
			b.ReportAllocs()
			for b.Loop() {
				loadOnce(b, c, oid)
			}
		})
	}
}
