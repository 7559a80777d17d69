package client

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/compress"
	"github.com/gozeo/gozeo/tools/config"
)

// TestCompressedRecordsEndToEnd: a client that compresses its stores and
// accepts compressed records keeps them compressed in its cache (more
// objects per byte) and always returns plain data; a plain client of the
// same server reads plain data; the server stores what it received.
func TestCompressedRecordsEndToEnd(t *testing.T) {
	for _, codec := range []compress.Codec{compress.Zlib, compress.Zstd, compress.S2} {
		t.Run(codec.String(), func(t *testing.T) {
			ts := startServer(t, filepath.Join(t.TempDir(), "Data.fs"), "127.0.0.1:0", func(*config.Config) {})
			o := fastOptions()
			o.CompressedRecords, o.CompressStores = true, codec
			zc := openClient(t, []string{ts.Addr}, o)
			plain := openClient(t, []string{ts.Addr}, fastOptions())
			record := bytes.Repeat([]byte("persistent.mapping PersistentMapping data "), 40)
			tid := commitOne(t, zc, 1, 0, record)

			stored, _, err := ts.srv.Backend("1").Store.Load(1, nil)
			if err != nil || compress.CodecOf(stored) != codec {
				t.Fatalf("server stored %d bytes of codec %v (%v), want %v", len(stored), compress.CodecOf(stored), err, codec)
			}
			// The committer's cache holds the compressed form; reads are plain.
			if st := zc.CacheStats(); st.BytesUsed >= int64(len(record)) {
				t.Fatalf("cache uses %d bytes for a %d-byte record: not kept compressed", st.BytesUsed, len(record))
			}
			for _, c := range []*Client{zc, plain} {
				data, start, _, err := c.LoadBefore(1, proto.MaxTid, nil)
				if err != nil || start != tid || !bytes.Equal(data, record) {
					t.Fatalf("load: %d bytes @%s %v", len(data), start, err)
				}
				// Again, from the cache.
				if data, _, _, err = c.LoadBefore(1, proto.MaxTid, make([]byte, 0, 4096)); err != nil || !bytes.Equal(data, record) {
					t.Fatalf("cached load: %d bytes %v", len(data), err)
				}
				if data, err = c.LoadSerial(1, tid, nil); err != nil || !bytes.Equal(data, record) {
					t.Fatalf("loadSerial: %d bytes %v", len(data), err)
				}
			}
			// A second compression-aware client caches what it received.
			zc2 := openClient(t, []string{ts.Addr}, &Options{CompressedRecords: true, MinDisconnectPoll: o.MinDisconnectPoll, MaxDisconnectPoll: o.MaxDisconnectPoll, WaitTimeout: o.WaitTimeout})
			if data, _, _, err := zc2.LoadBefore(1, proto.MaxTid, nil); err != nil || !bytes.Equal(data, record) {
				t.Fatalf("zc2 load: %v", err)
			}
			if st := zc2.CacheStats(); st.BytesUsed >= int64(len(record)) {
				t.Fatalf("zc2 cache uses %d bytes: records not kept as received", st.BytesUsed)
			}
			if raceEnabled {
				return // the race detector changes allocation counts
			}
			buf := make([]byte, 0, 4096)
			if n := testing.AllocsPerRun(100, func() { buf, _, _, _ = zc2.LoadBefore(1, proto.MaxTid, buf) }); n != 0 {
				t.Fatalf("compressed cache hit: %v allocations", n)
			}
		})
	}
}
