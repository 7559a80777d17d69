package nativedriver_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gozeo/gozeo/bench"
	"github.com/gozeo/gozeo/bench/nativedriver"
	"github.com/gozeo/gozeo/proto"
)

// One in-process server for the package: stopping one takes the engine
// about half a second.
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

func dial(tb testing.TB, addr string) *nativedriver.Conn {
	tb.Helper()
	c, err := nativedriver.Dial(context.Background(), addr, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

func TestCommitLoadPipelinedAndErrors(t *testing.T) {
	addr := server(t)
	c := dial(t, addr)
	oids, err := c.NewOIDs(3)
	if err != nil || len(oids) != 3 {
		t.Fatalf("new oids %v %v", oids, err)
	}
	oids = append([]proto.Oid(nil), oids...)
	var stores []nativedriver.Store
	for i, oid := range oids {
		stores = append(stores, nativedriver.Store{Oid: oid, Data: make([]byte, 100*(i+1))})
	}
	tid, err := c.Commit(stores)
	if err != nil || tid == 0 || c.LastTid() != tid {
		t.Fatalf("commit: %s %v (last %s)", tid, err, c.LastTid())
	}
	// Three loads and a missing oid in flight at once; the replies name
	// their slots.
	for i, oid := range oids {
		c.SendLoad(i, oid)
	}
	c.SendLoad(3, 0x7777)
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	got := map[int]int{}
	for range 4 {
		slot, size, err := c.RecvLoad()
		switch {
		case slot == 3:
			var pk *proto.POSKeyError
			if !errors.As(err, &pk) || pk.Oid != 0x7777 {
				t.Fatalf("missing oid: %v", err)
			}
		case slot >= 0 && slot < 3 && err == nil:
			got[slot] = size
		default:
			t.Fatalf("slot %d size %d err %v", slot, size, err)
		}
	}
	for i := range 3 {
		if got[i] != 100*(i+1) {
			t.Fatalf("slot %d: %d bytes, want %d", i, got[i], 100*(i+1))
		}
	}
	// A stale serial is a conflict, and the connection stays usable.
	stores[0].Serial = 0
	_, err = c.Commit(stores[:1])
	var ce *proto.ConflictError
	if !errors.As(err, &ce) || ce.Oid != oids[0] || ce.Committed != tid {
		t.Fatalf("stale store: %v", err)
	}
	stores[0].Serial = tid
	if _, err := c.Commit(stores[:1]); err != nil {
		t.Fatalf("retry with the current serial: %v", err)
	}
	if err := c.Ping(); err != nil {
		t.Fatal(err)
	}
	if tid2, err := c.Commit(nil); err != nil || tid2 <= tid {
		t.Fatalf("empty commit: %s %v", tid2, err)
	}
}

func TestInvalidationsReachIdleConnection(t *testing.T) {
	addr := server(t)
	w, idle := dial(t, addr), dial(t, addr)
	var mu sync.Mutex
	seen := map[proto.Tid][]proto.Oid{}
	got := make(chan proto.Tid, 10)
	idle.OnInvalidate = func(tid proto.Tid, oids []proto.Oid) {
		mu.Lock()
		seen[tid] = append([]proto.Oid(nil), oids...)
		mu.Unlock()
		got <- tid
	}
	done := make(chan error, 1)
	go func() { done <- idle.ReadPushes() }()
	oids, _ := w.NewOIDs(1)
	oid := oids[0]
	tid, err := w.Commit([]nativedriver.Store{{Oid: oid, Data: []byte("x")}})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case g := <-got:
		mu.Lock()
		defer mu.Unlock()
		if g != tid || len(seen[tid]) != 1 || seen[tid][0] != oid {
			t.Fatalf("invalidation %s %v, want %s [%s]", g, seen[g], tid, oid)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no invalidation")
	}
	idle.Close()
	if err := <-done; err == nil {
		t.Fatal("ReadPushes returned nil after Close")
	}
}

func TestDialErrors(t *testing.T) {
	if _, err := nativedriver.Dial(context.Background(), "127.0.0.1:1", &nativedriver.Options{DialTimeout: time.Second}); err == nil {
		t.Fatal("dial to a closed port succeeded")
	}
	addr := server(t)
	if _, err := nativedriver.Dial(context.Background(), addr, &nativedriver.Options{Storage: "nope"}); err == nil {
		t.Fatal("register with an unknown storage succeeded")
	}
}

func loadOnce(tb testing.TB, c *nativedriver.Conn, oid proto.Oid) {
	c.SendLoad(0, oid)
	if err := c.Flush(); err != nil {
		tb.Fatal(err)
	}
	if slot, _, err := c.RecvLoad(); slot != 0 || err != nil {
		tb.Fatal(slot, err)
	}
}

func TestLoadRoundTripNoAllocs(t *testing.T) {
	c := dial(t, server(t))
	oids, _ := c.NewOIDs(1)
	oid := oids[0]
	if _, err := c.Commit([]nativedriver.Store{{Oid: oid, Data: make([]byte, 512)}}); err != nil {
		t.Fatal(err)
	}
	loadOnce(t, c, oid)
	if n := testing.AllocsPerRun(100, func() { loadOnce(t, c, oid) }); n != 0 {
		t.Fatalf("%v allocations per load round trip (client side)", n)
	}
}

// BenchmarkLoadRoundTrip is one native loadBefore round trip over
// loopback to an in-process server (client and server share the CPUs).
func BenchmarkLoadRoundTrip(b *testing.B) {
	c := dial(b, server(b))
	oids, _ := c.NewOIDs(1)
	oid := oids[0]
	if _, err := c.Commit([]nativedriver.Store{{Oid: oid, Data: make([]byte, 512)}}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		loadOnce(b, c, oid)
	}
}
