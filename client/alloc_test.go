// Allocation gates: loads served from the cache, and loads that make a
// round trip to the server, allocate nothing once warm.

package client

import (
	"testing"

	"github.com/gozeo/gozeo/proto"
)

func skipUnderRace(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
}

func TestLoadFromCacheNoAllocs(t *testing.T) {
	skipUnderRace(t)
	ts := newServer(t)
	c := openClient(t, []string{ts.Addr}, nil)
	oid, _ := c.NewOID()
	t1 := commitOne(t, c, oid, 0, []byte("first revision"))
	t2 := commitOne(t, c, oid, t1, []byte("second revision"))
	buf := make([]byte, 0, 64)
	for _, tc := range []struct {
		name string
		f    func() error
	}{
		{"Load", func() error {
			data, serial, err := c.Load(oid, buf)
			if err == nil && (serial != t2 || string(data) != "second revision") {
				t.Fatalf("load: %q %s", data, serial)
			}
			return err
		}},
		{"LoadBefore/current", func() error {
			_, _, _, err := c.LoadBefore(oid, proto.MaxTid, buf)
			return err
		}},
		{"LoadBefore/non-current", func() error {
			data, _, end, err := c.LoadBefore(oid, t2, buf)
			if err == nil && (end != t2 || string(data) != "first revision") {
				t.Fatalf("loadBefore: %q end %s", data, end)
			}
			return err
		}},
		{"LoadSerial", func() error {
			_, err := c.LoadSerial(oid, t1, buf)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.f(); err != nil {
				t.Fatal(err)
			}
			hits := c.CacheStats().Hits
			if n := testing.AllocsPerRun(100, func() {
				if err := tc.f(); err != nil {
					t.Fatal(err)
				}
			}); n != 0 {
				t.Fatalf("%v allocations per cached load", n)
			}
			if c.CacheStats().Hits-hits < 100 {
				t.Fatalf("loads were not served from the cache")
			}
		})
	}
}

func TestLoadRoundTripNoAllocs(t *testing.T) {
	skipUnderRace(t)
	ts := newServer(t)
	c := openClient(t, []string{ts.Addr}, nil)
	oid, _ := c.NewOID()
	commitOne(t, c, oid, 0, []byte("data"))
	c.noCache = true
	buf := make([]byte, 0, 64)
	load := func() {
		if _, _, _, err := c.LoadBefore(oid, proto.MaxTid, buf); err != nil {
			t.Fatal(err)
		}
	}
	for range 1000 { // grow the pending table and the buffers
		load()
	}
	st0, _ := c.ServerStatus()
	if n := testing.AllocsPerRun(100, load); n != 0 {
		t.Fatalf("%v allocations per round trip", n)
	}
	if st1, _ := c.ServerStatus(); st1.Loads-st0.Loads < 100 {
		t.Fatalf("only %d loads reached the server", st1.Loads-st0.Loads)
	}
}

// TestStoreNoAllocs: a store, pipelined in a transaction whose buffers
// were grown by an earlier one, allocates nothing.
func TestStoreNoAllocs(t *testing.T) {
	skipUnderRace(t)
	ts := newServer(t)
	c := openClient(t, []string{ts.Addr}, nil)
	data := make([]byte, 100)
	storeN := func(tx *Txn, n int) {
		for i := 0; i < n; i++ {
			if err := tx.Store(proto.Oid(1000+i), 0, data); err != nil {
				t.Fatal(err)
			}
		}
	}
	tx, err := c.TpcBegin(proto.TxnMeta{})
	if err != nil {
		t.Fatal(err)
	}
	storeN(tx, 1000)
	if err := tx.Abort(); err != nil {
		t.Fatal(err)
	}
	tx, err = c.TpcBegin(proto.TxnMeta{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Abort()
	storeN(tx, 10)
	if n := testing.AllocsPerRun(100, func() { storeN(tx, 1) }); n != 0 {
		t.Fatalf("%v allocations per store", n)
	}
	if got := len(tx.b.recs); got != 111 {
		t.Fatalf("%d stores recorded", got)
	}
}
