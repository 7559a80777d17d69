package server

import (
	"bytes"
	"testing"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/compress"
	"github.com/gozeo/gozeo/proto/zeo5"
	"github.com/gozeo/gozeo/tools/config"
)

func dialNativeFeatures(t *testing.T, addr string, f proto.Features) *rawConn {
	t.Helper()
	rc := dialNativeRaw(t, addr)
	rc.write(proto.AppendHello(nil, proto.Hello{Version: proto.Version, Features: f}))
	sh, err := proto.DecodeServerHello(rc.readRaw())
	if err != nil || sh.Features != f {
		t.Fatalf("server hello %+v %v", sh, err)
	}
	return rc
}

// TestServerCompression: with compress zlib, records are stored as ".z" +
// zlib (zc.zlibstorage's format); clients that did not ask for compressed
// records load plain pickles; clients that did get them as stored.
func TestServerCompression(t *testing.T) {
	s, addr := startServerWith(t, func(c *config.Config) { c.Storages[0].Compress = compress.Zlib })
	plainC := dialNative(t, addr)
	register(t, plainC)
	record := bytes.Repeat([]byte("persistent.mapping PersistentMapping "), 20)
	plainC.send(&proto.TpcBeginRequest{Txn: 1})
	plainC.send(&proto.StoreRequest{Txn: 1, Oid: 0, Data: record})
	if f := plainC.call(&proto.VoteRequest{Txn: 1}); f.IsError() {
		t.Fatal(proto.DecodeError(f.Body))
	}
	f := plainC.call(&proto.TpcFinishRequest{Txn: 1})
	var fin proto.TpcFinishReply
	if f.IsError() || fin.Decode(f.Body) != nil {
		t.Fatal(proto.DecodeError(f.Body))
	}

	stored, _, err := s.Backend("1").Store.Load(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if compress.CodecOf(stored) != compress.Zlib || len(stored) >= len(record) {
		t.Fatalf("stored record is not zlib-compressed: %d bytes, %q...", len(stored), stored[:min(8, len(stored))])
	}

	loadData := func(rc *rawConn, before proto.Tid) []byte {
		f := rc.call(&proto.LoadBeforeRequest{Oid: 0, Before: before})
		var lb proto.LoadBeforeReply
		if f.IsError() || lb.Decode(f.Body) != nil || !lb.Found {
			t.Fatalf("load: %v", proto.DecodeError(f.Body))
		}
		return append([]byte(nil), lb.Data...)
	}
	if got := loadData(plainC, proto.MaxTid); !bytes.Equal(got, record) {
		t.Fatalf("plain client got %d bytes, want the plain record", len(got))
	}
	f = plainC.call(&proto.LoadSerialRequest{Oid: 0, Serial: fin.Tid})
	var ls proto.LoadSerialReply
	if f.IsError() || ls.Decode(f.Body) != nil || !bytes.Equal(ls.Data, record) {
		t.Fatalf("loadSerial: %v", proto.DecodeError(f.Body))
	}
	zc := dialNativeFeatures(t, addr, proto.FeatureCompressedRecords)
	register(t, zc)
	if got := loadData(zc, proto.MaxTid); !bytes.Equal(got, stored) {
		t.Fatalf("compression-aware client got %d bytes, want the stored %d", len(got), len(stored))
	}
}

// TestZEOClientGetsPlainRecords: a stock ZEO client (pickle and msgpack)
// loading from a compressed storage gets the plain pickle.
func TestZEOClientGetsPlainRecords(t *testing.T) {
	s, addr := startServerWith(t, func(c *config.Config) { c.Storages[0].Compress = compress.Zstd })
	record := bytes.Repeat([]byte("fixture_classes Item state "), 30)
	w := dialNative(t, addr)
	register(t, w)
	w.send(&proto.TpcBeginRequest{Txn: 1})
	w.send(&proto.StoreRequest{Txn: 1, Oid: 0, Data: record})
	if f := w.call(&proto.VoteRequest{Txn: 1}); f.IsError() {
		t.Fatal(proto.DecodeError(f.Body))
	}
	if f := w.call(&proto.TpcFinishRequest{Txn: 1}); f.IsError() {
		t.Fatal(proto.DecodeError(f.Body))
	}
	if stored, _, _ := s.Backend("1").Store.Load(0, nil); compress.CodecOf(stored) != compress.Zstd {
		t.Fatalf("stored record not zstd: %q", stored[:2])
	}
	for _, enc := range []zeo5.Encoding{zeo5.Pickle, zeo5.Msgpack} {
		c := dialNativeRaw(t, addr)
		c.write(zeo5.AppendHandshake(nil, enc))
		zw := zeo5.NewWriter(enc, nil)
		zw.BeginCall(1, "register")
		zw.BeginTuple(2)
		zw.Str("1")
		zw.Bool(false)
		zw.End()
		zw.EndMessage()
		oid := []byte{0, 0, 0, 0, 0, 0, 0, 0}
		max := []byte{0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
		zw.BeginCall(2, "loadBefore")
		zw.BeginTuple(2)
		zw.Bin(oid)
		zw.Bin(max)
		zw.End()
		if err := zw.EndMessage(); err != nil {
			t.Fatal(err)
		}
		c.write(zw.Bytes())
		c.readRaw() // register's reply
		var d zeo5.Decoder
		m, err := d.Decode(enc, c.readRaw())
		if err != nil {
			t.Fatal(err)
		}
		data, ok := d.Index(m.Args, 0).AsBytes()
		if !ok || !bytes.Equal(data, record) {
			t.Fatalf("%s client got %d bytes (%q...), want the plain %d-byte record", enc, len(data), data[:min(4, len(data))], len(record))
		}
	}
}
