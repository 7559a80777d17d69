// The reader goroutine: frames in, replies matched to waiters, loads and
// commits applied to the cache, pushes applied in order.

package client

import (
	"errors"
	"fmt"
	"io"
	"net"
	"slices"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/compress"
)

// emptyOids is the non-nil empty oid list passed to OnInvalidate for a
// transaction without oids (nil means "the cache was dropped").
var emptyOids = []proto.Oid{}

// readLoop runs until the connection fails or is shut down. Everything
// that touches the cache in response to the server happens here, one
// frame at a time, so the cache sees loads, commits and invalidations in
// the order the server sent them.
func (cn *conn) readLoop() {
	err := cn.readFrames()
	if errors.Is(err, net.ErrClosed) {
		err = nil // shut down on purpose; the cause is already recorded
	}
	if err != nil {
		cn.shutdown(err)
	} else {
		cn.shutdown(ErrDisconnected)
	}
	cn.c.connLost(cn)
	close(cn.done)
}

func (cn *conn) readFrames() error {
	max := cn.c.opts.MaxFrameSize
	for {
		for {
			f, n, err := proto.ReadFrame(cn.rbuf[cn.rr:cn.rw], max)
			if err != nil {
				return fmt.Errorf("%w: from %s: %w", ErrProtocol, cn.addr, err)
			}
			if n == 0 {
				break
			}
			if err := cn.handle(&f); err != nil {
				return err
			}
			cn.rr += n
		}
		cn.makeRoom()
		m, err := cn.nc.Read(cn.rbuf[cn.rw:])
		cn.rw += m
		if err != nil && m == 0 {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("server %s closed the connection", cn.addr)
			}
			return err
		}
	}
}

// makeRoom prepares rbuf for the next read: it rewinds when everything was
// parsed, moves a partial frame to the front, and gives a frame larger
// than the buffer a buffer of its own size (and drops such a buffer
// again once it is empty).
func (cn *conn) makeRoom() {
	if cn.rr == cn.rw {
		cn.rr, cn.rw = 0, 0
		if len(cn.rbuf) > readBufSize {
			cn.rbuf = make([]byte, readBufSize)
		}
	}
	need, _ := proto.FrameSize(cn.rbuf[cn.rr:cn.rw], cn.c.opts.MaxFrameSize) // checked by ReadFrame
	if need > len(cn.rbuf) {
		nb := make([]byte, need)
		cn.rw = copy(nb, cn.rbuf[cn.rr:cn.rw])
		cn.rr, cn.rbuf = 0, nb
		return
	}
	if cn.rw == len(cn.rbuf) || cn.rr+need > len(cn.rbuf) {
		cn.rw = copy(cn.rbuf, cn.rbuf[cn.rr:cn.rw])
		cn.rr = 0
	}
}

// handle acts on one frame; an error drops the connection.
func (cn *conn) handle(f *proto.Frame) error {
	switch f.Flags {
	case proto.FlagReply, proto.FlagReply | proto.FlagError:
		w := cn.take(f.MsgID)
		if w == nil {
			return fmt.Errorf("%w: %s reply with unknown msgid %d from %s", ErrProtocol, f.Op, f.MsgID, cn.addr)
		}
		var err error
		if f.Op != w.op {
			err = fmt.Errorf("%w: %s reply to a %s request (msgid %d) from %s", ErrProtocol, f.Op, w.op, f.MsgID, cn.addr)
			w.err = err
		} else {
			err = cn.fill(w, f)
		}
		cn.c.complete(w)
		w.release()
		return err
	case proto.FlagPush:
		return cn.push(f)
	case proto.FlagPush | proto.FlagError:
		cn.c.log.Warn("server notice", "addr", cn.addr, "err", proto.DecodeError(f.Body).Error())
		return nil
	}
	return fmt.Errorf("%w: unexpected %s frame (flags %s) from %s", ErrProtocol, f.Op, f.Flags, cn.addr)
}

// fill puts the reply in w. A decoding failure fails w and is returned
// (the connection is dropped); an error reply only fails w.
func (cn *conn) fill(w *waiter, f *proto.Frame) error {
	if f.IsError() {
		w.err = proto.DecodeError(f.Body)
		return nil
	}
	switch w.kind {
	case waitRaw:
		w.buf = append(w.buf[:0], f.Body...)
	case waitLoad:
		if err := cn.lb.Decode(f.Body); err != nil {
			w.err = err
			return fmt.Errorf("%w: from %s: %w", ErrProtocol, cn.addr, err)
		}
		if !cn.lb.Found {
			w.err = proto.ErrNoRevision
			return nil
		}
		data, err := cn.plainData(cn.lb.Data)
		if err != nil {
			w.err = err
			return nil
		}
		if !cn.c.noCache {
			// The cache keeps records as they came, compressed ones
			// included, so the same cache size holds more objects; hits
			// decompress them (cachedPlain).
			cn.c.cacheLoaded(w.oid, cn.lb.Start, cn.lb.End, cn.lb.Data)
		}
		w.buf = append(w.buf[:0], data...)
		w.start, w.end = cn.lb.Start, cn.lb.End
	case waitFinish:
		var m proto.TpcFinishReply
		if err := m.Decode(f.Body); err != nil {
			w.err = err
			return fmt.Errorf("%w: from %s: %w", ErrProtocol, cn.addr, err)
		}
		w.tid = m.Tid
		if err := cn.c.applyCommit(w.txn, m.Tid); err != nil {
			return err // committed, but the cache cannot follow: reconnect and verify
		}
	}
	return nil
}

// plainData returns the plain form of a record the server sent, which may
// be compressed when the feature was accepted. The result may alias src or
// the reader's scratch buffer.
func (cn *conn) plainData(src []byte) ([]byte, error) {
	if cn.features&proto.FeatureCompressedRecords == 0 || !compress.IsCompressed(src) {
		return src, nil
	}
	if cn.dec == nil {
		cn.dec = compress.NewDecompressor()
	}
	out, err := cn.dec.Decompress(cn.plain[:0], src, int(cn.c.opts.MaxFrameSize))
	if err != nil {
		return nil, err
	}
	cn.plain = out
	return out, nil
}

// push handles a server push.
func (cn *conn) push(f *proto.Frame) error {
	switch f.Op {
	case proto.OpInvalidateTransaction:
		if err := cn.inv.Decode(f.Body); err != nil {
			return fmt.Errorf("%w: from %s: %w", ErrProtocol, cn.addr, err)
		}
		cn.invMu.Lock()
		defer cn.invMu.Unlock()
		if !cn.active {
			cn.queued = append(cn.queued, queuedInv{cn.inv.Tid, slices.Clone(cn.inv.Oids)})
			return nil
		}
		return cn.c.applyInvalidation(cn.inv.Tid, cn.inv.Oids)
	case proto.OpInfo:
		var m proto.Info
		if err := m.Decode(f.Body); err != nil {
			return fmt.Errorf("%w: from %s: %w", ErrProtocol, cn.addr, err)
		}
		cn.c.mu.Lock()
		cn.c.info.Length, cn.c.info.Size = m.Length, m.Size
		cn.c.mu.Unlock()
		return nil
	}
	cn.c.log.Warn("ignoring unknown push", "addr", cn.addr, "op", f.Op.String())
	return nil
}
