package server

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/tools/config"
)

// startServer runs a server on a fresh Data.fs and returns its address.
func startServer(t testing.TB) (*Server, string) {
	return startServerWith(t, nil)
}

// startServerWith runs a server whose config tweak may adjust.
func startServerWith(t testing.TB, tweak func(*config.Config)) (*Server, string) {
	t.Helper()
	cfg := config.DefaultConfig()
	if err := cfg.Apply(config.Overrides{Address: "127.0.0.1:0", Filenames: []string{filepath.Join(t.TempDir(), "Data.fs")}}); err != nil {
		t.Fatal(err)
	}
	if tweak != nil {
		tweak(cfg)
	}
	s, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return s, s.Addrs()[0].String()
}

type rawConn struct {
	t       testing.TB
	c       net.Conn
	r       *bufio.Reader
	id      uint32
	pending []byte      // one-way requests not written yet (sent with the next call)
	invals  []proto.Tid // invalidation pushes seen, in arrival order
	buf     []byte
}

func dialNative(t testing.TB, addr string) *rawConn {
	t.Helper()
	rc := dialNativeRaw(t, addr)
	rc.write(proto.AppendHello(nil, proto.Hello{Version: proto.Version}))
	sh, err := proto.DecodeServerHello(rc.readRaw())
	if err != nil || sh.Version != proto.Version {
		t.Fatalf("server hello %+v %v", sh, err)
	}
	return rc
}

// dialNativeRaw connects and reads the greeting; the caller says hello.
func dialNativeRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	rc := &rawConn{t: t, c: c, r: bufio.NewReaderSize(c, 64<<10)}
	if g := rc.readRaw(); string(g) != "Z5" {
		t.Fatalf("greeting %q", g)
	}
	return rc
}

func (rc *rawConn) write(b []byte) {
	rc.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := rc.c.Write(b); err != nil {
		rc.t.Fatal(err)
	}
}

// readRaw reads one frame and returns its payload.
func (rc *rawConn) readRaw() []byte {
	rc.t.Helper()
	rc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if rc.r == nil {
		rc.r = bufio.NewReaderSize(rc.c, 64<<10)
	}
	var hdr [4]byte
	if _, err := io.ReadFull(rc.r, hdr[:]); err != nil {
		rc.t.Fatal(err)
	}
	n := int(binary.BigEndian.Uint32(hdr[:]))
	if cap(rc.buf) < n+4 {
		rc.buf = make([]byte, n+4)
	}
	buf := rc.buf[:n+4]
	copy(buf, hdr[:])
	if _, err := io.ReadFull(rc.r, buf[4:]); err != nil {
		rc.t.Fatal(err)
	}
	return buf[4:]
}

// readFrame reads one native frame.
func (rc *rawConn) readFrame() proto.Frame {
	rc.t.Helper()
	p := rc.readRaw()
	f, _, err := proto.ReadFrame(rc.buf[:len(p)+4], 0)
	if err != nil {
		rc.t.Fatal(err)
	}
	return f
}

type framer interface {
	AppendFrame(dst []byte, msgid uint32) []byte
}

func (rc *rawConn) call(m framer) proto.Frame {
	rc.t.Helper()
	rc.id++
	rc.write(m.AppendFrame(rc.pending, rc.id))
	rc.pending = rc.pending[:0]
	for {
		f := rc.readFrame()
		if f.IsPush() {
			rc.notePush(f)
			continue
		}
		if f.MsgID != rc.id {
			rc.t.Fatalf("reply to %d, want %d", f.MsgID, rc.id)
		}
		return f
	}
}

// send writes a one-way request.
func (rc *rawConn) send(m framer) { rc.write(m.AppendFrame(nil, 0)) }

// queue queues a one-way request, written with the next call (or flush),
// as a real client coalesces frames.
func (rc *rawConn) queue(m framer) { rc.pending = m.AppendFrame(rc.pending, 0) }

// flush writes queued one-way requests.
func (rc *rawConn) flush() {
	if len(rc.pending) > 0 {
		rc.write(rc.pending)
		rc.pending = rc.pending[:0]
	}
}

func TestNativeCommitAndLoad(t *testing.T) {
	_, addr := startServer(t)
	a := dialNative(t, addr)
	f := a.call(&proto.RegisterRequest{Storage: "1"})
	var reg proto.RegisterReply
	if f.IsError() || reg.Decode(f.Body) != nil || reg.LastTid != 0 {
		t.Fatalf("register: %+v %v", reg, proto.DecodeError(f.Body))
	}
	b := dialNative(t, addr)
	b.call(&proto.RegisterRequest{Storage: "1"})

	a.send(&proto.TpcBeginRequest{Txn: 7, Meta: proto.TxnMeta{User: []byte("alice"), Description: []byte("first")}})
	a.send(&proto.StoreRequest{Txn: 7, Oid: 0, Serial: 0, Data: []byte("root pickle")})
	f = a.call(&proto.VoteRequest{Txn: 7})
	if f.IsError() {
		t.Fatalf("vote: %v", proto.DecodeError(f.Body))
	}
	f = a.call(&proto.TpcFinishRequest{Txn: 7})
	var fin proto.TpcFinishReply
	if f.IsError() || fin.Decode(f.Body) != nil || fin.Tid == 0 {
		t.Fatalf("finish: %v", proto.DecodeError(f.Body))
	}
	// B gets the invalidation.
	p := b.readFrame()
	var inv proto.InvalidateTransaction
	if !p.IsPush() || p.Op != proto.OpInvalidateTransaction || inv.Decode(p.Body) != nil || inv.Tid != fin.Tid || len(inv.Oids) != 1 || inv.Oids[0] != 0 {
		t.Fatalf("invalidation: %+v op %v", inv, p.Op)
	}
	f = b.call(&proto.LoadBeforeRequest{Oid: 0, Before: proto.MaxTid})
	var lb proto.LoadBeforeReply
	if f.IsError() || lb.Decode(f.Body) != nil || string(lb.Data) != "root pickle" || lb.Start != fin.Tid || lb.End != 0 {
		t.Fatalf("loadBefore: %+v %v", lb, proto.DecodeError(f.Body))
	}
	// A conflicting store from B, based on the old serial.
	b.send(&proto.TpcBeginRequest{Txn: 9})
	b.send(&proto.StoreRequest{Txn: 9, Oid: 0, Serial: 0, Data: []byte("stale")})
	f = b.call(&proto.VoteRequest{Txn: 9})
	var vr proto.VoteReply
	if f.IsError() || vr.Decode(f.Body) != nil || len(vr.Conflicts) != 1 || vr.Conflicts[0].Committed != fin.Tid {
		t.Fatalf("vote with conflict: %+v %v", vr, proto.DecodeError(f.Body))
	}
	// Resolve: store again on the committed serial.
	b.send(&proto.StoreRequest{Txn: 9, Oid: 0, Serial: fin.Tid, Data: []byte("resolved")})
	if f = b.call(&proto.VoteRequest{Txn: 9}); f.IsError() {
		t.Fatalf("second vote: %v", proto.DecodeError(f.Body))
	}
	if f = b.call(&proto.TpcFinishRequest{Txn: 9}); f.IsError() {
		t.Fatalf("second finish: %v", proto.DecodeError(f.Body))
	}
	f = a.call(&proto.LoadBeforeRequest{Oid: 0, Before: proto.MaxTid})
	if lb.Decode(f.Body) != nil || string(lb.Data) != "resolved" {
		t.Fatalf("after resolution: %q", lb.Data)
	}
	f = a.call(&proto.LoadBeforeRequest{Oid: 5, Before: proto.MaxTid})
	var pk *proto.POSKeyError
	if err := proto.DecodeError(f.Body); !f.IsError() || !errorsAs(err, &pk) || pk.Oid != 5 {
		t.Fatalf("missing object: %v", err)
	}
}

func (rc *rawConn) notePush(f proto.Frame) {
	if f.Op != proto.OpInvalidateTransaction {
		return
	}
	var inv proto.InvalidateTransaction
	if err := inv.Decode(f.Body); err != nil {
		rc.t.Fatalf("bad invalidation: %v", err)
	}
	rc.invals = append(rc.invals, inv.Tid)
}
