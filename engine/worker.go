// Worker goroutines: requests that may block on disk, answered off the
// event loop.

package engine

import (
	"errors"
	"fmt"
	"sync"

	"github.com/gozeo/gozeo/proto"
)

type job struct {
	c *conn
	r request
}

var jobPool = sync.Pool{New: func() any { return new(job) }}

// submit hands r (detached) to a worker. It runs on the loop and never
// blocks: when the queue is full the client gets a busy error.
func (c *conn) submit(r *request) {
	j := jobPool.Get().(*job)
	j.c = c
	j.r = *r
	j.r.detach()
	c.pending.Add(1)
	select {
	case c.srv.work <- j:
	default:
		c.pending.Add(-1)
		jobPool.Put(j)
		c.out = c.codec.appendError(c.out, r, &proto.ServerError{Class: "ServerBusy", Message: "server work queue is full; retry"})
	}
}

func (s *Server) worker() {
	defer s.workWG.Done()
	for j := range s.work {
		s.runJob(j)
		c := j.c
		*j = job{}
		jobPool.Put(j)
		if c.pending.Add(-1) == int32(s.opts.MaxPending-1) && !c.closed.Load() {
			_ = c.gc.Wake(nil) // resume reading the input we left buffered
		}
	}
}

func (s *Server) runJob(j *job) {
	c, r := j.c, &j.r
	if c.closed.Load() {
		return
	}
	st := c.st
	o := getOutBuf()
	var err error
	switch r.op {
	case opLoadBefore:
		// Hold pubMu for reading until the reply is queued: a commit that
		// becomes visible after we read cannot queue its invalidation
		// before our (older) answer.
		st.pubMu.RLock()
		o.b, err = c.codec.appendLoadBefore(o.b, r, c.storage(), false)
		if err == nil {
			c.post(o.b, o)
		}
		st.pubMu.RUnlock()
		if err != nil {
			o.b = c.codec.appendError(o.b[:0], r, err)
			c.post(o.b, o)
		}
		return
	case opLoadSerial:
		var data []byte
		if data, err = c.storage().LoadSerial(r.oid, r.tid, nil); err == nil {
			o.b = c.codec.appendData(o.b, r, data)
		}
	case opGetTid:
		var start proto.Tid
		if _, start, _, err = st.st.LoadBefore(r.oid, proto.MaxTid, nil); err == nil {
			o.b = c.codec.appendTid(o.b, r, start)
		}
	case opNewOIDs:
		n := min(max(r.n, 1), 100)
		var oids []proto.Oid
		if oids, err = st.st.NewOIDs(nil, n); err == nil {
			o.b = c.codec.appendOids(o.b, r, oids)
		}
	case opGetInvalidations:
		o.b, err = c.replayInvalidations(o.b, r)
	case opHistory:
		var h []proto.HistoryEntry
		if h, err = st.st.History(r.oid, max(r.n, 1)); err == nil {
			o.b = c.codec.appendHistory(o.b, r, h)
		}
	case opRecordIterNext:
		rec, next, more, e := c.storage().RecordIterNext(r.oid, nil)
		if err = e; err == nil {
			o.b = c.codec.appendRecordIterNext(o.b, r, &rec, next, more)
		}
	case opUndoLog, opUndoInfo:
		var u []proto.UndoEntry
		if u, err = st.st.UndoLog(r.n, r.n2, undoFilter(r)); err == nil {
			o.b = c.codec.appendUndoLog(o.b, r, u)
		}
	case opIteratorStart, opIteratorNext, opIteratorRecordStart, opIteratorRecordNext:
		o.b, err = c.iterate(o.b, r)
	default:
		err = fmt.Errorf("engine: %s cannot run on a worker", r.op)
	}
	if err != nil {
		o.b = c.codec.appendError(o.b[:0], r, err)
	}
	c.post(o.b, o)
}

// replayInvalidations answers getInvalidations for a client older than
// the queue: by iterating the storage when invalidation-age allows it,
// otherwise "too old".
func (c *conn) replayInvalidations(dst []byte, r *request) ([]byte, error) {
	st := c.st
	st.stats.verifying.Add(1)
	defer st.stats.verifying.Add(-1)
	if tid, oids, ok, inQueue := st.invq.since(r.tid); inQueue {
		return c.codec.appendInvalidations(dst, r, tid, oids, ok), nil
	}
	age := c.srv.opts.InvalidationAge
	if age <= 0 || c.srv.opts.Now().Sub(r.tid.Time()) > age {
		return c.codec.appendInvalidations(dst, r, 0, nil, false), nil
	}
	it, err := st.st.Iterate(r.tid+1, 0)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var oids []proto.Oid
	var last proto.Tid
	for {
		info, ok, err := it.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		last = info.Tid
		recs := it.Records()
		for {
			rec, ok, err := recs.Next()
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			oids = append(oids, rec.Oid)
		}
	}
	if last == 0 {
		return c.codec.appendInvalidations(dst, r, 0, nil, false), nil
	}
	return c.codec.appendInvalidations(dst, r, last, oids, true), nil
}

var errNoIterator = errors.New("engine: no such iterator")
