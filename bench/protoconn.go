// The protocol connections the workloads drive: one interface over the
// native and ZEO 5 drivers.

package bench

import (
	"context"

	"github.com/gozeo/gozeo/bench/nativedriver"
	"github.com/gozeo/gozeo/bench/zeo5driver"
	"github.com/gozeo/gozeo/proto"
)

// loadConn is the shape every pipelined load loop drives, the echo
// baseline's client included: buffer requests by slot, flush, receive
// replies by slot.
type loadConn interface {
	SendLoad(slot int, oid proto.Oid)
	Flush() error
	Buffered() bool
	RecvLoad() (slot, size int, err error)
}

// object is one object a commit writes.
type object struct {
	oid    proto.Oid
	serial proto.Tid
	data   []byte
}

// protoConn is a registered protocol connection (native or ZEO 5).
type protoConn interface {
	loadConn
	NewOIDs(n int) ([]proto.Oid, error)
	Ping() error
	LastTid() proto.Tid
	Close() error
	ReadPushes() error
	commit(objs []object) (proto.Tid, error)
	onInvalidate(fn func(tid proto.Tid, oids []proto.Oid))
}

type nativeConn struct {
	*nativedriver.Conn
	st []nativedriver.Store
}

func (c *nativeConn) commit(objs []object) (proto.Tid, error) {
	c.st = c.st[:0]
	for _, o := range objs {
		c.st = append(c.st, nativedriver.Store{Oid: o.oid, Serial: o.serial, Data: o.data})
	}
	return c.Commit(c.st)
}

func (c *nativeConn) onInvalidate(fn func(proto.Tid, []proto.Oid)) { c.OnInvalidate = fn }

type zeo5Conn struct {
	*zeo5driver.Conn
	st []zeo5driver.Store
}

func (c *zeo5Conn) commit(objs []object) (proto.Tid, error) {
	c.st = c.st[:0]
	for _, o := range objs {
		c.st = append(c.st, zeo5driver.Store{Oid: o.oid, Serial: o.serial, Data: o.data})
	}
	return c.Commit(c.st)
}

func (c *zeo5Conn) onInvalidate(fn func(proto.Tid, []proto.Oid)) { c.OnInvalidate = fn }

// dial opens a protocol connection of the configured protocol.
func (rn *runner) dial(ctx context.Context) (protoConn, error) {
	if rn.o.Protocol == ProtoNative {
		c, err := nativedriver.Dial(ctx, rn.addr, &nativedriver.Options{Storage: rn.o.Storage, AcceptCompressed: rn.o.AcceptCompressed})
		if err != nil {
			return nil, err
		}
		return &nativeConn{Conn: c}, nil
	}
	c, err := zeo5driver.Dial(ctx, rn.addr, &zeo5driver.Options{Storage: rn.o.Storage, Encoding: rn.o.zeo5Encoding()})
	if err != nil {
		return nil, err
	}
	return &zeo5Conn{Conn: c}, nil
}

// dialAll opens n protocol connections; on error the opened ones are
// closed.
func (rn *runner) dialAll(ctx context.Context, n int) ([]protoConn, error) {
	conns := make([]protoConn, 0, n)
	for range n {
		c, err := rn.dial(ctx)
		if err != nil {
			closeAll(conns)
			return nil, err
		}
		conns = append(conns, c)
	}
	return conns, nil
}

func closeAll(conns []protoConn) {
	for _, c := range conns {
		c.Close()
	}
}
