// A scripted native-protocol server for tests that need exact control of
// what the client receives and when: orderings, hostile frames,
// compression.

package client

import (
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
)

// fakeServer accepts connections, runs the handshake, answers Register,
// GetInfo, Ping and GetInvalidations itself, and passes every other
// request frame to handle (which may answer, hold, or misbehave).
type fakeServer struct {
	t        testing.TB
	ln       net.Listener
	Addr     string
	Features proto.Features // accepted when offered

	mu      sync.Mutex
	lastTid proto.Tid
	handle  func(fc *fakeConn, f proto.Frame)
	conns   []*fakeConn
	wg      sync.WaitGroup
}

type fakeConn struct {
	s  *fakeServer
	nc net.Conn
	mu sync.Mutex // serialises writes
}

func newFakeServer(t testing.TB, handle func(fc *fakeConn, f proto.Frame)) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveFake(t, ln, handle)
}

func serveFake(t testing.TB, ln net.Listener, handle func(fc *fakeConn, f proto.Frame)) *fakeServer {
	s := &fakeServer{t: t, ln: ln, Addr: ln.Addr().String(), handle: handle}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.Close)
	return s
}

func (s *fakeServer) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		fc := &fakeConn{s: s, nc: nc}
		s.mu.Lock()
		s.conns = append(s.conns, fc)
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			fc.serve()
		}()
	}
}

// Close stops accepting and closes every connection.
func (s *fakeServer) Close() {
	s.ln.Close()
	s.DropAll()
	s.wg.Wait()
}

// DropAll closes the connections made so far.
func (s *fakeServer) DropAll() {
	s.mu.Lock()
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	for _, fc := range conns {
		fc.nc.Close()
	}
}

func (s *fakeServer) setLastTid(tid proto.Tid) {
	s.mu.Lock()
	s.lastTid = tid
	s.mu.Unlock()
}

func (fc *fakeConn) readRaw() ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(fc.nc, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > 1<<26 {
		return nil, io.ErrUnexpectedEOF
	}
	buf := make([]byte, 4+n)
	copy(buf, hdr[:])
	if _, err := io.ReadFull(fc.nc, buf[4:]); err != nil {
		return nil, err
	}
	return buf, nil
}

func (fc *fakeConn) serve() {
	defer fc.nc.Close()
	fc.write(proto.AppendGreeting(nil, false))
	raw, err := fc.readRaw()
	if err != nil {
		return
	}
	h, err := proto.DecodeHello(raw[4:])
	if err != nil {
		return
	}
	fc.write(proto.AppendServerHello(nil, proto.ServerHello{Version: proto.Version,
		Features: h.Features & fc.s.Features, MaxFrameSize: proto.DefaultMaxFrameSize}))
	for {
		raw, err := fc.readRaw()
		if err != nil {
			return
		}
		f, _, err := proto.ReadFrame(raw, 0)
		if err != nil {
			fc.s.t.Errorf("fake server: bad frame from client: %v", err)
			return
		}
		fc.s.mu.Lock()
		last, handle := fc.s.lastTid, fc.s.handle
		fc.s.mu.Unlock()
		switch f.Op {
		case proto.OpRegister:
			fc.reply(f, &proto.RegisterReply{LastTid: last})
		case proto.OpGetInfo:
			fc.reply(f, &proto.GetInfoReply{Info: proto.StorageInfo{Name: "fake"}})
		case proto.OpPing:
			fc.reply(f, &proto.PingReply{})
		case proto.OpLastTransaction:
			fc.reply(f, &proto.LastTransactionReply{Tid: last})
		case proto.OpGetInvalidations:
			fc.reply(f, &proto.GetInvalidationsReply{TooOld: true})
		default:
			if handle != nil {
				handle(fc, f)
			}
		}
	}
}

func (fc *fakeConn) write(b []byte) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	fc.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	fc.nc.Write(b)
}

// reply answers frame f with m.
func (fc *fakeConn) reply(f proto.Frame, m proto.Message) { fc.write(m.AppendFrame(nil, f.MsgID)) }

// replyErr answers frame f with an error reply.
func (fc *fakeConn) replyErr(f proto.Frame, err error) {
	fc.write(proto.AppendError(nil, f.MsgID, f.Op, err))
}

// push sends a server push.
func (fc *fakeConn) push(m proto.Message) { fc.write(m.AppendFrame(nil, 0)) }
