package engine

import (
	"bytes"
	"testing"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/zeo5"
)

// benchConn is a registered connection over a memStore with one object,
// driven without sockets: it measures the server's CPU per request
// (decode, storage lookup and copy, encode).
func benchConn(tb testing.TB, cd codec) (*conn, *memStore) {
	tb.Helper()
	ms := newMemStore()
	ms.revs[1] = []memRev{{tid: 0x03f58e0004444444, data: bytes.Repeat([]byte("x"), 200)}}
	ms.last = 0x03f58e0004444444
	s, err := New([]NamedStorage{{Name: "1", Storage: ms}}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	c := &conn{srv: s, codec: cd, phase: phaseActive, log: s.log}
	c.st = s.storages["1"]
	return c, ms
}

func nativeLoadFrame() []byte {
	f := (&proto.LoadBeforeRequest{Oid: 1, Before: proto.MaxTid}).AppendFrame(nil, 9)
	return f[4:]
}

func zeoLoadFrame(tb testing.TB, enc zeo5.Encoding) []byte {
	w := zeo5.NewWriter(enc, nil)
	id := []byte{0, 0, 0, 0, 0, 0, 0, 1}
	max := []byte{0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	// msgid = (oid, tid) as stock clients send it
	w2 := zeo5.NewWriter(enc, nil)
	w2.BeginTuple(2)
	w2.Bin(id)
	w2.Bin(max)
	w2.End()
	msgid := w2.Bytes()
	w.BeginCallID(msgid, "loadBefore")
	w.BeginTuple(2)
	w.Bin(id)
	w.Bin(max)
	w.End()
	if err := w.EndMessage(); err != nil {
		tb.Fatal(err)
	}
	return w.Bytes()[4:]
}

func serveOne(c *conn, payload []byte) {
	c.out = c.out[:0]
	c.handleFrame(payload)
}

func TestServerLoadNoAllocs(t *testing.T) {
	for name, cd := range map[string]func() codec{
		"native":  func() codec { return nativeCodec{} },
		"pickle":  func() codec { return zeoCodecFor(false) },
		"msgpack": func() codec { return zeoCodecFor(true) },
	} {
		t.Run(name, func(t *testing.T) {
			c, _ := benchConn(t, cd())
			var payload []byte
			switch name {
			case "native":
				payload = nativeLoadFrame()
			case "pickle":
				payload = zeoLoadFrame(t, zeo5.Pickle)
			default:
				payload = zeoLoadFrame(t, zeo5.Msgpack)
			}
			serveOne(c, payload)
			if len(c.out) < 200 || !bytes.Contains(c.out, bytes.Repeat([]byte("x"), 200)) {
				t.Fatalf("no data in the reply: %x", c.out)
			}
			if n := testing.AllocsPerRun(100, func() { serveOne(c, payload) }); n != 0 {
				t.Fatalf("%v allocations per load", n)
			}
		})
	}
}

func BenchmarkServerLoad(b *testing.B) {
	for _, name := range []string{"native", "pickle", "msgpack"} {
		b.Run(name, func(b *testing.B) {
			var c *conn
			var payload []byte
			switch name {
			case "native":
				c, _ = benchConn(b, nativeCodec{})
				payload = nativeLoadFrame()
			case "pickle":
				c, _ = benchConn(b, zeoCodecFor(false))
				payload = zeoLoadFrame(b, zeo5.Pickle)
			default:
				c, _ = benchConn(b, zeoCodecFor(true))
				payload = zeoLoadFrame(b, zeo5.Msgpack)
			}
			b.ReportAllocs()
			b.SetBytes(200)
			for b.Loop() {
				serveOne(c, payload)
			}
		})
	}
}
