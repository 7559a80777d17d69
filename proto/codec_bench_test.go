// Benchmarks of the hot-path codecs: LoadBefore, Store,
// InvalidateTransaction and ReadFrame.

package proto

import (
	"strconv"
	"sync/atomic"
	"testing"
)

// Sink keeps results alive so the compiler cannot drop the work.
var Sink atomic.Uint64

var benchSizes = []int{64, 4096, 65536}

func BenchmarkLoadBeforeRequestEncode(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 64)
	for i := 0; b.Loop(); i++ {
		req := LoadBeforeRequest{Oid: Oid(i), Before: MaxTid}
		buf = req.AppendFrame(buf[:0], uint32(i))
	}
	Sink.Add(uint64(len(buf)))
}

func BenchmarkLoadBeforeRequestDecode(b *testing.B) {
	b.ReportAllocs()
	frame := (&LoadBeforeRequest{Oid: 0xaa, Before: MaxTid}).AppendFrame(nil, 1)
	var req LoadBeforeRequest
	for b.Loop() {
		f, _, err := ReadFrame(frame, 0)
		if err != nil || req.Decode(f.Body) != nil {
			b.Fatal("decode failed")
		}
	}
	Sink.Add(uint64(req.Oid))
}

func BenchmarkLoadBeforeReplyEncode(b *testing.B) {
	for _, size := range benchSizes {
		b.Run("size="+strconv.Itoa(size), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size))
			data := make([]byte, size)
			buf := make([]byte, 0, size+64)
			for b.Loop() {
				dst, start, mark := StartLoadBeforeReply(buf[:0], 1)
				dst = append(dst, data...)
				buf = FinishLoadBeforeReply(dst, start, mark, tid1, tid2)
			}
			Sink.Add(uint64(len(buf)))
		})
	}
}

func BenchmarkLoadBeforeReplyDecode(b *testing.B) {
	for _, size := range benchSizes {
		b.Run("size="+strconv.Itoa(size), func(b *testing.B) {
			b.ReportAllocs()
			frame := (&LoadBeforeReply{Found: true, Data: make([]byte, size), Start: tid1}).AppendFrame(nil, 1)
			var rep LoadBeforeReply
			for b.Loop() {
				f, _, err := ReadFrame(frame, 0)
				if err != nil || rep.Decode(f.Body) != nil {
					b.Fatal("decode failed")
				}
			}
			Sink.Add(uint64(len(rep.Data)))
		})
	}
}

func BenchmarkStoreEncode(b *testing.B) {
	for _, size := range benchSizes {
		b.Run("size="+strconv.Itoa(size), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size))
			data := make([]byte, size)
			buf := make([]byte, 0, size+64)
			for i := 0; b.Loop(); i++ {
				m := StoreRequest{Txn: txnX, Oid: Oid(i), Serial: tid1, Data: data}
				buf = m.AppendFrame(buf[:0], 0)
			}
			Sink.Add(uint64(len(buf)))
		})
	}
}

func BenchmarkStoreDecode(b *testing.B) {
	for _, size := range benchSizes {
		b.Run("size="+strconv.Itoa(size), func(b *testing.B) {
			b.ReportAllocs()
			frame := (&StoreRequest{Txn: txnX, Oid: 1, Serial: tid1, Data: make([]byte, size)}).AppendFrame(nil, 0)
			var m StoreRequest
			for b.Loop() {
				f, _, err := ReadFrame(frame, 0)
				if err != nil || m.Decode(f.Body) != nil {
					b.Fatal("decode failed")
				}
			}
			Sink.Add(uint64(len(m.Data)))
		})
	}
}

func benchOids(n int) []Oid {
	oids := make([]Oid, n)
	for i := range oids {
		oids[i] = Oid(i * 7)
	}
	return oids
}

func BenchmarkInvalidateTransactionEncode(b *testing.B) {
	for _, n := range []int{1, 10, 1000} {
		b.Run("oids="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			m := InvalidateTransaction{Tid: tid2, Oids: benchOids(n)}
			buf := make([]byte, 0, 16+8*n)
			for b.Loop() {
				buf = m.AppendFrame(buf[:0], 0)
			}
			Sink.Add(uint64(len(buf)))
		})
	}
}

func BenchmarkInvalidateTransactionDecode(b *testing.B) {
	for _, n := range []int{1, 10, 1000} {
		b.Run("oids="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			frame := (&InvalidateTransaction{Tid: tid2, Oids: benchOids(n)}).AppendFrame(nil, 0)
			var m InvalidateTransaction // its Oids slice is reused across iterations
			for b.Loop() {
				f, _, err := ReadFrame(frame, 0)
				if err != nil || m.Decode(f.Body) != nil {
					b.Fatal("decode failed")
				}
			}
			Sink.Add(uint64(len(m.Oids)))
		})
	}
}

func BenchmarkReadFrame(b *testing.B) {
	b.ReportAllocs()
	// A read buffer holding a pipeline of 16 loadBefore requests, as the
	// server sees it from the event loop.
	var buf []byte
	for i := 0; i < 16; i++ {
		buf = (&LoadBeforeRequest{Oid: Oid(i), Before: MaxTid}).AppendFrame(buf, uint32(i))
	}
	b.SetBytes(int64(len(buf)) / 16)
	var ids uint64
	for b.Loop() {
		rest := buf
		for len(rest) > 0 {
			f, n, err := ReadFrame(rest, 0)
			if err != nil || n == 0 {
				b.Fatal("frame")
			}
			ids += uint64(f.MsgID)
			rest = rest[n:]
		}
	}
	Sink.Add(ids)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*16), "ns/frame")
}

// BenchmarkLoadBeforeRoundTripPar runs the server's share of a load
// (decode the request, encode a 4 KiB reply) on every P.
func BenchmarkLoadBeforeRoundTripPar(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(4096)
	req := (&LoadBeforeRequest{Oid: 0xaa, Before: MaxTid}).AppendFrame(nil, 1)
	data := make([]byte, 4096)
	b.RunParallel(func(pb *testing.PB) {
		var m LoadBeforeRequest
		out := make([]byte, 0, 8192)
		for pb.Next() {
			f, _, err := ReadFrame(req, 0)
			if err != nil || m.Decode(f.Body) != nil {
				panic("decode failed")
			}
			dst, start, mark := StartLoadBeforeReply(out[:0], f.MsgID)
			dst = append(dst, data...)
			out = FinishLoadBeforeReply(dst, start, mark, tid1, 0)
		}
		Sink.Add(uint64(len(out)))
	})
}
