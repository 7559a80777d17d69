// Package nativedriver is the load tool's raw client of gozeo's native
// protocol (package proto): no cache, no reconnection, one connection per
// Conn, pipelined loads identified by slot, and synchronous commits. It
// measures server round trips as they are, so it is also what the load
// tool uses to populate a database and to watch invalidations of many
// idle connections cheaply.
//
// # Message ids
//
//	1 .. 1<<31-1     load slots: a load in slot s carries msgid s+1
//	1<<31 ..         synchronous calls (register, vote, tpc_finish ...)
//
// A Conn is not safe for concurrent use, except Close.
package nativedriver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gozeo/gozeo/bench/wire"
	"github.com/gozeo/gozeo/proto"
)

// Options configure a Conn. The zero value works.
type Options struct {
	Storage      string        // storage name; default "1"
	ReadOnly     bool          // register read-only
	MaxFrameSize uint32        // largest reply accepted; default proto.DefaultMaxFrameSize
	DialTimeout  time.Duration // dial, handshake and register; default 10 s
	// AcceptCompressed announces proto.FeatureCompressedRecords: loads
	// then return records as the server stores them (compressed ones
	// with their codec prefix, not decompressed).
	AcceptCompressed bool
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Storage == "" {
		r.Storage = "1"
	}
	if r.MaxFrameSize == 0 {
		r.MaxFrameSize = proto.DefaultMaxFrameSize
	}
	if r.DialTimeout == 0 {
		r.DialTimeout = 10 * time.Second
	}
	return r
}

// Store is one object written by Commit.
type Store struct {
	Oid    proto.Oid
	Serial proto.Tid // the revision read; ZeroTid for a new object
	Data   []byte
}

// callBase is the first msgid of synchronous calls.
const callBase = 1 << 31

// MaxSlots is the number of load slots (pipelining depth) a Conn supports.
const MaxSlots = callBase - 1

// ErrUnexpected is a frame the driver did not ask for.
var ErrUnexpected = errors.New("nativedriver: unexpected frame")

// Conn is one registered native connection.
type Conn struct {
	wc      *wire.Conn
	split   wire.Splitter
	addr    string
	max     uint32 // largest reply frame
	lastTid proto.Tid
	next    uint32 // next call msgid
	txn     uint64

	lb   proto.LoadBeforeReply
	vote proto.VoteReply
	oids proto.NewOIDsReply
	inv  proto.InvalidateTransaction

	// OnInvalidate, when set, is called for every InvalidateTransaction
	// push read by any method (oids valid only during the call).
	OnInvalidate func(tid proto.Tid, oids []proto.Oid)
}

// Dial connects to addr ("host:port", or a unix socket path containing a
// slash), performs the handshake and registers.
func Dial(ctx context.Context, addr string, opts *Options) (*Conn, error) {
	o := opts.withDefaults()
	network := "tcp"
	for _, c := range addr {
		if c == '/' {
			network = "unix"
			break
		}
	}
	d := net.Dialer{Timeout: o.DialTimeout}
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("nativedriver: %w", err)
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	max := o.MaxFrameSize
	c := &Conn{wc: wire.New(nc), addr: addr, next: callBase, max: max,
		split: func(b []byte) (int, error) { return proto.FrameSize(b, max) }}
	nc.SetDeadline(time.Now().Add(o.DialTimeout))
	if err := c.handshake(o); err != nil {
		nc.Close()
		return nil, fmt.Errorf("nativedriver: %s: %w", addr, err)
	}
	nc.SetDeadline(time.Time{})
	return c, nil
}

func (c *Conn) handshake(o Options) error {
	hs := wire.LengthPrefixed(proto.MaxHandshakeSize)
	f, err := c.wc.Next(hs)
	if err != nil {
		return fmt.Errorf("reading the greeting: %w", err)
	}
	if _, err := proto.ParseGreeting(f[4:]); err != nil {
		return err
	}
	c.wc.Out = proto.AppendHello(c.wc.Out, proto.Hello{Version: proto.Version, Features: o.features()})
	if err := c.wc.Flush(); err != nil {
		return err
	}
	if f, err = c.wc.Next(hs); err != nil {
		return fmt.Errorf("reading the server hello: %w", err)
	}
	if _, err := proto.DecodeServerHello(f[4:]); err != nil {
		return err
	}
	r, err := c.call(&proto.RegisterRequest{Storage: o.Storage, ReadOnly: o.ReadOnly})
	if err != nil {
		return fmt.Errorf("register: %w", err)
	}
	var reg proto.RegisterReply
	if err := reg.Decode(r.Body); err != nil {
		return err
	}
	c.lastTid = reg.LastTid
	return nil
}

// LastTid is the last committed tid the server reported at register or
// at this connection's last commit.
func (c *Conn) LastTid() proto.Tid { return c.lastTid }

// Addr is the server address.
func (c *Conn) Addr() string { return c.addr }

// Close closes the connection; a blocked read returns an error.
func (c *Conn) Close() error { return c.wc.Close() }

func (o Options) features() proto.Features {
	if o.AcceptCompressed {
		return proto.FeatureCompressedRecords
	}
	return 0
}
