// Protocol-level workloads: load (pipelined), commit, mixed, and the ZEO 5
// tpc and new_oid, one connection per worker, no client cache.

package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/gozeo/gozeo/bench/report"
	"github.com/gozeo/gozeo/proto"
)

// loadLoop keeps depth loads in flight on c until rec says stop, then
// drains. next picks each load's oid. Every reply's latency runs from the
// moment its request was buffered; requests are flushed whenever no reply
// is waiting in the read buffer, so a pipelined worker batches its
// writes as a real client would.
func loadLoop(c loadConn, depth int, rec *recorder, next func() proto.Oid) error {
	sent := make([]time.Time, depth)
	inflight := 0
	for s := 0; s < depth && rec.issue(); s++ {
		c.SendLoad(s, next())
		sent[s] = time.Now()
		inflight++
	}
	if err := c.Flush(); err != nil {
		return err
	}
	for inflight > 0 {
		slot, _, err := c.RecvLoad()
		if slot < 0 || slot >= depth {
			if err == nil {
				err = fmt.Errorf("reply for slot %d of %d", slot, depth)
			}
			return err
		}
		now := time.Now()
		if err != nil {
			rec.fail()
		} else {
			rec.ok(now.Sub(sent[slot]))
		}
		inflight--
		if rec.issue() {
			c.SendLoad(slot, next())
			sent[slot] = time.Now()
			inflight++
		}
		if !c.Buffered() {
			if err := c.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// runProtocol runs a protocol-level workload.
func (rn *runner) runProtocol(ctx context.Context) (report.Result, error) {
	o := &rn.o
	conns, err := rn.dialAll(ctx, o.Conns)
	if err != nil {
		return report.Result{}, err
	}
	defer closeAll(conns)
	// Commit workloads write objects of their own, created by the first
	// commit: no conflicts between workers.
	own := make([][]object, len(conns))
	if o.Workload == "commit" || o.Workload == "mixed" {
		for i, c := range conns {
			for len(own[i]) < o.Objects {
				oids, err := c.NewOIDs(min(o.Objects-len(own[i]), proto.MaxNewOIDs))
				if err != nil {
					return report.Result{}, fmt.Errorf("bench: new_oids: %w", err)
				}
				for _, oid := range oids {
					own[i] = append(own[i], object{oid: oid})
				}
			}
		}
	}
	reads := make([]*report.Histogram, len(conns))
	writes := make([]*report.Histogram, len(conns))
	for i := range conns {
		reads[i], writes[i] = report.NewHistogram(), report.NewHistogram()
	}
	res, err := rn.timed(ctx, o.Workload, len(conns), func(ctx context.Context, id int, rec *recorder) error {
		c := conns[id]
		ch := rn.keys.Chooser(o.Seed + uint64(id)*7919)
		r := ch.Rand()
		next := func() proto.Oid { return rn.oids[ch.Next()] }
		commit := func() (time.Duration, error) {
			objs := own[id]
			for j := range objs {
				objs[j].data = rn.data(r, o.Size.Next(r))
			}
			t0 := time.Now()
			tid, err := c.commit(objs)
			d := time.Since(t0)
			if err == nil {
				for j := range objs {
					objs[j].serial = tid
				}
			}
			return d, err
		}
		var err error
		switch o.Workload {
		case "load":
			err = loadLoop(c, o.Depth, rec, next)
		case "commit", "tpc":
			for err == nil && rec.issue() {
				var d time.Duration
				if d, err = commit(); err == nil {
					rec.ok(d)
				}
			}
		case "new_oid":
			for err == nil && rec.issue() {
				t0 := time.Now()
				if _, err = c.NewOIDs(proto.MaxNewOIDs); err == nil {
					rec.ok(time.Since(t0))
				}
			}
		case "mixed":
			for err == nil && rec.issue() {
				if !ch.Read(o.ReadRatio) {
					d, cerr := commit()
					if cerr != nil {
						err = cerr
						break
					}
					writes[id].Record(d)
					rec.ok(d)
					continue
				}
				t0 := time.Now()
				c.SendLoad(0, next())
				if err = c.Flush(); err != nil {
					break
				}
				slot, _, lerr := c.RecvLoad()
				if slot != 0 {
					err = fmt.Errorf("load reply slot %d: %v", slot, lerr)
					break
				}
				d := time.Since(t0)
				if lerr != nil {
					rec.fail()
					continue
				}
				reads[id].Record(d)
				rec.ok(d)
			}
		}
		if err != nil {
			return &WorkerError{Workload: o.Workload, Worker: id, Op: o.Workload, Err: err}
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	switch o.Workload {
	case "mixed":
		rh, wh := report.NewHistogram(), report.NewHistogram()
		for i := range reads {
			rh.Merge(reads[i])
			wh.Merge(writes[i])
		}
		rs, ws := rh.Summary(), wh.Summary()
		res.AddMetric("reads", float64(rs.Count), "")
		res.AddMetric("read-p50-µs", micros(rs.P50), "")
		res.AddMetric("read-p99-µs", micros(rs.P99), "")
		res.AddMetric("commits", float64(ws.Count), "")
		res.AddMetric("commit-p50-µs", micros(ws.P50), "")
		res.AddMetric("commit-p99-µs", micros(ws.P99), "")
	case "commit":
		res.AddMetric("objects/s", round2(res.OpsPerSec()*float64(o.Objects)), "")
	case "new_oid":
		res.Notes = append(res.Notes, "one new_oids call (100 oids) per operation")
	case "tpc":
		res.Notes = append(res.Notes, "empty transactions: tpc_begin, vote, tpc_finish")
	}
	return res, nil
}

// micros is d in µs, rounded to 0.01.
func micros(d time.Duration) float64 { return round2(float64(d) / 1e3) }
