// Hostile and faulty clients against a live server: each gets a clear
// error or a clean disconnect with a log line naming it, while a
// well-behaved loader and writer are served throughout, the heap stays
// bounded and nothing committed is lost.

package server

import (
	"bytes"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gozeo/gozeo/fsstore"
	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/zeo5"
)

func TestHostileClients(t *testing.T) {
	s, logs, addr, path := hostileServer(t)
	setup := dialNative(t, addr)
	register(t, setup)
	small := []byte("the object the good client loads")
	commitOne(t, setup, 1, 1, 0, small)
	big := bytes.Repeat([]byte("0123456789abcdef"), 16<<10) // 256 KB
	commitOne(t, setup, 2, 2, 0, big)

	runtime.GC()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	peak := sampleHeap()
	loader := startGoodLoader(t, addr, 1, small)
	writer := startGoodWriter(t, addr, 1000)
	baseConns := s.Engine().ServerStats().Connections

	cases := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"GarbageBeforeHandshake", func(t *testing.T) {
			c := dialRaw(t, addr)
			c.Write([]byte("\x00\x00\x00\x10not a handshake!"))
			hangsUp(t, c)
			logs.lineWith(t, "bad handshake: closing connection", clientAttr(c))
			h := dialRaw(t, addr)
			h.Write([]byte("GET / HTTP/1.1\r\nHost: zeo\r\n\r\n"))
			hangsUp(t, h)
			logs.lineWith(t, "refusing frame", clientAttr(h), "length=1195725856")
			z := dialRaw(t, addr)
			z.Write([]byte("\x00\x00\x00\x02Z4"))
			hangsUp(t, z)
			logs.lineWith(t, "bad handshake: closing connection", clientAttr(z))
		}},
		{"GarbageAfterNativeHandshake", func(t *testing.T) {
			rc := dialNative(t, addr)
			register(t, rc)
			rc.write([]byte("\x00\x00\x00\x0a\x00\x00\x00\x07\x10\x06garb")) // flags 0x06: invalid
			err := nativeError(t, hangsUp(t, rc.c))
			if !strings.Contains(err.Error(), "undecodable frame") {
				t.Fatalf("error %v", err)
			}
			logs.lineWith(t, "undecodable frame: closing connection", clientAttr(rc.c))
		}},
		{"GarbageAfterZEOHandshake", func(t *testing.T) {
			for _, hello := range []string{"Z5", "M5"} {
				c := dialRaw(t, addr)
				c.Write([]byte("\x00\x00\x00\x02" + hello + "\x00\x00\x00\x09\xffgarbage!"))
				if b := hangsUp(t, c); len(b) != 0 {
					t.Fatalf("%s: the server answered garbage with %q", hello, b)
				}
				logs.lineWith(t, "undecodable frame: closing connection", clientAttr(c))
			}
		}},
		{"WrongVersion", func(t *testing.T) {
			c := dialRaw(t, addr)
			c.Write(proto.AppendHello(nil, proto.Hello{Version: 2}))
			b := hangsUp(t, c)
			payload, _, err := proto.ReadHandshake(b)
			if err != nil {
				t.Fatal(err)
			}
			var ve *proto.VersionError
			if _, err := proto.DecodeServerHello(payload); !errorsAs(err, &ve) || ve.Client != 2 {
				t.Fatalf("answer to version 2: %v", err)
			}
			logs.lineWith(t, "protocol version mismatch", clientAttr(c), "client_version=2")
		}},
		{"FourGigabyteLength", func(t *testing.T) {
			rc := dialNative(t, addr)
			rc.write([]byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3})
			if err := nativeError(t, hangsUp(t, rc.c)); !strings.Contains(err.Error(), "frame length 4294967295") {
				t.Fatalf("error %v", err)
			}
			logs.lineWith(t, "refusing frame", clientAttr(rc.c), "length=4294967295")
		}},
		{"CutFrameThenSilence", func(t *testing.T) {
			rc := dialNative(t, addr) // not registered: no invalidations come
			rc.write([]byte{0, 0, 1, 0, 0, 0, 0, 9, 0x10, 0, 1, 2, 3})
			// The server cannot tell silence from a slow client: it keeps
			// the connection, holding the partial frame, and hangs up
			// cleanly when the client goes.
			rc.c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			if n, err := rc.c.Read(make([]byte, 1)); n != 0 || !isTimeout(err) {
				t.Fatalf("read %d bytes, %v: the server answered a partial frame", n, err)
			}
			local := clientAttr(rc.c)
			rc.c.Close()
			logs.lineWith(t, "client disconnected", local)
		}},
		{"ThousandsOfConnections", func(t *testing.T) { connectionFlood(t, addr) }},
		{"NeverReads", func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.(*net.TCPConn).SetReadBuffer(8 << 10)
			raw := &rawConn{t: t, c: c}
			raw.readRaw()
			raw.write(proto.AppendHello(nil, proto.Hello{Version: proto.Version}))
			raw.readRaw()
			register(t, raw)
			var reqs []byte
			for i := range 2000 { // 500 MB of replies
				reqs = (&proto.LoadBeforeRequest{Oid: 2, Before: proto.MaxTid}).AppendFrame(reqs, uint32(10+i))
			}
			c.SetWriteDeadline(time.Now().Add(10 * time.Second))
			c.Write(reqs)
			logs.lineWith(t, "client does not read its replies: disconnecting", clientAttr(c), "limit=20971520")
		}},
		{"DisconnectBetweenVoteAndFinish", func(t *testing.T) {
			rc := dialNative(t, addr)
			register(t, rc)
			rc.send(&proto.TpcBeginRequest{Txn: 1})
			rc.send(&proto.StoreRequest{Txn: 1, Oid: 50, Data: []byte("never finished")})
			if f := rc.call(&proto.VoteRequest{Txn: 1}); f.IsError() {
				t.Fatal(proto.DecodeError(f.Body))
			}
			local := clientAttr(rc.c)
			rc.c.Close()
			logs.lineWith(t, "client disconnected between vote and finish: aborting its transaction", local)
			// The locks are free: another client commits the same oid.
			other := dialNative(t, addr)
			register(t, other)
			commitOne(t, other, 1, 50, 0, []byte("committed after the abort"))
		}},
		{"HoldsLocksPastTimeout", func(t *testing.T) {
			holder := dialNative(t, addr)
			register(t, holder)
			holder.send(&proto.TpcBeginRequest{Txn: 1})
			holder.send(&proto.StoreRequest{Txn: 1, Oid: 60, Data: []byte("held")})
			if f := holder.call(&proto.VoteRequest{Txn: 1}); f.IsError() {
				t.Fatal(proto.DecodeError(f.Body))
			}
			// A bystander on another oid votes at once, and its finish
			// waits (commits finish in tid order) behind the holder: it
			// is not the one holding things up, and must not be timed out
			// with it.
			bystander, err := dialErr("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer bystander.Close()
			var bystanderErr error
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, bystanderErr = bystander.commit(1, map[proto.Oid][]byte{61: []byte("voted after the holder")})
			}()
			// A second committer waits for the lock, and gets it when the
			// holder is thrown out.
			waiter := dialNative(t, addr)
			register(t, waiter)
			start := time.Now()
			commitOne(t, waiter, 1, 60, 0, []byte("after the timeout"))
			if waited := time.Since(start); waited < 200*time.Millisecond {
				t.Fatalf("the waiter committed after %v, before the holder's timeout", waited)
			}
			wg.Wait()
			if bystanderErr != nil {
				t.Fatalf("the bystander, queued behind the holder, failed: %v", bystanderErr)
			}
			hangsUp(t, holder.c)
			logs.lineWith(t, "transaction timeout", clientAttr(holder.c), "limit=400ms")
		}},
		{"UnknownOperation", func(t *testing.T) {
			rc := dialNative(t, addr)
			register(t, rc)
			rc.write([]byte{0, 0, 0, 6, 0, 0, 0, 7, 0x7e, 0})
			if err := nativeError(t, hangsUp(t, rc.c)); !strings.Contains(err.Error(), "invalid method") {
				t.Fatalf("error %v", err)
			}
			logs.lineWith(t, "invalid method: closing connection", clientAttr(rc.c))
			z := dialRaw(t, addr)
			z.Write([]byte("\x00\x00\x00\x02Z5"))
			z.Write(zeoCall(zeo5.Pickle, 1, "register", func(w *zeo5.Writer) { w.BeginTuple(2); w.Str("1"); w.Bool(false); w.End() }))
			z.Write(zeoCall(zeo5.Pickle, 2, "frobnicate", func(w *zeo5.Writer) { w.BeginTuple(0); w.End() }))
			hangsUp(t, z)
			logs.lineWith(t, "invalid method: closing connection", clientAttr(z), "method=frobnicate")
		}},
		{"WrongArgumentTypes", func(t *testing.T) {
			for _, enc := range []zeo5.Encoding{zeo5.Pickle, zeo5.Msgpack} {
				hello := map[zeo5.Encoding]string{zeo5.Pickle: "Z5", zeo5.Msgpack: "M5"}[enc]
				reg := zeoCall(enc, 1, "register", func(w *zeo5.Writer) { w.BeginTuple(2); w.Str("1"); w.Bool(false); w.End() })
				for _, call := range [][]byte{
					zeoCall(enc, 2, "loadBefore", func(w *zeo5.Writer) { w.BeginTuple(2); w.Int(1); w.Bin(make([]byte, 8)); w.End() }),
					zeoCall(enc, 2, "storea", func(w *zeo5.Writer) {
						w.BeginTuple(4)
						w.Bin(make([]byte, 8))
						w.Bin(make([]byte, 8))
						w.Str("text, not bytes")
						w.Int(1)
						w.End()
					}),
				} {
					z := dialRaw(t, addr)
					z.Write(append([]byte("\x00\x00\x00\x02"+hello), append(reg, call...)...))
					hangsUp(t, z)
					logs.lineWith(t, "undecodable frame: closing connection", clientAttr(z), "arguments")
				}
			}
			rc := dialNative(t, addr)
			register(t, rc)
			rc.write([]byte{0, 0, 0, 9, 0, 0, 0, 7, byte(proto.OpLoadBefore), 0, 1, 2, 3}) // 3 of 16 body bytes
			if err := nativeError(t, hangsUp(t, rc.c)); !strings.Contains(err.Error(), "undecodable frame") {
				t.Fatalf("error %v", err)
			}
			logs.lineWith(t, "undecodable frame: closing connection", clientAttr(rc.c))
		}},
		{"UnknownStorage", func(t *testing.T) {
			rc := dialNative(t, addr)
			f := rc.call(&proto.RegisterRequest{Storage: "nope"})
			if err := proto.DecodeError(f.Body); !f.IsError() || !strings.Contains(err.Error(), `unknown storage "nope"`) {
				t.Fatalf("register nope: %v", err)
			}
			logs.lineWith(t, "register for an unknown storage", clientAttr(rc.c), "storage=nope")
			register(t, rc) // the connection is still usable
		}},
		{"BeforeRegister", func(t *testing.T) {
			rc := dialNative(t, addr)
			rc.write((&proto.LoadBeforeRequest{Oid: 1, Before: proto.MaxTid}).AppendFrame(nil, 3))
			if err := nativeError(t, hangsUp(t, rc.c)); !strings.Contains(err.Error(), "called before register") {
				t.Fatalf("error %v", err)
			}
			logs.lineWith(t, "call before register: closing connection", clientAttr(rc.c), "method=loadBefore")
			z := dialRaw(t, addr)
			z.Write([]byte("\x00\x00\x00\x02Z5"))
			z.Write(zeoCall(zeo5.Pickle, 1, "loadBefore", func(w *zeo5.Writer) {
				w.BeginTuple(2)
				w.Bin(make([]byte, 8))
				w.Bin([]byte{0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
				w.End()
			}))
			hangsUp(t, z)
			logs.lineWith(t, "call before register: closing connection", clientAttr(z))
		}},
		{"HugeAllowedFrame", func(t *testing.T) {
			rc := dialNative(t, addr)
			register(t, rc)
			huge := bytes.Repeat([]byte("big object, allowed; "), 15<<20/21) // ~15 MB, under the 16 MB limit
			tid := commitOne(t, rc, 1, 70, 0, huge)
			f := rc.call(&proto.LoadSerialRequest{Oid: 70, Serial: tid})
			var ls proto.LoadSerialReply
			if f.IsError() || ls.Decode(f.Body) != nil || !bytes.Equal(ls.Data, huge) {
				t.Fatalf("loading the huge object back: %v", proto.DecodeError(f.Body))
			}
		}},
	}
	starts := make([]time.Time, len(cases))
	for i, c := range cases {
		starts[i] = time.Now()
		if !t.Run(c.name, c.run) {
			t.Fatalf("server log:\n%s", logs)
		}
	}

	loader.finish()
	writer.finish()
	peakInuse := peak()
	if loader.failure != nil || writer.failure != nil {
		t.Fatalf("the well-behaved clients were not served: %v; %v\n%s", loader.failure, writer.failure, logs)
	}
	slowCase := cases[0].name
	for i := range cases {
		if !loader.maxAt.Before(starts[i]) {
			slowCase = cases[i].name
		}
	}
	if loader.maxLat > time.Second {
		t.Fatalf("the well-behaved loader's slowest load took %v (during %s)", loader.maxLat, slowCase)
	}
	waitConns(t, s, baseConns-2)

	runtime.GC()
	runtime.GC() // twice: sync.Pool keeps its victims over one
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapInuse) - int64(before.HeapInuse)
	if grew > 32<<20 {
		t.Fatalf("heap in use grew by %d MB over the storm", grew>>20)
	}
	if peakGrew := int64(peakInuse) - int64(before.HeapInuse); peakGrew > 384<<20 {
		t.Fatalf("heap in use peaked %d MB above its level before the storm", peakGrew>>20)
	}

	// Nothing committed is lost.
	check := dialNative(t, addr)
	register(t, check)
	if data, _ := loadData(t, check, 2); !bytes.Equal(data, big) {
		t.Fatal("the big object changed")
	}
	for _, a := range writer.acked {
		f := check.call(&proto.LoadSerialRequest{Oid: a.oid, Serial: a.tid})
		var ls proto.LoadSerialReply
		if f.IsError() || ls.Decode(f.Body) != nil || !bytes.Equal(ls.Data, a.data) {
			t.Fatalf("commit %s of oid %s lost: %v", a.tid, a.oid, proto.DecodeError(f.Body))
		}
	}
	rep, err := fsstore.VerifyFile(path, nil)
	if err != nil || rep.Problem != "" {
		t.Fatalf("fstest after the storm: %v (%+v)", err, rep)
	}
	t.Logf("during the storm the well-behaved loader did %d loads (slowest %v, during %s) and the writer %d commits; heap in use %+d KB after, peak %+d MB",
		loader.loads, loader.maxLat.Round(time.Microsecond), slowCase, len(writer.acked), grew>>10, (int64(peakInuse)-int64(before.HeapInuse))>>20)
}
