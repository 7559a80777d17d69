// Protocol-level tests against the scripted server: in-flight failures,
// shared loads, reply/invalidation ordering, hostile servers, handshake
// errors, compression and TLS.

package client

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/compress"
)

func TestInFlightFailsFast(t *testing.T) {
	t.Parallel()
	held := make(chan proto.Frame, 4)
	fs := newFakeServer(t, func(fc *fakeConn, f proto.Frame) {
		if f.Op == proto.OpLoadBefore {
			held <- f
		}
	})
	c := openClient(t, []string{fs.Addr}, nil) // WaitTimeout 5 s
	errc := make(chan error, 1)
	go func() {
		_, _, err := c.Load(7, nil)
		errc <- err
	}()
	<-held
	start := time.Now()
	fs.DropAll()
	err := <-errc
	if !isDisconnected(err) || time.Since(start) > time.Second {
		t.Fatalf("in-flight load: %v after %v", err, time.Since(start))
	}
}

func TestSharedLoads(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var frames []proto.Frame
	var conn *fakeConn
	fs := newFakeServer(t, func(fc *fakeConn, f proto.Frame) {
		if f.Op == proto.OpLoadBefore {
			mu.Lock()
			frames, conn = append(frames, f), fc
			mu.Unlock()
		}
	})
	c := openClient(t, []string{fs.Addr}, nil)
	const n = 8
	type result struct {
		data  string
		start proto.Tid
		err   error
	}
	results := make(chan result, n)
	for range n {
		go func() {
			data, start, err := c.Load(7, nil)
			results <- result{string(data), start, err}
		}()
	}
	waitFor(t, "every load to join the first", func() bool {
		c.loadMu.Lock()
		defer c.loadMu.Unlock()
		l := c.loading[loadKey{7, proto.MaxTid}]
		k := 0
		for f := (*waiter)(nil); l != nil; {
			if f == nil {
				f = l.followers
			} else {
				f = f.next
			}
			if f == nil {
				break
			}
			k++
		}
		return k == n-1
	})
	mu.Lock()
	if len(frames) != 1 {
		t.Fatalf("%d requests for %d identical loads", len(frames), n)
	}
	conn.reply(frames[0], &proto.LoadBeforeReply{Found: true, Data: []byte("shared"), Start: 5})
	mu.Unlock()
	for range n {
		r := <-results
		if r.err != nil || r.data != "shared" || r.start != 5 {
			t.Fatalf("shared load: %+v", r)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(frames) != 1 {
		t.Fatalf("%d requests", len(frames))
	}
}

// TestLoadReplyThenInvalidation: a load reply followed at once by an
// invalidation of the same object (in one write) leaves the revision in
// the cache as non-current, never as current.
func TestLoadReplyThenInvalidation(t *testing.T) {
	t.Parallel()
	var loads atomic.Int32
	var fs *fakeServer
	fs = newFakeServer(t, func(fc *fakeConn, f proto.Frame) {
		if f.Op != proto.OpLoadBefore {
			return
		}
		switch loads.Add(1) {
		case 1:
			b := (&proto.LoadBeforeReply{Found: true, Data: []byte("old"), Start: 0x180}).AppendFrame(nil, f.MsgID)
			b = (&proto.InvalidateTransaction{Tid: 0x200, Oids: []proto.Oid{7}}).AppendFrame(b, 0)
			fs.setLastTid(0x200)
			fc.write(b)
		default:
			fc.reply(f, &proto.LoadBeforeReply{Found: true, Data: []byte("new"), Start: 0x200})
		}
	})
	fs.setLastTid(0x100)
	log := &invLog{t: t}
	o := fastOptions()
	o.OnInvalidate = log.record
	c := openClient(t, []string{fs.Addr}, o)
	if data, start, err := c.Load(7, nil); err != nil || string(data) != "old" || start != 0x180 {
		t.Fatalf("first load: %q %s %v", data, start, err)
	}
	if err := c.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.LastTransaction() != 0x200 {
		t.Fatalf("last transaction %s", c.LastTransaction())
	}
	if data, start, err := c.Load(7, nil); err != nil || string(data) != "new" || start != 0x200 {
		t.Fatalf("load after the invalidation: %q %s %v", data, start, err)
	}
	if loads.Load() != 2 {
		t.Fatalf("%d loads reached the server, want 2", loads.Load())
	}
	data, start, end, err := c.LoadBefore(7, 0x200, nil)
	if err != nil || string(data) != "old" || start != 0x180 || end != 0x200 || loads.Load() != 2 {
		t.Fatalf("non-current revision: %q [%s, %s) %v (loads %d)", data, start, end, err, loads.Load())
	}
	if got := log.snapshot(); len(got) != 1 || got[0].tid != 0x200 {
		t.Fatalf("OnInvalidate calls %+v", got)
	}
}

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

func TestCompressedRecords(t *testing.T) {
	t.Parallel()
	plain := []byte(strings.Repeat("a compressible pickle ", 50))
	z := compress.NewCompressor(compress.Zstd, nil)
	packed, ok := z.Compress(nil, plain)
	if !ok {
		t.Fatal("test data did not compress")
	}
	var loads atomic.Int32
	fs := newFakeServer(t, func(fc *fakeConn, f proto.Frame) {
		switch f.Op {
		case proto.OpLoadBefore:
			loads.Add(1)
			fc.reply(f, &proto.LoadBeforeReply{Found: true, Data: packed, Start: 0x10})
		case proto.OpLoadSerial:
			fc.reply(f, &proto.LoadSerialReply{Data: packed})
		}
	})
	fs.Features = proto.FeatureCompressedRecords
	fs.setLastTid(0x10)
	o := fastOptions()
	o.CompressedRecords = true
	c := openClient(t, []string{fs.Addr}, o)
	for i := 0; i < 2; i++ {
		data, _, err := c.Load(1, nil)
		if err != nil || string(data) != string(plain) {
			t.Fatalf("load %d: %d bytes %v", i, len(data), err)
		}
	}
	if loads.Load() != 1 {
		t.Fatalf("%d loads reached the server; the plain record was not cached", loads.Load())
	}
	data, err := c.LoadSerial(2, 0x10, nil)
	if err != nil || string(data) != string(plain) {
		t.Fatalf("loadSerial: %d bytes %v", len(data), err)
	}
}

func TestTLS(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
	})
	if err != nil {
		t.Fatal(err)
	}
	fs := serveFake(t, ln, nil)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	o := fastOptions()
	o.TLS = &tls.Config{RootCAs: pool}
	c := openClient(t, []string{fs.Addr}, o)
	if err := c.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	// An untrusted certificate is refused.
	o = fastOptions()
	o.TLS, o.WaitTimeout = &tls.Config{RootCAs: x509.NewCertPool()}, 200*time.Millisecond
	_, err = Open(context.Background(), []string{fs.Addr}, o)
	var cve *tls.CertificateVerificationError
	if !isDisconnected(err) || !errors.As(err, &cve) {
		t.Fatalf("untrusted server: %v", err)
	}
}
