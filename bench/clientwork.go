// Client workloads (zodbshootout's names): add, update, cold, warm, hot,
// conflicts, tpc and new_oid, through the Go client and its cache.

package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/gozeo/gozeo/bench/report"
	"github.com/gozeo/gozeo/bench/workload"
	"github.com/gozeo/gozeo/client"
	"github.com/gozeo/gozeo/proto"
)

// maxRetries bounds the attempts of one conflicting commit.
const maxRetries = 1000

func (rn *runner) runClient(ctx context.Context) (report.Result, error) {
	o := &rn.o
	w := o.Workload
	var cs []*client.Client
	var err error
	switch w {
	case "warm":
		if cs, err = rn.openClients(ctx, o.Conns, true); err != nil {
			return report.Result{}, err
		}
		err = rn.fill(cs)
		closeClients(cs)
		if err != nil {
			return report.Result{}, err
		}
		rn.stepf("reopening the %d persistent caches", o.Conns)
		cs, err = rn.openClients(ctx, o.Conns, true)
	default:
		cs, err = rn.openClients(ctx, o.Conns, false)
	}
	if err != nil {
		return report.Result{}, err
	}
	defer closeClients(cs)
	if w == "hot" {
		if err := rn.fill(cs); err != nil {
			return report.Result{}, err
		}
	}
	per := o.Keys / o.Clients // update: each worker's own keys
	if w == "update" && per < o.Objects {
		return report.Result{}, fmt.Errorf("%w: update: %d keys give each of %d workers %d objects, fewer than --objects %d",
			ErrBadOptions, o.Keys, o.Clients, per, o.Objects)
	}
	var conflicts, worst [1 << 10]int64 // per worker (clients <= 1024 for these counters)
	if o.Clients > len(conflicts) && w == "conflicts" {
		return report.Result{}, fmt.Errorf("%w: conflicts supports at most %d clients", ErrBadOptions, len(conflicts))
	}
	h0, m0 := cacheTotals(cs)
	res, err := rn.timed(ctx, w, o.Clients, func(ctx context.Context, id int, rec *recorder) error {
		c := cs[id%len(cs)]
		seed := o.Seed + uint64(id)*7919
		ch := rn.keys.Chooser(seed)
		r := ch.Rand()
		var buf []byte
		fail := func(op string, err error) error {
			return &WorkerError{Workload: w, Worker: id, Op: op, Err: err}
		}
		switch w {
		case "hot", "warm":
			for rec.issue() {
				oid := rn.oids[ch.Next()]
				t0 := time.Now()
				var err error
				if buf, _, _, err = c.LoadBefore(oid, proto.MaxTid, buf); err != nil {
					return fail("load", err)
				}
				rec.ok(time.Since(t0))
			}
		case "cold":
			lo, hi := workload.Partition(len(rn.oids), o.Clients, id)
			for _, k := range workload.Perm(lo, hi, seed) {
				if !rec.issue() {
					break
				}
				t0 := time.Now()
				var err error
				if buf, _, _, err = c.LoadBefore(rn.oids[k], proto.MaxTid, buf); err != nil {
					return fail("load", err)
				}
				rec.ok(time.Since(t0))
			}
		case "update", "conflicts":
			lo, n := id*per, per
			if w == "conflicts" {
				lo, n = 0, o.HotKeys
			}
			sub, err := workload.NewKeys(n, o.Zipf)
			if err != nil {
				return fail("keys", err)
			}
			sch := sub.Chooser(seed)
			ranks := make([]int, o.Objects)
			objs := make([]object, o.Objects)
			for rec.issue() {
				sch.Distinct(ranks)
				t0 := time.Now()
				for attempt := 0; ; attempt++ {
					for j, k := range ranks {
						oid := rn.oids[lo+k]
						var serial proto.Tid
						if buf, serial, err = c.Load(oid, buf); err != nil {
							return fail("load", err)
						}
						objs[j] = object{oid: oid, serial: serial, data: rn.data(r, o.Size.Next(r))}
					}
					conflict, err := commitOnce(c, objs)
					if err != nil {
						return fail("commit", err)
					}
					if !conflict {
						worst[id] = max(worst[id], int64(attempt))
						break
					}
					conflicts[id]++
					if attempt >= maxRetries {
						return fail("commit", fmt.Errorf("%w: %d conflicting attempts", ErrStalled, attempt+1))
					}
					if err := c.Sync(ctx); err != nil { // see the winner's invalidation
						return fail("sync", err)
					}
				}
				rec.ok(time.Since(t0))
			}
		case "add":
			objs := make([]object, o.Objects)
			for rec.issue() {
				t0 := time.Now()
				for j := range objs {
					oid, err := c.NewOID()
					if err != nil {
						return fail("new_oid", err)
					}
					objs[j] = object{oid: oid, data: rn.data(r, o.Size.Next(r))}
				}
				if conflict, err := commitOnce(c, objs); err != nil || conflict {
					return fail("commit", fmt.Errorf("conflict %v: %v", conflict, err))
				}
				rec.ok(time.Since(t0))
			}
		case "tpc":
			for rec.issue() {
				t0 := time.Now()
				if conflict, err := commitOnce(c, nil); err != nil || conflict {
					return fail("commit", fmt.Errorf("conflict %v: %v", conflict, err))
				}
				rec.ok(time.Since(t0))
			}
		case "new_oid":
			for rec.issue() {
				t0 := time.Now()
				if _, err := c.NewOID(); err != nil {
					return fail("new_oid", err)
				}
				rec.ok(time.Since(t0))
			}
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	switch w {
	case "hot", "warm", "cold":
		h1, m1 := cacheTotals(cs)
		if loads := (h1 - h0) + (m1 - m0); loads > 0 {
			res.AddMetric("hit%", round2(100*float64(h1-h0)/float64(loads)), "")
		}
	case "add", "update", "conflicts":
		res.AddMetric("objects/s", round2(res.OpsPerSec()*float64(o.Objects)), "")
	}
	if w == "conflicts" {
		var n, most int64
		for i := range o.Clients {
			n += conflicts[i]
			most = max(most, worst[i])
		}
		res.AddMetric("conflicts", float64(n), "")
		res.AddMetric("retries-max", float64(most), "")
	}
	if w == "new_oid" {
		res.Notes = append(res.Notes, fmt.Sprintf("Client.NewOID: one oid per operation, fetched %d at a time", proto.MaxNewOIDs))
	}
	if o.Trace != "" {
		res.Notes = append(res.Notes, fmt.Sprintf("cache trace of client 0 in %s (client i: %s.i)", o.Trace, o.Trace))
	}
	return res, nil
}
