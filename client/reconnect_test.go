// Reconnection end to end: server restarts with both verification paths,
// a server that is down, and a server behind the cache.

package client

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/tools/config"
)

func queueSize(n int) func(*config.Config) {
	return func(cfg *config.Config) { cfg.ZEO.InvalidationQueueSize = n }
}

// TestServerRestartVerifies: a client whose server goes away while another
// client commits verifies its cache when the server is back: quickly
// (GetInvalidations) when the server's queue reaches back to the cache's
// last tid, by dropping the cache when it does not.
func TestServerRestartVerifies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		commits int // commits made while the client is away (queue size 2)
		tooOld  bool
	}{
		{"quick", 1, false},
		{"too-old", 4, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "Data.fs")
			s1 := startServer(t, path, "127.0.0.1:0", queueSize(2))
			log := &invLog{t: t}
			o := fastOptions()
			o.OnInvalidate = log.record
			a := openClient(t, []string{s1.Addr}, o)
			oids, err := a.NewOIDs(2)
			if err != nil {
				t.Fatal(err)
			}
			t1 := commit(t, a, nil, map[proto.Oid][]byte{oids[0]: counter(1), oids[1]: counter(1)})

			s1.Stop()
			waitFor(t, "the client to notice", func() bool { return !a.Connected() })
			// Disconnected: cached data is still served.
			if data, serial, err := a.Load(oids[0], nil); err != nil || serial != t1 || counterValue(t, data) != 1 {
				t.Fatalf("cached load while disconnected: %v %s %v", data, serial, err)
			}

			// Another server on the same file; another client commits.
			s2 := startServer(t, path, "127.0.0.1:0", queueSize(2))
			b := openClient(t, []string{s2.Addr}, nil)
			serial := t1
			for k := 0; k < tc.commits; k++ {
				serial = commitOne(t, b, oids[0], serial, counter(uint64(k+2)))
			}
			latest := serial
			b.Close()
			s2.Stop()

			startServer(t, path, s1.Addr, queueSize(2))
			waitFor(t, "the client to reconnect", a.Connected)
			// The very first read after reconnecting is fresh.
			data, serial, err := a.Load(oids[0], nil)
			if err != nil || serial != latest || counterValue(t, data) != uint64(tc.commits+1) {
				t.Fatalf("after reconnect: %d at %s, want %d at %s (%v)", counterValue(t, data), serial, tc.commits+1, latest, err)
			}
			if a.LastTransaction() != latest {
				t.Fatalf("last transaction %s, want %s", a.LastTransaction(), latest)
			}
			calls := log.snapshot()
			last := calls[len(calls)-1]
			hits := a.CacheStats().Hits
			data, serial, err = a.Load(oids[1], nil)
			if err != nil || serial != t1 || counterValue(t, data) != 1 {
				t.Fatalf("unchanged object: %v %s %v", data, serial, err)
			}
			hit := a.CacheStats().Hits > hits
			if tc.tooOld {
				if last.oids != nil || last.tid != latest {
					t.Fatalf("OnInvalidate after a too-old reconnect: %+v, want (%s, nil)", last, latest)
				}
				if hit {
					t.Fatalf("the cache was not dropped")
				}
			} else {
				if last.tid != latest || !slices.Equal(last.oids, []proto.Oid{oids[0]}) {
					t.Fatalf("OnInvalidate after quick verification: %+v, want (%s, [%s])", last, latest, oids[0])
				}
				if !hit {
					t.Fatalf("quick verification dropped an unchanged object")
				}
			}
		})
	}
}

// TestServerDown: with the server gone, cached reads are served, other
// calls fail with ErrDisconnected after WaitTimeout, calls in flight fail
// at once, and a transaction of the lost connection fails and aborts.
func TestServerDown(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "Data.fs")
	ts := startServer(t, path, "127.0.0.1:0", nil)
	o := fastOptions()
	o.WaitTimeout = 300 * time.Millisecond
	a := openClient(t, []string{ts.Addr}, o)
	b := openClient(t, []string{ts.Addr}, nil)
	oids, err := a.NewOIDs(2)
	if err != nil {
		t.Fatal(err)
	}
	t1 := commitOne(t, a, oids[0], 0, []byte("cached"))
	commitOne(t, b, oids[1], 0, []byte("not cached by a"))
	if err := a.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}

	// b holds the commit lock on oids[0]; a's vote on it waits in flight.
	tb, err := b.TpcBegin(proto.TxnMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := tb.Store(oids[0], t1, []byte("b")); err != nil {
		t.Fatal(err)
	}
	if cs, err := tb.Vote(); err != nil || len(cs) != 0 {
		t.Fatal(cs, err)
	}
	ta, err := a.TpcBegin(proto.TxnMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ta.Store(oids[0], t1, []byte("a")); err != nil {
		t.Fatal(err)
	}
	voteErr := make(chan error, 1)
	go func() {
		_, err := ta.Vote()
		voteErr <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the vote reach the server and wait

	ts.Stop()
	start := time.Now()
	select {
	case err := <-voteErr:
		if !isDisconnected(err) {
			t.Fatalf("in-flight vote: %v", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("in-flight vote failed after %v", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("in-flight vote did not fail")
	}
	if err := ta.Store(oids[0], t1, []byte("again")); !isDisconnected(err) {
		t.Fatalf("store on the lost connection: %v", err)
	}
	if err := ta.Abort(); err != nil {
		t.Fatalf("abort of a transaction on a lost connection: %v", err)
	}
	if _, err := tb.Finish(); !isDisconnected(err) {
		t.Fatalf("finish on a lost connection: %v", err)
	}
	waitFor(t, "disconnection", func() bool { return !a.Connected() })

	if data, serial, err := a.Load(oids[0], nil); err != nil || string(data) != "cached" || serial != t1 {
		t.Fatalf("cached load while down: %q %s %v", data, serial, err)
	}
	if a.LastTransaction() == 0 {
		t.Fatal("last transaction lost")
	}
	start = time.Now()
	_, _, err = a.Load(oids[1], nil)
	if d := time.Since(start); !isDisconnected(err) || d < o.WaitTimeout {
		t.Fatalf("uncached load while down: %v after %v", err, d)
	}
	var oe *OpError
	if !errors.As(err, &oe) || oe.Oid != oids[1] || oe.Op != "load" {
		t.Fatalf("error %v does not name the operation and oid", err)
	}
	if err := a.Sync(context.Background()); !isDisconnected(err) {
		t.Fatalf("sync while down: %v", err)
	}
	if _, err := a.TpcBegin(proto.TxnMeta{}); !isDisconnected(err) {
		t.Fatalf("tpc_begin while down: %v", err)
	}
	if _, err := a.History(oids[0], 1); !isDisconnected(err) {
		t.Fatalf("history while down: %v", err)
	}

	// Back up: everything works again, the commit lock included.
	startServer(t, path, ts.Addr, nil)
	waitFor(t, "reconnection", a.Connected)
	data, serial, err := a.Load(oids[1], nil)
	if err != nil || string(data) != "not cached by a" {
		t.Fatalf("after restart: %q %s %v", data, serial, err)
	}
	commitOne(t, a, oids[0], t1, []byte("after restart"))
}

// TestCacheAheadRefused: a server restored from an older copy of Data.fs
// is behind the client's cache; the client refuses it (never reading from
// it), logs an error, and takes the right server back when it returns.
func TestCacheAheadRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path, old := filepath.Join(dir, "Data.fs"), filepath.Join(dir, "old.fs")
	s1 := startServer(t, path, "127.0.0.1:0", nil)
	rec := &recordingHandler{}
	o := fastOptions()
	o.WaitTimeout = 200 * time.Millisecond
	o.Logger = rec.logger()
	c := openClient(t, []string{s1.Addr}, o)
	oid, _ := c.NewOID()
	t1 := commitOne(t, c, oid, 0, []byte("v1"))
	s1.Stop()
	copyFile(t, path, old)
	s2 := startServer(t, path, s1.Addr, nil)
	waitFor(t, "reconnection", c.Connected)
	t2 := commitOne(t, c, oid, t1, []byte("v2"))
	s2.Stop()
	waitFor(t, "disconnection", func() bool { return !c.Connected() })

	s3 := startServer(t, old, s1.Addr, nil)
	waitFor(t, "the refusal to be logged", func() bool { return rec.has("behind the client cache") })
	time.Sleep(100 * time.Millisecond) // several more rounds
	if c.Connected() {
		t.Fatal("connected to a server behind the cache")
	}
	if data, serial, err := c.Load(oid, nil); err != nil || string(data) != "v2" || serial != t2 {
		t.Fatalf("cached load: %q %s %v", data, serial, err)
	}
	err := c.Sync(context.Background())
	if !isDisconnected(err) || !errors.Is(err, ErrCacheAhead) {
		t.Fatalf("sync while only a stale server is up: %v", err)
	}
	s3.Stop()

	startServer(t, path, s1.Addr, nil)
	waitFor(t, "reconnection to the right server", c.Connected)
	if err := c.Sync(context.Background()); err != nil || c.LastTransaction() != t2 {
		t.Fatalf("after the right server returned: %v, last %s want %s", err, c.LastTransaction(), t2)
	}
}
