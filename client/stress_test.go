// The no-stale-read stress test: writers commit increasing counters,
// resolving conflicts; readers never see a counter go back or miss a
// commit that finished before their Sync.

package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

func TestStressNoStaleReads(t *testing.T) {
	t.Parallel()
	const (
		objects = 4
		writers = 2
		readers = 3
	)
	commits := 40
	if testing.Short() {
		commits = 10
	}
	ts := newServer(t)
	setup := openClient(t, []string{ts.Addr}, nil)
	oids, err := setup.NewOIDs(objects)
	if err != nil {
		t.Fatal(err)
	}
	init := map[proto.Oid][]byte{}
	for _, oid := range oids {
		init[oid] = counter(0)
	}
	commit(t, setup, nil, init)

	// published[i] is the highest value of oids[i] whose commit finished.
	var published [objects]atomic.Uint64
	var increments, conflicts atomic.Int64
	var done atomic.Bool
	var wg sync.WaitGroup

	var clients []*Client
	for w := 0; w < writers; w++ {
		c := openClient(t, []string{ts.Addr}, nil)
		clients = append(clients, c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for n := 0; n < commits; n++ {
				i := rng.IntN(objects)
				v, err := increment(c, oids[i], &conflicts)
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				increments.Add(1)
				for {
					p := published[i].Load()
					if v <= p || published[i].CompareAndSwap(p, v) {
						break
					}
				}
			}
		}()
	}
	var rwg sync.WaitGroup
	for r := 0; r < readers; r++ {
		log := &invLog{t: t}
		o := fastOptions()
		o.OnInvalidate = log.record
		c := openClient(t, []string{ts.Addr}, o)
		clients = append(clients, c)
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 2))
			var last [objects]uint64
			buf := make([]byte, 0, 64)
			for !done.Load() {
				i := rng.IntN(objects)
				floor := published[i].Load()
				if err := c.Sync(context.Background()); err != nil {
					t.Errorf("reader %d: sync: %v", r, err)
					return
				}
				data, _, end, err := c.LoadBefore(oids[i], proto.MaxTid, buf)
				if err != nil || end != 0 {
					t.Errorf("reader %d: load: end %s err %v", r, end, err)
					return
				}
				buf = data
				v := counterValue(t, data)
				if v < floor {
					t.Errorf("reader %d: stale read of %s: %d after a commit of %d finished", r, oids[i], v, floor)
					return
				}
				if v < last[i] {
					t.Errorf("reader %d: %s went back from %d to %d", r, oids[i], last[i], v)
					return
				}
				last[i] = v
			}
		}()
	}
	wg.Wait()
	done.Store(true)
	rwg.Wait()
	if t.Failed() {
		return
	}

	// Everyone agrees with the server, from their caches.
	var sum uint64
	truth := openClient(t, []string{ts.Addr}, nil)
	truth.noCache = true
	for _, oid := range oids {
		data, serial, err := truth.Load(oid, nil)
		if err != nil {
			t.Fatal(err)
		}
		sum += counterValue(t, data)
		for k, c := range clients {
			if err := c.Sync(context.Background()); err != nil {
				t.Fatal(err)
			}
			got, s, err := c.Load(oid, nil)
			if err != nil || s != serial || counterValue(t, got) != counterValue(t, data) {
				t.Errorf("client %d: %s = %d at %s, server has %d at %s (%v)", k, oid, counterValue(t, got), s,
					counterValue(t, data), serial, err)
			}
		}
	}
	t.Logf("%d increments, %d conflicts resolved", increments.Load(), conflicts.Load())
	t.Logf("%d increments, %d conflicts resolved", increments.Load(), conflicts.Load())
	if sum != uint64(increments.Load()) {
		t.Fatalf("counters sum to %d after %d increments: lost updates", sum, increments.Load())
	}
}

// increment adds one to the counter oid, resolving conflicts by storing
// again on the committed revision, and returns the value committed.
func increment(c *Client, oid proto.Oid, conflicts *atomic.Int64) (uint64, error) {
	data, serial, err := c.Load(oid, nil)
	if err != nil {
		return 0, err
	}
	tx, err := c.TpcBegin(proto.TxnMeta{Description: []byte("increment")})
	if err != nil {
		return 0, err
	}
	defer tx.Abort()
	v := decodeCounter(data) + 1
	if err := tx.Store(oid, serial, counter(v)); err != nil {
		return 0, err
	}
	for round := 0; ; round++ {
		cs, err := tx.Vote()
		if err != nil {
			return 0, err
		}
		if len(cs) == 0 {
			break
		}
		if round > 20 {
			return 0, errors.New("conflicts do not converge")
		}
		conflicts.Add(int64(len(cs)))
		conflicts.Add(int64(len(cs)))
		for _, cf := range cs {
			committed, err := c.LoadSerial(cf.Oid, cf.Committed, nil)
			if err != nil {
				return 0, err
			}
			v = decodeCounter(committed) + 1
			if err := tx.Store(cf.Oid, cf.Committed, counter(v)); err != nil {
				return 0, err
			}
		}
	}
	if _, err := tx.Finish(); err != nil {
		return 0, err
	}
	return v, nil
}

func decodeCounter(b []byte) uint64 {
	if len(b) < 8 {
		return 0
	}
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}
