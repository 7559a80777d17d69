package server

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

// BenchmarkServerCommit measures a whole commit through the engine and
// FileStorage over loopback (tpc_begin, stores, vote, tpc_finish with its
// fdatasync), one committer and 16 concurrent ones on disjoint objects
// (group commit). Allocations are the whole process's per commit: client
// side, engine and storage.
func BenchmarkServerCommit(b *testing.B) {
	for _, committers := range []int{1, 16} {
		for _, objects := range []int{1, 10} {
			b.Run(fmt.Sprintf("committers=%d/objects=%d", committers, objects), func(b *testing.B) {
				_, addr := startServer(b)
				conns := make([]*rawConn, committers)
				for i := range conns {
					conns[i] = dialNative(b, addr)
					register(b, conns[i])
				}
				data := make([]byte, 200)
				var next atomic.Int64
				b.ReportAllocs()
				b.ResetTimer()
				var wg sync.WaitGroup
				for i, rc := range conns {
					wg.Add(1)
					go func() {
						defer wg.Done()
						serials := make([]proto.Tid, objects)
						txn := uint64(i) << 40
						for next.Add(1) <= int64(b.N) {
							txn++
							rc.queue(&proto.TpcBeginRequest{Txn: txn})
							for o := range objects {
								oid := proto.Oid(uint64(i)<<20 | uint64(o))
								rc.queue(&proto.StoreRequest{Txn: txn, Oid: oid, Serial: serials[o], Data: data})
							}
							if f := rc.call(&proto.VoteRequest{Txn: txn}); f.IsError() {
								b.Error(proto.DecodeError(f.Body))
								return
							}
							f := rc.call(&proto.TpcFinishRequest{Txn: txn})
							var fin proto.TpcFinishReply
							if f.IsError() || fin.Decode(f.Body) != nil {
								b.Error(proto.DecodeError(f.Body))
								return
							}
							for o := range serials {
								serials[o] = fin.Tid
							}
						}
					}()
				}
				wg.Wait()
			})
		}
	}
}
