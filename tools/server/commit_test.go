package server

import (
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/tools/config"
)

func register(t testing.TB, rc *rawConn) proto.Tid {
	t.Helper()
	f := rc.call(&proto.RegisterRequest{Storage: "1"})
	var r proto.RegisterReply
	if f.IsError() || r.Decode(f.Body) != nil {
		t.Fatalf("register: %v", proto.DecodeError(f.Body))
	}
	return r.LastTid
}

func load(t testing.TB, rc *rawConn, oid proto.Oid) (uint64, proto.Tid) {
	t.Helper()
	f := rc.call(&proto.LoadBeforeRequest{Oid: oid, Before: proto.MaxTid})
	if f.IsError() {
		return 0, 0
	}
	var lb proto.LoadBeforeReply
	if err := lb.Decode(f.Body); err != nil || !lb.Found {
		t.Fatalf("load %s: %v", oid, err)
	}
	return binary.BigEndian.Uint64(lb.Data), lb.Start
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// commit stores the given oids (value, serial read) and returns the tid,
// or the conflicts.
func commit(t testing.TB, rc *rawConn, txn uint64, stores map[proto.Oid][2]uint64) (proto.Tid, []proto.Conflict) {
	t.Helper()
	rc.send(&proto.TpcBeginRequest{Txn: txn})
	for oid, vs := range stores {
		rc.send(&proto.StoreRequest{Txn: txn, Oid: oid, Serial: proto.Tid(vs[1]), Data: u64(vs[0])})
	}
	f := rc.call(&proto.VoteRequest{Txn: txn})
	var vr proto.VoteReply
	if f.IsError() || vr.Decode(f.Body) != nil {
		t.Fatalf("vote: %v", proto.DecodeError(f.Body))
	}
	if len(vr.Conflicts) > 0 {
		if f = rc.call(&proto.TpcAbortRequest{Txn: txn}); f.IsError() {
			t.Fatalf("abort: %v", proto.DecodeError(f.Body))
		}
		return 0, vr.Conflicts
	}
	f = rc.call(&proto.TpcFinishRequest{Txn: txn})
	var fin proto.TpcFinishReply
	if f.IsError() || fin.Decode(f.Body) != nil {
		t.Fatalf("finish: %v", proto.DecodeError(f.Body))
	}
	return fin.Tid, nil
}

// TestConcurrentCommitters: 8 clients commit to their own object and
// increment a shared counter (retrying on conflict). No update is lost,
// tids increase, and every client sees every other's commits as
// invalidations in increasing tid order.
func TestConcurrentCommitters(t *testing.T) {
	_, addr := startServer(t)
	const clients, rounds = 8, 25
	setup := dialNative(t, addr)
	register(t, setup)
	if _, c := commit(t, setup, 1, map[proto.Oid][2]uint64{0: {0, 0}}); c != nil {
		t.Fatal(c)
	}
	var mu sync.Mutex
	allTids := map[proto.Tid]bool{}
	conns := make([]*rawConn, clients)
	for i := range conns {
		conns[i] = dialNative(t, addr)
		register(t, conns[i])
	}
	var wg sync.WaitGroup
	for i, rc := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := proto.Oid(100 + i)
			var ownSerial proto.Tid
			var last proto.Tid
			txn := uint64(i) << 32
			for r := range rounds {
				for {
					txn++
					v, serial := load(t, rc, 0)
					tid, conflicts := commit(t, rc, txn, map[proto.Oid][2]uint64{
						0: {v + 1, uint64(serial)}, own: {uint64(r), uint64(ownSerial)}})
					if conflicts != nil {
						for _, c := range conflicts {
							if c.Oid != 0 {
								t.Errorf("conflict on private oid %s", c.Oid)
							}
						}
						continue
					}
					if tid <= last {
						t.Errorf("client %d: tid %s after %s", i, tid, last)
					}
					last, ownSerial = tid, tid
					mu.Lock()
					if allTids[tid] {
						t.Errorf("tid %s committed twice", tid)
					}
					allTids[tid] = true
					mu.Unlock()
					break
				}
			}
		}()
	}
	wg.Wait()
	v, _ := load(t, setup, 0)
	if v != clients*rounds {
		t.Fatalf("counter = %d, want %d: lost updates", v, clients*rounds)
	}
	// Every client saw, in increasing order, every commit it did not make.
	for i, rc := range conns {
		rc.call(&proto.PingRequest{})
		for j := 1; j < len(rc.invals); j++ {
			if rc.invals[j] <= rc.invals[j-1] {
				t.Fatalf("client %d: invalidation %s after %s", i, rc.invals[j], rc.invals[j-1])
			}
		}
		if want := len(allTids) - rounds; len(rc.invals) != want {
			t.Fatalf("client %d saw %d invalidations, want %d", i, len(rc.invals), want)
		}
	}
}

// TestTransactionTimeout: a client that votes and never finishes is
// disconnected after the timeout, its transaction aborted; another client
// then commits the same object.
func TestTransactionTimeout(t *testing.T) {
	s, addr := startServerWith(t, func(c *config.Config) { c.ZEO.TransactionTimeout = 200 * time.Millisecond })
	slow, other := dialNative(t, addr), dialNative(t, addr)
	register(t, slow)
	register(t, other)
	slow.send(&proto.TpcBeginRequest{Txn: 1})
	slow.send(&proto.StoreRequest{Txn: 1, Oid: 0, Data: u64(1)})
	if f := slow.call(&proto.VoteRequest{Txn: 1}); f.IsError() {
		t.Fatal(proto.DecodeError(f.Body))
	}
	start := time.Now()
	tid, conflicts := commit(t, other, 2, map[proto.Oid][2]uint64{0: {2, 0}})
	if conflicts != nil || tid == 0 {
		t.Fatalf("other client: %v", conflicts)
	}
	if waited := time.Since(start); waited < 150*time.Millisecond {
		t.Fatalf("the other commit did not wait for the lock holder (%v)", waited)
	}
	slow.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := slow.c.Read(make([]byte, 1)); err == nil {
		t.Fatal("timed-out client still connected")
	}
	if n := s.Engine().ServerStats().Timeouts; n != 1 {
		t.Fatalf("timeouts = %d", n)
	}
	if v, _ := load(t, other, 0); v != 2 {
		t.Fatalf("value %d: the aborted transaction's data is visible", v)
	}
}

// TestDisconnectMidCommit: closing the connection after vote aborts the
// transaction and frees its locks.
func TestDisconnectMidCommit(t *testing.T) {
	_, addr := startServer(t)
	a, b := dialNative(t, addr), dialNative(t, addr)
	register(t, a)
	register(t, b)
	a.send(&proto.TpcBeginRequest{Txn: 1})
	a.send(&proto.StoreRequest{Txn: 1, Oid: 5, Data: u64(1)})
	if f := a.call(&proto.VoteRequest{Txn: 1}); f.IsError() {
		t.Fatal(proto.DecodeError(f.Body))
	}
	a.c.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, c := commit(t, b, 2, map[proto.Oid][2]uint64{5: {7, 0}}); c != nil {
			t.Errorf("conflict after the holder vanished: %v", c)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("locks of a disconnected client were not released")
	}
	if v, _ := load(t, b, 5); v != 7 {
		t.Fatalf("value %d", v)
	}
}

// TestGetInvalidations answers from the queue, and "too old" beyond it.
func TestGetInvalidations(t *testing.T) {
	_, addr := startServerWith(t, func(c *config.Config) { c.ZEO.InvalidationQueueSize = 3 })
	rc := dialNative(t, addr)
	register(t, rc)
	var tids []proto.Tid
	serials := map[proto.Oid]proto.Tid{}
	for i := range 5 {
		oid := proto.Oid(i % 2)
		tid, c := commit(t, rc, uint64(i+1), map[proto.Oid][2]uint64{oid: {uint64(i), uint64(serials[oid])}})
		if c != nil {
			t.Fatal(c)
		}
		serials[oid] = tid
		tids = append(tids, tid)
	}
	ask := func(tid proto.Tid) proto.GetInvalidationsReply {
		f := rc.call(&proto.GetInvalidationsRequest{Tid: tid})
		var r proto.GetInvalidationsReply
		if f.IsError() || r.Decode(f.Body) != nil {
			t.Fatalf("getInvalidations: %v", proto.DecodeError(f.Body))
		}
		return r
	}
	if r := ask(tids[3]); r.TooOld || r.Tid != tids[4] || len(r.Oids) != 1 || r.Oids[0] != 0 {
		t.Fatalf("since the 4th: %+v", r)
	}
	if r := ask(tids[2]); r.TooOld || r.Tid != tids[4] || len(r.Oids) != 2 {
		t.Fatalf("since the 3rd: %+v", r)
	}
	if r := ask(tids[0]); !r.TooOld {
		t.Fatalf("since the 1st should be too old with a queue of 3: %+v", r)
	}
	if r := ask(tids[4]); r.TooOld || len(r.Oids) != 0 {
		t.Fatalf("up to date: %+v", r)
	}
}
