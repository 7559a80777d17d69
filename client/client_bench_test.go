// Benchmarks: loads from the cache, loads over the loopback round trip
// (sequential and pipelined from many goroutines), and small commits.

package client

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

// Sink keeps benchmark results alive.
var Sink atomic.Uint64

// benchClient starts a server and a client holding n objects of size
// bytes each.
func benchClient(b *testing.B, n, size int) (*Client, []proto.Oid) {
	b.Helper()
	ts := newServer(b)
	c := openClient(b, []string{ts.Addr}, nil)
	oids, err := c.NewOIDs(n)
	if err != nil {
		b.Fatal(err)
	}
	data := map[proto.Oid][]byte{}
	for _, oid := range oids {
		data[oid] = []byte(strings.Repeat("x", size))
	}
	commit(b, c, nil, data)
	return c, oids
}

func BenchmarkLoadCacheHit(b *testing.B) {
	for _, size := range []int{100, 4096} {
		b.Run(sizeName(size), func(b *testing.B) {
			c, oids := benchClient(b, 1, size)
			buf := make([]byte, 0, size)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			b.ResetTimer()
			for b.Loop() {
				data, _, err := c.Load(oids[0], buf)
				if err != nil {
					b.Fatal(err)
				}
				Sink.Add(uint64(len(data)))
			}
		})
	}
}

func BenchmarkLoadCacheHitParallel(b *testing.B) {
	c, oids := benchClient(b, 64, 100)
	b.ReportAllocs()
	b.SetBytes(100)
	b.ResetTimer()
	var next atomic.Uint64
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 0, 128)
		i := next.Add(1)
		for pb.Next() {
			i++
			data, _, err := c.Load(oids[i%uint64(len(oids))], buf)
			if err != nil {
				b.Error(err)
				return
			}
			Sink.Add(uint64(len(data)))
		}
	})
}

// BenchmarkLoadRoundTrip bypasses the cache: every load is a LoadBefore
// request to the server and its reply.
func BenchmarkLoadRoundTrip(b *testing.B) {
	for _, size := range []int{100, 4096} {
		b.Run(sizeName(size), func(b *testing.B) {
			c, oids := benchClient(b, 1, size)
			c.noCache = true
			buf := make([]byte, 0, size)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			b.ResetTimer()
			for b.Loop() {
				data, _, _, err := c.LoadBefore(oids[0], proto.MaxTid, buf)
				if err != nil {
					b.Fatal(err)
				}
				Sink.Add(uint64(len(data)))
			}
		})
	}
}

// BenchmarkLoadRoundTripParallel: many goroutines load distinct objects
// (so that no request is shared) over the one connection; requests and
// replies are pipelined.
func BenchmarkLoadRoundTripParallel(b *testing.B) {
	c, oids := benchClient(b, 256, 100)
	c.noCache = true
	b.ReportAllocs()
	b.SetBytes(100)
	b.SetParallelism(8)
	b.ResetTimer()
	var next atomic.Uint64
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 0, 128)
		i := next.Add(1) * 31
		for pb.Next() {
			i++
			data, _, _, err := c.LoadBefore(oids[i%uint64(len(oids))], proto.MaxTid, buf)
			if err != nil {
				b.Error(err)
				return
			}
			Sink.Add(uint64(len(data)))
		}
	})
}

// BenchmarkStore: one-way stores of 100-byte objects pipelined in one
// transaction (aborted at the end).
func BenchmarkStore(b *testing.B) {
	c, _ := benchClient(b, 1, 100)
	data := []byte(strings.Repeat("s", 100))
	tx, err := c.TpcBegin(proto.TxnMeta{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	i := proto.Oid(1000)
	for b.Loop() {
		i++
		if err := tx.Store(i, 0, data); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := tx.Abort(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCommit: one small object per transaction (begin, store, vote,
// finish), fsync included on the server side.
func BenchmarkCommit(b *testing.B) {
	c, oids := benchClient(b, 1, 100)
	_, serial, err := c.Load(oids[0], nil)
	if err != nil {
		b.Fatal(err)
	}
	data := []byte(strings.Repeat("y", 100))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		tx, err := c.TpcBegin(proto.TxnMeta{})
		if err != nil {
			b.Fatal(err)
		}
		if err := tx.Store(oids[0], serial, data); err != nil {
			b.Fatal(err)
		}
		if cs, err := tx.Vote(); err != nil || len(cs) > 0 {
			b.Fatal(cs, err)
		}
		if serial, err = tx.Finish(); err != nil {
			b.Fatal(err)
		}
	}
}

func sizeName(n int) string {
	if n >= 1024 {
		return "size=" + itoa(n/1024) + "KiB"
	}
	return "size=" + itoa(n) + "B"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
