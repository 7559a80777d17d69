// Hostile servers: broken frames, replies and pushes, and failed
// handshakes give clear errors, never a panic or a hang.

package client

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
)

// TestHostileServer: a server that breaks the protocol makes the call
// fail with a clear error and the connection drop; nothing panics or
// hangs, and the client reconnects.
func TestHostileServer(t *testing.T) {
	t.Parallel()
	frame := func(msgid uint32, op proto.Op, flags proto.Flags, body []byte) []byte {
		b, s := proto.StartFrame(nil, msgid, op, flags)
		return proto.FinishFrame(append(b, body...), s)
	}
	for _, tc := range []struct {
		name    string
		respond func(f proto.Frame) []byte
		log     string // in the warning about the dropped connection
		decode  bool   // the call fails with the decode error itself
		proto   bool   // the call fails with ErrProtocol
	}{
		{"bad flags", func(f proto.Frame) []byte { return frame(f.MsgID, f.Op, 0x0f, nil) }, "invalid flags", false, false},
		{"unknown msgid", func(f proto.Frame) []byte {
			return (&proto.LoadBeforeReply{}).AppendFrame(nil, f.MsgID+1000)
		}, "unknown msgid", false, false},
		{"wrong op", func(f proto.Frame) []byte {
			return (&proto.LoadSerialReply{Data: []byte("x")}).AppendFrame(nil, f.MsgID)
		}, "reply to a LoadBefore request", false, true},
		{"truncated body", func(f proto.Frame) []byte {
			return frame(f.MsgID, f.Op, proto.FlagReply, []byte{1, 0, 0, 0, 9, 'x'})
		}, "short buffer", true, false},
		{"trailing bytes", func(f proto.Frame) []byte {
			b := (&proto.LoadBeforeReply{Found: true, Data: []byte("x"), Start: 1}).AppendTo(nil)
			return frame(f.MsgID, f.Op, proto.FlagReply, append(b, 0))
		}, "trailing bytes", true, false},
		{"huge frame", func(f proto.Frame) []byte {
			return binary.BigEndian.AppendUint32(nil, 0xfffffff0)
		}, "frame too large", false, false},
		{"request from the server", func(f proto.Frame) []byte {
			return (&proto.PingRequest{}).AppendFrame(nil, 3)
		}, "unexpected Ping frame", false, false},
		{"bad push", func(f proto.Frame) []byte {
			return frame(0, proto.OpInvalidateTransaction, proto.FlagPush, []byte{0, 0, 1})
		}, "InvalidateTransaction push", false, false},
		{"invalidation going back", func(f proto.Frame) []byte {
			return (&proto.InvalidateTransaction{Tid: 0x10}).AppendFrame(nil, 0)
		}, "at or before the last tid", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int32
			fs := newFakeServer(t, func(fc *fakeConn, f proto.Frame) {
				if f.Op != proto.OpLoadBefore {
					return
				}
				if n.Add(1) == 1 {
					fc.write(tc.respond(f))
					return
				}
				fc.reply(f, &proto.LoadBeforeReply{Found: true, Data: []byte("fine"), Start: 0x20})
			})
			fs.setLastTid(0x40)
			rec := &recordingHandler{}
			o := fastOptions()
			o.Logger = rec.logger()
			c := openClient(t, []string{fs.Addr}, o)
			_, _, err := c.Load(7, nil)
			if err == nil {
				t.Fatal("no error")
			}
			var me *proto.MessageError
			if tc.proto {
				if !errors.Is(err, ErrProtocol) {
					t.Fatalf("error %v is not ErrProtocol", err)
				}
			} else if tc.decode {
				if !errors.As(err, &me) {
					t.Fatalf("error %v is not the decode error", err)
				}
			} else if !isDisconnected(err) {
				t.Fatalf("error %v is not ErrDisconnected", err)
			}
			waitFor(t, "the drop to be logged", func() bool { return rec.hasWarn(tc.log) })
			waitFor(t, "reconnection", c.Connected)
			data, _, err := c.Load(7, nil)
			if err != nil || string(data) != "fine" {
				t.Fatalf("after reconnecting: %q %v", data, err)
			}
		})
	}
}

// rawServer accepts connections and hands each to serve.
func rawServer(t *testing.T, serve func(nc net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer nc.Close()
				nc.SetDeadline(time.Now().Add(5 * time.Second))
				serve(nc)
			}()
		}
	}()
	return ln.Addr().String()
}

func readHello(nc net.Conn) {
	var hdr [4]byte
	if _, err := io.ReadFull(nc, hdr[:]); err == nil {
		io.CopyN(io.Discard, nc, int64(binary.BigEndian.Uint32(hdr[:])))
	}
}

func TestHandshakeErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		serve func(nc net.Conn)
		check func(err error) bool
	}{
		{"bad greeting", func(nc net.Conn) {
			nc.Write([]byte{0, 0, 0, 2, 'X', 'Y'})
		}, func(err error) bool { return strings.Contains(err.Error(), "unexpected server greeting") }},
		{"http", func(nc net.Conn) {
			nc.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
		}, func(err error) bool { return errors.Is(err, proto.ErrFrameTooLarge) }},
		{"version", func(nc net.Conn) {
			nc.Write(proto.AppendGreeting(nil, false))
			readHello(nc)
			b := proto.AppendHandshakeError(nil, &proto.VersionError{Client: 1, Server: 2})
			nc.Write(append(binary.BigEndian.AppendUint32(nil, uint32(len(b)-4)), b[4:]...))
		}, func(err error) bool { var ve *proto.VersionError; return errors.As(err, &ve) }},
		{"unoffered feature", func(nc net.Conn) {
			nc.Write(proto.AppendGreeting(nil, false))
			readHello(nc)
			nc.Write(proto.AppendServerHello(nil, proto.ServerHello{Version: proto.Version, Features: 0x80}))
		}, func(err error) bool { return errors.Is(err, ErrProtocol) }},
		{"silence", func(nc net.Conn) {
			io.Copy(io.Discard, nc)
		}, func(err error) bool { return strings.Contains(err.Error(), "timeout") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr := rawServer(t, tc.serve)
			o := fastOptions()
			o.WaitTimeout, o.DialTimeout = 300*time.Millisecond, 100*time.Millisecond
			_, err := Open(context.Background(), []string{addr}, o)
			if !isDisconnected(err) || !tc.check(err) {
				t.Fatalf("open: %v", err)
			}
		})
	}
}
