// FuzzWireSession: one hostile connection to a live in-process server per
// input; the server must close it cleanly, keep serving a well-behaved
// client, and leave a Data.fs that verifies.

package fuzz

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gozeo/gozeo/client"
	"github.com/gozeo/gozeo/fsstore"
	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/tools/config"
	"github.com/gozeo/gozeo/tools/server"
)

const (
	wireMaxFrame = 64 << 10 // the fuzz server's frame limit
	wireMaxInput = 256 << 10
	wireMaxFile  = 8 << 20 // a bigger Data.fs is replaced by a fresh copy
)

// wireEnv is a server on a copy of a fixture Data.fs and a well-behaved
// client of it, shared by the iterations of one fuzz process.
type wireEnv struct {
	dir   string
	path  string
	srv   *server.Server
	addr  string
	good  *client.Client
	iters int
}

func startWireEnv(tb testing.TB, dir string) *wireEnv {
	tb.Helper()
	e := &wireEnv{dir: dir, path: filepath.Join(dir, "Data.fs")}
	os.Remove(e.path)
	os.Remove(e.path + ".index")
	if src := fixturePath("filestorage/basic/basic.fs"); src != "" {
		b, err := os.ReadFile(src)
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(e.path, b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	cfg := config.DefaultConfig()
	if err := cfg.Apply(config.Overrides{Address: "127.0.0.1:0", Filenames: []string{e.path}}); err != nil {
		tb.Fatal(err)
	}
	cfg.ZEO.MaxFrameSize = wireMaxFrame
	cfg.ZEO.OutputBufferLimit = 4 << 20
	s, err := server.New(cfg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	e.srv, e.addr = s, s.Addrs()[0].String()
	e.good, err = client.Open(context.Background(), []string{e.addr}, &client.Options{
		WaitTimeout: 5 * time.Second, MinDisconnectPoll: 50 * time.Millisecond, MaxDisconnectPoll: time.Second})
	if err != nil {
		tb.Fatalf("the well-behaved client cannot connect: %v", err)
	}
	return e
}

func (e *wireEnv) stop(tb testing.TB) {
	e.good.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.srv.Stop(ctx); err != nil {
		tb.Errorf("stop: %v", err)
	}
}

// fixturePath returns a fixture's path, or "" when the fixtures are absent.
func fixturePath(rel string) string {
	dir := fixturesDir()
	if dir == "" {
		return ""
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// Handshakes a fuzzed connection may start with.
const (
	wireNative = iota
	wireZ5
	wireM5
	wireKinds
)

// dialWire connects and answers the greeting; for a native client it
// also reads the server hello.
func dialWire(t *testing.T, addr string, kind int) net.Conn {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if g := readHandshakeFrame(t, c); string(g) != "Z5" {
		t.Fatalf("greeting %q", g)
	}
	switch kind {
	case wireNative:
		c.Write(proto.AppendHello(nil, proto.Hello{Version: proto.Version, Features: proto.FeatureCompressedRecords}))
		if _, err := proto.DecodeServerHello(readHandshakeFrame(t, c)); err != nil {
			t.Fatalf("server hello: %v", err)
		}
	case wireZ5:
		c.Write([]byte("\x00\x00\x00\x02Z5"))
	case wireM5:
		c.Write([]byte("\x00\x00\x00\x02M5"))
	}
	return c
}

func readHandshakeFrame(t *testing.T, c net.Conn) []byte {
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > proto.MaxHandshakeSize {
		t.Fatalf("handshake frame of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	return b
}

// packs reports whether a native stream or a ZEO stream asks for a pack,
// which this target leaves out: a GC pack would remove the well-behaved
// client's objects and a pack rewrites Data.fs behind VerifyFile (pack has
// its own hostile tests in fsstore).
func packs(kind int, data []byte) bool {
	if kind != wireNative {
		return bytes.Contains(data, []byte("pack"))
	}
	for len(data) >= 10 {
		n := uint64(binary.BigEndian.Uint32(data))
		if proto.Op(data[8]) == proto.OpPack {
			return true
		}
		if n+4 > uint64(len(data)) {
			break
		}
		data = data[4+n:]
	}
	return false
}

func FuzzWireSession(f *testing.F) {
	for _, s := range wireSeeds() {
		f.Add(s.kind, s.data, s.split)
	}
	var env *wireEnv
	dir := f.TempDir()
	f.Cleanup(func() {
		if env != nil {
			env.stop(f)
		}
	})
	f.Fuzz(func(t *testing.T, kind uint8, data []byte, split uint16) {
		k := int(kind % wireKinds)
		if len(data) > wireMaxInput || packs(k, data) {
			return
		}
		if env == nil {
			env = startWireEnv(t, dir)
		}
		wireSession(t, env, k, data, int(split)%(len(data)+1))
		env.iters++
		if fi, err := os.Stat(env.path); err == nil && fi.Size() > wireMaxFile {
			env.stop(t)
			env = nil
		}
	})
}

// wireSession sends data in two writes on one connection, half-closes,
// reads everything the server answers, and checks the aftermath.
func wireSession(t *testing.T, env *wireEnv, kind int, data []byte, split int) {
	c := dialWire(t, env.addr, kind)
	defer c.Close()
	got := make(chan []byte, 1)
	go func() {
		var out bytes.Buffer
		io.Copy(&out, io.LimitReader(c, 64<<20))
		got <- out.Bytes()
	}()
	c.Write(data[:split])
	c.Write(data[split:])
	c.(*net.TCPConn).CloseWrite()
	var out []byte
	select {
	case out = <-got:
	case <-time.After(15 * time.Second):
		t.Fatal("the server neither answered nor closed a half-closed connection in 15 s")
	}
	if kind == wireNative {
		checkNativeReplies(t, out)
	} else {
		checkZEOFrames(t, out)
	}
	waitQuiet(t, env)
	checkGoodClient(t, env)
	rep, err := fsstore.VerifyFile(env.path, nil)
	if err != nil || rep.Problem != "" {
		t.Fatalf("Data.fs no longer verifies after the session: %v (%+v)", err, rep)
	}
}

// checkNativeReplies: everything the server wrote parses as reply, push
// or notice frames; the last one may be cut only by our read limit.
func checkNativeReplies(t *testing.T, out []byte) {
	for len(out) > 0 {
		f, n, err := proto.ReadFrame(out, 0)
		if err != nil {
			t.Fatalf("the server wrote a bad frame: %v (%x)", err, out[:min(len(out), 32)])
		}
		if n == 0 {
			t.Fatalf("the server wrote a cut frame: %x", out[:min(len(out), 32)])
		}
		if !f.IsReply() && !f.IsPush() {
			t.Fatalf("the server wrote a frame that is neither reply nor push: %+v", f)
		}
		out = out[n:]
	}
}

// checkZEOFrames: everything the server wrote is whole length-prefixed
// frames.
func checkZEOFrames(t *testing.T, out []byte) {
	for len(out) > 0 {
		if len(out) < 4 || uint64(len(out)) < 4+uint64(binary.BigEndian.Uint32(out)) {
			t.Fatalf("the server wrote a cut ZEO frame: %x", out[:min(len(out), 32)])
		}
		out = out[4+int(binary.BigEndian.Uint32(out)):]
	}
}

// waitQuiet waits until the fuzzed connection is gone and no transaction
// is open (a voted one is aborted in the background when its client goes).
func waitQuiet(t *testing.T, env *wireEnv) {
	eng := env.srv.Engine()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if eng.ServerStats().Connections <= 1 && eng.Stats()["1"].ActiveTxns == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server still has %d connections and %d transactions 10 s after the client left",
				eng.ServerStats().Connections, eng.Stats()["1"].ActiveTxns)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// checkGoodClient: a well-behaved client gets the server's last tid (a
// round trip), its load is answered (data, or a ZODB answer such as "no
// such object": the fuzzed client may have deleted the root), and every
// 64th iteration it commits and reads back.
func checkGoodClient(t *testing.T, env *wireEnv) {
	g := env.good
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := g.Sync(ctx); err != nil {
		t.Fatalf("the well-behaved client cannot reach the server: %v", err)
	}
	if _, _, _, err := g.LoadBefore(0, proto.MaxTid, nil); err != nil {
		var pk *proto.POSKeyError
		if !errors.As(err, &pk) && !errors.Is(err, proto.ErrNoRevision) {
			t.Fatalf("the well-behaved client's load failed: %v", err)
		}
	}
	if env.iters%64 != 0 {
		return
	}
	oid, err := g.NewOID()
	if err != nil {
		t.Fatalf("new oid: %v", err)
	}
	data := binary.BigEndian.AppendUint64([]byte("good client "), uint64(env.iters))
	txn, err := g.TpcBegin(proto.TxnMeta{Description: []byte("fuzz: good client")})
	if err != nil {
		t.Fatalf("tpc_begin: %v", err)
	}
	if err := txn.Store(oid, 0, data); err != nil {
		t.Fatalf("store: %v", err)
	}
	if conflicts, err := txn.Vote(); err != nil || len(conflicts) > 0 {
		t.Fatalf("vote: %v %v", err, conflicts)
	}
	tid, err := txn.Finish()
	if err != nil {
		t.Fatalf("finish: %v", err)
	}
	back, err := g.LoadSerial(oid, tid, nil)
	if err != nil || !bytes.Equal(back, data) {
		t.Fatalf("the good client's commit reads back %q, %v", back, err)
	}
}
