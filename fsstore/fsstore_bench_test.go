// Benchmarks: loads, index lookups, commits (single and parallel), open
// with the index and by scan on a generated 1 M-record file, GC pause with
// 10 M oids.

package fsstore

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
)

// Sink keeps results alive.
var Sink atomic.Uint64

func randomOids(n, max int) []proto.Oid {
	rng := rand.New(rand.NewPCG(1, 1))
	r := make([]proto.Oid, n)
	for i := range r {
		r[i] = proto.Oid(rng.IntN(max))
	}
	return r
}

// BenchmarkLoad loads current revisions: "random" over 50,000 oids spread
// through a 40 MB log (cache and TLB misses dominate), "hot" over 64 oids.
func BenchmarkLoad(b *testing.B) {
	s, _ := genStore(b, 200_000, nil)
	fileBytes(b, s.Path())
	for _, c := range []struct {
		name string
		n    int
	}{{"random", 50_000}, {"hot", 64}} {
		b.Run(c.name, func(b *testing.B) {
			oids := randomOids(1<<16, c.n)
			dst := make([]byte, 0, 4096)
			b.ReportAllocs()
			b.SetBytes(150)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d, _, err := s.Load(oids[i&(1<<16-1)], dst)
				if err != nil {
					b.Fatal(err)
				}
				Sink.Add(uint64(len(d)))
			}
		})
	}
}

func BenchmarkLoadPar(b *testing.B) {
	s, _ := genStore(b, 200_000, nil)
	fileBytes(b, s.Path())
	oids := randomOids(1<<16, 50_000)
	b.ReportAllocs()
	b.SetBytes(150)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		dst := make([]byte, 0, 4096)
		i := rand.IntN(1 << 16)
		for pb.Next() {
			d, _, err := s.Load(oids[i&(1<<16-1)], dst)
			if err != nil {
				b.Fatal(err)
			}
			i++
			Sink.Add(uint64(len(d)))
		}
	})
}

// oldRevisions returns (oid, before) pairs that select each oid's oldest
// revision, so LoadBefore walks the whole prev chain.
func oldRevisions(b *testing.B, s *Store, oids []proto.Oid) []proto.Tid {
	r := make([]proto.Tid, len(oids))
	for i, oid := range oids {
		h, err := s.History(oid, 1000)
		if err != nil {
			b.Fatal(err)
		}
		r[i] = h[len(h)-1].Tid + 1
	}
	return r
}

func BenchmarkLoadBefore(b *testing.B) {
	s, _ := genStore(b, 200_000, nil)
	fileBytes(b, s.Path())
	oids := randomOids(1<<12, 50_000)
	befores := oldRevisions(b, s, oids)
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.SetBytes(150)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i & (1<<12 - 1)
		d, _, _, err := s.LoadBefore(oids[j], befores[j], dst)
		if err != nil {
			b.Fatal(err)
		}
		Sink.Add(uint64(len(d)))
	}
}

func BenchmarkTryLoadBefore(b *testing.B) {
	s, _ := genStore(b, 200_000, nil)
	fileBytes(b, s.Path())
	oids := randomOids(1<<12, 50_000)
	befores := oldRevisions(b, s, oids)
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.SetBytes(150)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i & (1<<12 - 1)
		d, _, _, err := s.TryLoadBefore(oids[j], befores[j], dst)
		if err != nil {
			b.Fatal(err)
		}
		Sink.Add(uint64(len(d)))
	}
}

func BenchmarkIndexGet(b *testing.B) {
	ix := newIndex()
	const n = 1 << 20
	for i := 0; i < n; i++ {
		ix.set(proto.Oid(i), int64(i)*200+4)
	}
	oids := randomOids(1<<16, n)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Sink.Add(uint64(ix.get(oids[i&(1<<16-1)])))
	}
}

func benchCommit(b *testing.B, objects int) {
	s, _ := newStore(b, nil)
	data := make([]byte, 150)
	serials := make([]proto.Tid, objects)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		txn, err := s.Begin(proto.TxnMeta{User: []byte("bench")})
		if err != nil {
			b.Fatal(err)
		}
		for o := 0; o < objects; o++ {
			if err := txn.Store(proto.Oid(o), serials[o], data); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := txn.Vote(); err != nil {
			b.Fatal(err)
		}
		tid, err := txn.Finish(nil)
		if err != nil {
			b.Fatal(err)
		}
		for o := range serials {
			serials[o] = tid
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(s.syncCount())/float64(b.N), "syncs/op")
}

func BenchmarkCommit(b *testing.B) {
	for _, n := range []int{1, 10} {
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) { benchCommit(b, n) })
	}
}

// BenchmarkCommitPar commits from many goroutines at once (disjoint oids,
// as the server's locks make them): finishes ready together share syncs.
func BenchmarkCommitPar(b *testing.B) {
	s, _ := newStore(b, nil)
	var next atomic.Uint64
	data := make([]byte, 150)
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		base := proto.Oid(next.Add(1) << 32)
		var serial proto.Tid
		for pb.Next() {
			txn, _ := s.Begin(proto.TxnMeta{})
			if err := txn.Store(base, serial, data); err != nil {
				b.Fatal(err)
			}
			if _, err := txn.Vote(); err != nil {
				b.Fatal(err)
			}
			tid, err := txn.Finish(nil)
			if err != nil {
				b.Fatal(err)
			}
			serial = tid
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(s.syncCount())/float64(b.N), "syncs/op")
}

var (
	bigOnce sync.Once
	bigPath string
	bigRes  GenerateResult
	bigErr  error
)

// bigFile generates the 1 M-record (~200 MB) file once per process, in a
// directory removed by TestMain.
func bigFile(b *testing.B) (string, GenerateResult) {
	bigOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fsstore-bench-")
		if err != nil {
			bigErr = err
			return
		}
		benchDirs = append(benchDirs, dir)
		bigPath = filepath.Join(dir, "Data.fs")
		start := time.Now()
		bigRes, bigErr = Generate(bigPath, GenerateOptions{}, nil)
		if bigErr == nil {
			fmt.Fprintf(os.Stderr, "generated %d records, %d bytes in %v\n", bigRes.Records, bigRes.Size, time.Since(start))
			// Write the index file once.
			var s *Store
			if s, bigErr = Open(bigPath, nil); bigErr == nil {
				bigErr = s.Close()
			}
		}
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	fileBytes(b, bigPath) // warm cache: the goal is stated for a warm cache
	return bigPath, bigRes
}

// BenchmarkOpen opens the generated 1 M-record file read-only, with our
// index file and by a full scan (NoIndex). MB/s is the scan rate.
func BenchmarkOpen(b *testing.B) {
	path, res := bigFile(b)
	for _, mode := range []string{"index", "scan"} {
		b.Run(mode, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(res.Size)
			var mem, n int64
			for i := 0; i < b.N; i++ {
				s, err := Open(path, &Options{ReadOnly: true, NoIndex: mode == "scan"})
				if err != nil {
					b.Fatal(err)
				}
				if s.usedIndex != (mode == "index") || s.LastTransaction() != res.LastTid {
					b.Fatalf("used index %v, last %s", s.usedIndex, s.LastTransaction())
				}
				mem, n = s.IndexMemory(), int64(s.Len())
				s.Close()
			}
			b.ReportMetric(float64(mem)/float64(n), "index-B/oid")
		})
	}
}

// BenchmarkIndexGC10M measures a full GC with a 10 M-oid index live.
func BenchmarkIndexGC10M(b *testing.B) {
	ix := newIndex()
	const n = 10_000_000
	for i := 0; i < n; i++ {
		ix.set(proto.Oid(i), int64(i)*200+4)
	}
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runtime.GC()
	}
	b.StopTimer()
	var st runtime.MemStats
	runtime.ReadMemStats(&st)
	b.ReportMetric(float64(ix.memBytes())/n, "index-B/oid")
	b.ReportMetric(float64(st.PauseNs[(st.NumGC+255)%256])/1e3, "last-pause-µs")
	runtime.KeepAlive(ix)
}

var benchDirs []string

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range benchDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}
