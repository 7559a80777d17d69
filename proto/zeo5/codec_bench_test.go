// Benchmarks of the hot paths and of decoding every recorded frame.

package zeo5

import (
	"strconv"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

var (
	sinkOid proto.Oid
	sinkLen int
)

func BenchmarkDecodeLoadBefore(b *testing.B) {
	for _, mode := range modes {
		b.Run(mode.name, func(b *testing.B) {
			p := makeHotFrames(b, mode.enc, 0).loadBefore
			var d Decoder
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			for b.Loop() {
				m, err := d.Decode(mode.enc, p)
				if err != nil {
					b.Fatal(err)
				}
				oid, _, err := d.LoadBeforeArgs(&m)
				if err != nil {
					b.Fatal(err)
				}
				sinkOid = oid
			}
		})
	}
}

func BenchmarkDecodeLoadBeforePar(b *testing.B) {
	for _, mode := range modes {
		b.Run(mode.name, func(b *testing.B) {
			p := makeHotFrames(b, mode.enc, 0).loadBefore
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				var d Decoder
				for pb.Next() {
					m, err := d.Decode(mode.enc, p)
					if err != nil {
						b.Error(err)
						return
					}
					if _, _, err := d.LoadBeforeArgs(&m); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkDecodeStorea(b *testing.B) {
	for _, mode := range modes {
		for _, size := range []int{100, 4096, 1 << 20} {
			b.Run(mode.name+"/size="+strconv.Itoa(size), func(b *testing.B) {
				p := makeHotFrames(b, mode.enc, size).storea
				var d Decoder
				b.SetBytes(int64(len(p)))
				b.ReportAllocs()
				for b.Loop() {
					m, err := d.Decode(mode.enc, p)
					if err != nil {
						b.Fatal(err)
					}
					s, err := d.StoreaArgs(&m)
					if err != nil {
						b.Fatal(err)
					}
					sinkLen = len(s.Data)
				}
			})
		}
	}
}

func BenchmarkDecodeVote(b *testing.B) {
	for _, mode := range modes {
		b.Run(mode.name, func(b *testing.B) {
			p := makeHotFrames(b, mode.enc, 0).vote
			var d Decoder
			b.ReportAllocs()
			for b.Loop() {
				m, err := d.Decode(mode.enc, p)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := d.TxnArgs(&m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkLoadBeforeReplyInPlace(b *testing.B) {
	for _, mode := range modes {
		for _, size := range []int{100, 4096, 1 << 20} {
			b.Run(mode.name+"/size="+strconv.Itoa(size), func(b *testing.B) {
				data := make([]byte, size)
				msgid := makeHotFrames(b, mode.enc, 0).loadBefore[1:] // any bytes: only copied
				msgid = msgid[:20]
				buf := make([]byte, 0, size+256)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					var m DataMark
					buf, m = BeginLoadBeforeReply(buf[:0], mode.enc, msgid)
					buf = append(buf, data...)
					var err error
					if buf, err = FinishLoadBeforeReply(buf, m, 1, 2, true); err != nil {
						b.Fatal(err)
					}
				}
				sinkLen = len(buf)
			})
		}
	}
}

func BenchmarkInvalidateTransaction(b *testing.B) {
	for _, mode := range modes {
		for _, n := range []int{10, 1000} {
			b.Run(mode.name+"/oids="+strconv.Itoa(n), func(b *testing.B) {
				oids := make([]proto.Oid, n)
				for i := range oids {
					oids[i] = proto.Oid(i)
				}
				buf := make([]byte, 0, 64+20*n)
				b.ReportAllocs()
				for b.Loop() {
					var err error
					if buf, err = AppendInvalidateTransaction(buf[:0], mode.enc, 0x03f58e0011111111, oids); err != nil {
						b.Fatal(err)
					}
				}
				sinkLen = len(buf)
			})
		}
	}
}

// BenchmarkDecodeRecorded decodes every RPC frame of a recorded conversation
// (one op = the whole recording).
func BenchmarkDecodeRecorded(b *testing.B) {
	for _, mode := range modes {
		b.Run(mode.name, func(b *testing.B) {
			var frames [][]byte
			var total int64
			for _, r := range loadRecording(b, mode.name) {
				if isRPC(r.Kind) {
					frames = append(frames, r.payload)
					total += int64(len(r.payload))
				}
			}
			var d Decoder
			b.SetBytes(total)
			b.ReportAllocs()
			for b.Loop() {
				for _, p := range frames {
					if _, err := d.Decode(mode.enc, p); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(len(frames)), "frames/op")
		})
	}
}

// BenchmarkReencodeRecorded re-encodes every decoded recorded frame.
func BenchmarkReencodeRecorded(b *testing.B) {
	for _, mode := range modes {
		b.Run(mode.name, func(b *testing.B) {
			var frames [][]byte
			for _, r := range loadRecording(b, mode.name) {
				if isRPC(r.Kind) {
					frames = append(frames, r.payload)
				}
			}
			ds := make([]Decoder, len(frames))
			ms := make([]Message, len(frames))
			for i, p := range frames {
				var err error
				if ms[i], err = ds[i].Decode(mode.enc, p); err != nil {
					b.Fatal(err)
				}
			}
			w := NewWriter(mode.enc, nil)
			b.ReportAllocs()
			for b.Loop() {
				w.Reset(mode.enc, w.Bytes()[:0])
				for i := range ms {
					if err := w.Message(&ds[i], &ms[i]); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

func BenchmarkReplyGetInfo(b *testing.B) {
	for _, mode := range modes {
		b.Run(mode.name, func(b *testing.B) {
			w := NewWriter(mode.enc, nil)
			msgid := intID(mode.enc, 2)
			b.ReportAllocs()
			for b.Loop() {
				w.Reset(mode.enc, w.Bytes()[:0])
				if err := w.ReplyGetInfo(msgid, proto.StorageInfo{Name: "Data.fs", Length: 3, Size: 843}, FileStorageInterfaces); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
