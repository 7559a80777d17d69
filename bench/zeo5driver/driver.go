// Package zeo5driver is the load tool's raw client of ZEO 5's own wire
// protocol (package proto/zeo5), in either encoding, so that one tool
// measures gozeo and Python's ZEO server alike. It does what a stock
// ClientStorage does on the wire, minus the cache:
//
//	server -> "Z5"|"M5"        client -> "Z5"|"M5" (the encoding asked for)
//	(1, False, "register", (storage, False))              -> last tid
//	((oid, before), False, "loadBefore", (oid, before))   -> (data, start, end|None) | None
//	(0, True, "tpc_begin", (txn, b"", b"", {}, None, " "))
//	(0, True, "storea", (oid, serial, data, txn))         one per object
//	(n, False, "vote", (txn,))                            -> [resolved oids] | [conflict maps]
//	(n, False, "tpc_finish", (txn,))                      -> tid   (after an async "info")
//	(n, False, "tpc_abort", (txn,))                       after a failed vote
//	(n, False, "new_oids", ())                            -> 100 oids
//
// # Pipelined loads
//
// A stock client uses (oid, before) as a load's msgid. The driver keeps
// that shape and makes the msgid unique per slot by asking for the
// revision before MaxTid - slot: every such tid lies after any real
// commit, so each load still returns the current revision, and the
// reply's echoed msgid names its slot.
//
// A Conn is not safe for concurrent use, except Close.
package zeo5driver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/gozeo/gozeo/bench/wire"
	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/zeo5"
)

// Options configure a Conn. The zero value works (pickle).
type Options struct {
	Encoding     zeo5.Encoding // zeo5.Pickle (default) or zeo5.Msgpack
	Storage      string        // default "1"
	ReadOnly     bool
	MaxFrameSize uint32        // default zeo5.DefaultMaxFrameSize
	DialTimeout  time.Duration // default 10 s
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Encoding == 0 {
		r.Encoding = zeo5.Pickle
	}
	if r.Storage == "" {
		r.Storage = "1"
	}
	if r.MaxFrameSize == 0 {
		r.MaxFrameSize = zeo5.DefaultMaxFrameSize
	}
	if r.DialTimeout == 0 {
		r.DialTimeout = 10 * time.Second
	}
	return r
}

// Store is one object written by Commit.
type Store struct {
	Oid    proto.Oid
	Serial proto.Tid // ZeroTid for a new object
	Data   []byte
}

// MaxSlots is the pipelining depth a Conn supports.
const MaxSlots = 1 << 20

// Errors.
var (
	// ErrUnexpected is a message the driver did not ask for.
	ErrUnexpected = errors.New("zeo5driver: unexpected message")
	// ErrBadReply is a reply of the wrong shape.
	ErrBadReply = errors.New("zeo5driver: malformed reply")
)

// Conn is one registered ZEO 5 connection.
type Conn struct {
	wc      *wire.Conn
	split   wire.Splitter
	enc     zeo5.Encoding
	w       *zeo5.Writer
	idw     *zeo5.Writer
	idbuf   []byte
	dec     *zeo5.Decoder
	addr    string
	max     uint32
	lastTid proto.Tid
	next    int64  // next call msgid
	txn     uint64 // last transaction id
	oids    []proto.Oid
	invOids []proto.Oid

	// OnInvalidate, when set, is called for every invalidateTransaction
	// callback read by any method (oids valid only during the call).
	OnInvalidate func(tid proto.Tid, oids []proto.Oid)
}

// Dial connects to addr, sends the handshake of o.Encoding and registers.
func Dial(ctx context.Context, addr string, opts *Options) (*Conn, error) {
	o := opts.withDefaults()
	if !o.Encoding.Valid() {
		return nil, fmt.Errorf("zeo5driver: %w", zeo5.ErrBadEncoding)
	}
	network := "tcp"
	if strings.Contains(addr, "/") {
		network = "unix"
	}
	d := net.Dialer{Timeout: o.DialTimeout}
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("zeo5driver: %w", err)
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	max := o.MaxFrameSize
	dec, _ := zeo5.NewDecoder(nil)
	c := &Conn{wc: wire.New(nc), enc: o.Encoding, dec: dec, addr: addr, max: max, next: 1,
		w: zeo5.NewWriter(o.Encoding, nil), idw: zeo5.NewWriter(o.Encoding, nil),
		txn: 0x7f00_0000_0000, // like Python's id(txn): large, opaque
		split: func(b []byte) (int, error) {
			_, n, err := zeo5.ReadFrame(b, max)
			if n == 0 && err == nil && len(b) >= 4 {
				n = int(uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8|uint32(b[3])) + 4
			}
			return n, err
		}}
	nc.SetDeadline(time.Now().Add(o.DialTimeout))
	if err := c.handshake(o); err != nil {
		nc.Close()
		return nil, fmt.Errorf("zeo5driver: %s: %w", addr, err)
	}
	nc.SetDeadline(time.Time{})
	return c, nil
}

func (c *Conn) handshake(o Options) error {
	f, err := c.wc.Next(c.split)
	if err != nil {
		return fmt.Errorf("reading the greeting: %w", err)
	}
	if _, err := zeo5.ParseServerHandshake(f[4:]); err != nil {
		return fmt.Errorf("greeting %q: %w", f[4:], err)
	}
	// The client's letter picks the encoding (a stock client echoes the
	// server's; we ask for the one being measured).
	c.wc.Out = zeo5.AppendHandshake(c.wc.Out, c.enc)
	id := c.begin("register")
	c.w.BeginTuple(2)
	c.w.Str(o.Storage)
	c.w.Bool(o.ReadOnly)
	m, err := c.call(id)
	if err != nil {
		return fmt.Errorf("register: %w", err)
	}
	if m.Args.IsNil() {
		return nil // ZEO lets register answer None; the last tid stays 0
	}
	tid, ok := m.Args.AsOid()
	if !ok {
		return fmt.Errorf("%w: register answered a %s", ErrBadReply, m.Args.Kind())
	}
	c.lastTid = proto.Tid(tid)
	return nil
}

// Encoding is the connection's encoding.
func (c *Conn) Encoding() zeo5.Encoding { return c.enc }

// LastTid is the last tid the server reported at register or at this
// connection's last commit.
func (c *Conn) LastTid() proto.Tid { return c.lastTid }

// Addr is the server address.
func (c *Conn) Addr() string { return c.addr }

// Close closes the connection.
func (c *Conn) Close() error { return c.wc.Close() }
