// Opening Go clients for the client workloads: cache options, persistent
// caches, and the cache trace through $GOZEO_CACHE_TRACE.

package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"

	"github.com/gozeo/gozeo/cache"
	"github.com/gozeo/gozeo/client"
	"github.com/gozeo/gozeo/proto"
)

// traceEnvMu serialises the setting of $GOZEO_CACHE_TRACE around Open.
var traceEnvMu sync.Mutex

// tracePath is the trace file of client i.
func (rn *runner) tracePath(i int) string {
	if i == 0 {
		return rn.o.Trace
	}
	return rn.o.Trace + "." + strconv.Itoa(i)
}

// openClients opens n clients. persistent gives each a named cache file
// in rn.varDir (kept across Close, for the warm workload); tracing
// implies it.
func (rn *runner) openClients(ctx context.Context, n int, persistent bool) ([]*client.Client, error) {
	o := &rn.o
	pol, _ := cache.ParsePolicy(o.CachePolicy)
	var cs []*client.Client
	for i := range n {
		co := &client.Options{Storage: o.Storage, CacheSize: o.CacheSize, CachePolicy: pol,
			Logger: o.Logger, Name: "bench" + strconv.Itoa(i), CompressedRecords: o.AcceptCompressed}
		if persistent || o.Trace != "" {
			co.ClientName, co.VarDir = "bench"+strconv.Itoa(i), rn.varDir
		}
		c, err := rn.openTraced(ctx, co, i)
		if err != nil {
			closeClients(cs)
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, nil
}

func (rn *runner) openTraced(ctx context.Context, co *client.Options, i int) (*client.Client, error) {
	if rn.o.Trace == "" {
		return client.Open(ctx, []string{rn.addr}, co)
	}
	traceEnvMu.Lock()
	defer traceEnvMu.Unlock()
	prev, had := os.LookupEnv(cache.TraceEnv)
	path := rn.tracePath(i)
	if !rn.traceStarted[i] { // a new trace per run; a reopen appends
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("bench: trace: %w", err)
		}
		rn.traceStarted[i] = true
	}
	os.Setenv(cache.TraceEnv, path)
	c, err := client.Open(ctx, []string{rn.addr}, co)
	if had {
		os.Setenv(cache.TraceEnv, prev)
	} else {
		os.Unsetenv(cache.TraceEnv)
	}
	return c, err
}

func closeClients(cs []*client.Client) {
	for _, c := range cs {
		c.Close()
	}
}

// fill loads every key through every client (in parallel, one goroutine
// per client), untimed.
func (rn *runner) fill(cs []*client.Client) error {
	rn.stepf("filling %d client caches with %d objects", len(cs), len(rn.oids))
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for _, oid := range rn.oids {
				var err error
				if buf, _, err = c.Load(oid, buf); err != nil {
					errs[i] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// cacheTotals sums the clients' cache counters.
func cacheTotals(cs []*client.Client) (hits, misses int64) {
	for _, c := range cs {
		s := c.CacheStats()
		hits += s.Hits
		misses += s.Misses
	}
	return hits, misses
}

// commitOnce runs one transaction through c. A conflict (a ConflictError
// or ReadConflictError from the vote, or conflicts returned for
// resolution) aborts it and reports conflict; other errors are returned.
func commitOnce(c *client.Client, objs []object) (conflict bool, err error) {
	t, err := c.TpcBegin(proto.TxnMeta{User: benchUser})
	if err != nil {
		return false, err
	}
	for _, o := range objs {
		if err := t.Store(o.oid, o.serial, o.data); err != nil {
			t.Abort()
			return false, err
		}
	}
	cf, err := t.Vote()
	if err != nil || len(cf) > 0 {
		t.Abort()
		if err == nil || proto.IsConflict(err) {
			return true, nil
		}
		return false, err
	}
	_, err = t.Finish()
	return false, err
}

// benchUser is the user name of the tool's transactions.
var benchUser = []byte("gozeo bench")
