// One connection to a server: dialing and the handshake, the msgid →
// waiter table, the combining writer and shutdown.

package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/compress"
)

const (
	// readBufSize is the reader's buffer: replies that fit are parsed in
	// place, larger frames get a buffer of their own size.
	readBufSize = 64 << 10
	// maxQueuedWrite bounds the bytes callers may queue behind a write in
	// progress before they wait for it (backpressure for big stores).
	maxQueuedWrite = 4 << 20
	// maxSpareWrite is the largest write buffer kept for reuse.
	maxSpareWrite = 1 << 20
)

// conn is one connection to one server. It is created by an attempt, used
// for registration and verification, then (if it wins) becomes the
// client's current connection until it is lost or retired.
type conn struct {
	c        *Client
	nc       net.Conn
	addr     string
	features proto.Features // accepted by the server
	maxFrame uint32         // the largest frame the server reads

	// Set once registration succeeded, before the conn is shared.
	readOnly  bool
	serverTid proto.Tid

	// The pending table (pmu).
	pmu     sync.Mutex
	pending map[uint32]*waiter
	nextID  uint32
	dead    bool
	deadErr error

	// The writer (wmu): frames are appended to wbuf; the goroutine that
	// finds nobody writing writes, swapping wbuf and spare, until wbuf
	// stays empty.
	wmu     sync.Mutex
	wcond   sync.Cond
	wbuf    []byte
	spare   []byte
	writing bool
	wdead   bool

	// Invalidations received before the connection became the client's
	// (invMu): queued during verification, applied at activation.
	invMu  sync.Mutex
	active bool
	queued []queuedInv

	done chan struct{} // closed when the reader goroutine has exited

	// Reader-owned state.
	rbuf  []byte
	rr    int // parse position in rbuf
	rw    int // fill position in rbuf
	inv   proto.InvalidateTransaction
	lb    proto.LoadBeforeReply
	dec   *compress.Decompressor
	plain []byte
}

type queuedInv struct {
	tid  proto.Tid
	oids []proto.Oid
}

// network returns the network of an address: unix socket paths contain a
// slash.
func network(addr string) string {
	if strings.Contains(addr, "/") {
		return "unix"
	}
	return "tcp"
}

// dial connects to addr and runs the handshake: the server's greeting, our
// hello, the server's hello. On success the reader goroutine is running.
func (c *Client) dial(ctx context.Context, addr string) (*conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network(addr), addr)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	if c.opts.TLS != nil {
		cfg := c.opts.TLS.Clone()
		if cfg.ServerName == "" && network(addr) == "tcp" {
			if host, _, err := net.SplitHostPort(addr); err == nil {
				cfg.ServerName = host
			}
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("tls handshake: %w", err)
		}
		nc = tc
	}
	cn := &conn{
		c:       c,
		nc:      nc,
		addr:    addr,
		pending: make(map[uint32]*waiter),
		done:    make(chan struct{}),
		rbuf:    make([]byte, readBufSize),
	}
	cn.wcond.L = &cn.wmu
	if err := cn.handshake(); err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	if !stop() && ctx.Err() != nil { // the deadline may have been set by the AfterFunc
		nc.Close()
		return nil, ctx.Err()
	}
	go cn.readLoop()
	return cn, nil
}

// handshake reads the greeting, sends our hello and reads the server's.
func (cn *conn) handshake() error {
	greeting, err := cn.readHandshake()
	if err != nil {
		return fmt.Errorf("read greeting: %w", err)
	}
	if _, err := proto.ParseGreeting(greeting); err != nil {
		return err
	}
	var feats proto.Features
	if cn.c.opts.CompressedRecords {
		feats |= proto.FeatureCompressedRecords
	}
	if _, err := cn.nc.Write(proto.AppendHello(nil, proto.Hello{Version: proto.Version, Features: feats})); err != nil {
		return fmt.Errorf("send hello: %w", err)
	}
	payload, err := cn.readHandshake()
	if err != nil {
		return fmt.Errorf("read server hello: %w", err)
	}
	sh, err := proto.DecodeServerHello(payload)
	if err != nil {
		return fmt.Errorf("server hello: %w", err)
	}
	if sh.Version != proto.Version {
		return fmt.Errorf("%w: server hello with version %d (we speak %d)", ErrProtocol, sh.Version, proto.Version)
	}
	if sh.Features&^feats != 0 {
		return fmt.Errorf("%w: server accepted features %#x we did not offer", ErrProtocol, uint32(sh.Features&^feats))
	}
	cn.features = sh.Features
	cn.maxFrame = sh.MaxFrameSize
	if cn.maxFrame == 0 {
		cn.maxFrame = proto.DefaultMaxFrameSize
	}
	return nil
}

// readHandshake reads one handshake frame through the read buffer; bytes
// after it stay buffered for the reader loop.
func (cn *conn) readHandshake() ([]byte, error) {
	for {
		payload, n, err := proto.ReadHandshake(cn.rbuf[cn.rr:cn.rw])
		if err != nil {
			return nil, err
		}
		if n > 0 {
			cn.rr += n
			return payload, nil
		}
		if cn.rw == len(cn.rbuf) {
			return nil, ErrProtocol // cannot happen: MaxHandshakeSize < readBufSize
		}
		m, err := cn.nc.Read(cn.rbuf[cn.rw:])
		cn.rw += m
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// register adds w to the pending table and returns its msgid. It fails
// once the connection is dead.
func (cn *conn) register(w *waiter) (uint32, error) {
	cn.pmu.Lock()
	defer cn.pmu.Unlock()
	if cn.dead {
		return 0, ErrDisconnected
	}
	for {
		cn.nextID++
		if cn.nextID == 0 {
			continue // 0 is for pushes and one-way requests
		}
		if _, busy := cn.pending[cn.nextID]; !busy {
			break
		}
	}
	cn.pending[cn.nextID] = w
	w.refs.Add(1)
	return cn.nextID, nil
}

// take removes and returns the waiter of msgid, nil if there is none.
func (cn *conn) take(id uint32) *waiter {
	cn.pmu.Lock()
	w := cn.pending[id]
	if w != nil {
		delete(cn.pending, id)
	}
	cn.pmu.Unlock()
	return w
}

// pendingCount returns the number of outstanding requests.
func (cn *conn) pendingCount() int {
	cn.pmu.Lock()
	defer cn.pmu.Unlock()
	return len(cn.pending)
}

// isDead reports whether the connection was shut down.
func (cn *conn) isDead() bool {
	cn.pmu.Lock()
	defer cn.pmu.Unlock()
	return cn.dead
}

// wait blocks until w is complete or ctx ends (ctx may be nil). After a
// ctx error the caller still releases w; the reader releases its own
// reference when the reply comes.
func (w *waiter) wait(ctx context.Context) error {
	if ctx == nil {
		<-w.ch
		return nil
	}
	select {
	case <-w.ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// roundTrip sends m with a raw waiter and waits for the reply body.
func (cn *conn) roundTrip(ctx context.Context, m proto.Message) (*waiter, error) {
	w := getWaiter(waitRaw, m.Op())
	cn.send(w, m)
	if err := w.wait(ctx); err != nil {
		w.release()
		return nil, err
	}
	if w.err != nil {
		err := w.err
		w.release()
		return nil, err
	}
	return w, nil
}

// shutdown closes the connection once: later sends fail, and every
// pending request fails with ErrDisconnected (ErrClosed when the client is
// closing). cause says why, for the log.
func (cn *conn) shutdown(cause error) {
	cn.pmu.Lock()
	if cn.dead {
		cn.pmu.Unlock()
		return
	}
	cn.dead, cn.deadErr = true, cause
	pending := cn.pending
	cn.pending = nil
	cn.pmu.Unlock()

	cn.wmu.Lock()
	cn.wdead = true
	cn.wcond.Broadcast()
	cn.wmu.Unlock()
	cn.nc.Close()

	failWith := ErrDisconnected
	if errors.Is(cause, ErrClosed) {
		failWith = ErrClosed
	}
	for _, w := range pending {
		w.err = failWith
		cn.c.complete(w)
		w.release()
	}
}

// close shuts the connection down and waits for its reader to exit.
func (cn *conn) close(cause error) {
	cn.shutdown(cause)
	<-cn.done
}
