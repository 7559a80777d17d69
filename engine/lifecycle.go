// Connection teardown, the transaction timeout, and pack.

package engine

import (
	"context"
	"time"

	"github.com/gozeo/gozeo/proto"
)

// connClosed cleans up after a connection: it leaves its storage's
// invalidation list and aborts its transaction (a finishing transaction
// completes). It runs on the loop and hands blocking work to a goroutine.
func (s *Server) connClosed(c *conn) {
	if c.st != nil {
		c.st.removeConn(c)
	}
	c.mu.Lock()
	t := c.txn
	var abortVoted bool
	if t != nil {
		switch t.phase {
		case txnBegun:
			c.txn = nil
			c.st.stats.activeTxns.Add(-1)
			c.st.stats.aborts.Add(1)
		case txnVoting:
			if !t.canceled {
				t.canceled = true
				close(t.cancel)
			}
			if t.abortReq == nil {
				t.abortReq = &request{op: opTpcAbort, oneway: true}
			}
		case txnVoted:
			t.phase = txnFinishing
			abortVoted = true
		}
	}
	c.mu.Unlock()
	if abortVoted {
		c.log.Warn("client disconnected between vote and finish: aborting its transaction", "tid", t.tid.String())
		s.txnsWG.Add(1)
		go func() {
			defer s.txnsWG.Done()
			c.abortVoted(t, nil)
		}()
	}
	go c.closeIters()
}

// trackLocked records when a voted transaction took its locks, for the
// transaction timeout and the lock_time statistic.
func (s *Server) trackLocked(t *txnState, locked bool) {
	s.lockedMu.Lock()
	defer s.lockedMu.Unlock()
	if locked {
		t.lockedAt = s.opts.Now()
		s.locked[t] = struct{}{}
	} else {
		delete(s.locked, t)
	}
}

// oldestLock is the Unix time the oldest held lock of st was taken, or 0.
func (s *Server) oldestLock(st *storageState) float64 {
	s.lockedMu.Lock()
	defer s.lockedMu.Unlock()
	var oldest time.Time
	for t := range s.locked {
		if t.c.st == st && (oldest.IsZero() || t.lockedAt.Before(oldest)) {
			oldest = t.lockedAt
		}
	}
	if oldest.IsZero() {
		return 0
	}
	return float64(oldest.UnixNano()) / 1e9
}

// timeoutLoop disconnects clients that hold commit locks past the
// transaction timeout without finishing or aborting; closing the
// connection aborts the transaction and frees its locks, and the other
// clients proceed. Lock order: s.lockedMu, then a connection's mu.
func (s *Server) timeoutLoop() {
	defer s.tickers.Done()
	limit := s.opts.TransactionTimeout
	if limit <= 0 {
		return
	}
	tick := time.NewTicker(max(limit/10, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-tick.C:
		}
		if s.stopping.Load() {
			return
		}
		now := s.opts.Now()
		var expired []*txnState
		s.lockedMu.Lock()
		for t := range s.locked {
			if now.Sub(t.lockedAt) > limit && t.awaitsClient() {
				expired = append(expired, t)
				delete(s.locked, t)
			}
		}
		s.lockedMu.Unlock()
		for _, t := range expired {
			s.stats.timeouts.Add(1)
			t.c.log.Error("transaction timeout: client held commit locks too long; disconnecting it",
				"held", now.Sub(t.lockedAt).String(), "limit", limit.String(), "tid", t.tid.String())
			_ = t.c.gc.Close()
		}
	}
}

// awaitsClient reports whether a voted transaction still waits for its
// client's tpc_finish or tpc_abort. Once the finish has arrived the
// client is no longer the one holding the locks: its finish may wait, in
// tid order, behind an earlier voted transaction (the one to time out),
// and must not be timed out with it.
func (t *txnState) awaitsClient() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	return t.phase == txnVoted
}

// startPack runs a pack on its own goroutine. With wait the reply comes
// when it ends; otherwise at once. Every client of the storage then gets
// an info push with the new size.
func (c *conn) startPack(r *request) {
	st := c.st
	if !st.packing.CompareAndSwap(false, true) {
		c.out = c.codec.appendError(c.out, r, &proto.ServerError{Class: "builtins.ValueError", Message: "a pack is already running"})
		return
	}
	job := *r
	job.detach()
	if !job.wait {
		c.out = c.codec.appendNil(c.out, r)
	}
	c.srv.txnsWG.Add(1)
	go func() {
		defer c.srv.txnsWG.Done()
		defer st.packing.Store(false)
		start := time.Now()
		c.log.Info("pack started", "pack_time", job.tid.TimeString(), "gc", job.flag)
		err := st.st.Pack(context.Background(), job.tid, job.flag)
		if err != nil {
			c.log.Error("pack failed", "err", err.Error())
		} else {
			c.log.Info("pack finished", "took", time.Since(start).String(), "size", st.st.Size())
			st.broadcastInfo()
		}
		if job.wait {
			if err != nil {
				c.reply(&job, func(dst []byte) []byte { return c.codec.appendError(dst, &job, err) })
			} else {
				c.reply(&job, func(dst []byte) []byte { return c.codec.appendNil(dst, &job) })
			}
		}
	}()
}
