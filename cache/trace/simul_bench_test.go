package trace

import (
	"io"
	"sync"
	"testing"

	"github.com/gozeo/gozeo/cache"
)

var benchTraces = sync.OnceValue(func() map[string][]Event {
	return map[string][]Event{
		"zipf": GenerateEvents(GenConfig{Seed: 1, Objects: 5000, Loads: 100000, ZipfS: 1.1}),
		"scan": GenerateEvents(GenConfig{Seed: 1, Objects: 5000, Loads: 100000, ZipfS: 1.1, ScanEvery: 10000, ScanLength: 3000}),
	}
})

// BenchmarkHitRatio replays the zipf and zipf+scan traces through a 1 MB
// cache per policy, reporting the hit ratio and the cost per event.
func BenchmarkHitRatio(b *testing.B) {
	for _, name := range []string{"zipf", "scan"} {
		evs := benchTraces()[name]
		for _, p := range cache.Policies() {
			b.Run(name+"/"+p.Name(), func(b *testing.B) {
				b.ReportAllocs()
				var r SimResult
				for b.Loop() {
					s, err := NewSimulator(p, 1<<20)
					if err != nil {
						b.Fatal(err)
					}
					for i := range evs {
						s.Apply(&evs[i])
					}
					r = s.Result()
					s.Close()
				}
				b.ReportMetric(r.HitRatio(), "hit%")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(evs)), "ns/event")
			})
		}
	}
}

// BenchmarkReader decodes a generated trace from memory.
func BenchmarkReader(b *testing.B) {
	evs := benchTraces()["zipf"]
	raw := encode(evs)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewReader(bytesReader(raw))
		var ev Event
		for r.Next(&ev) {
		}
	}
}

func bytesReader(b []byte) *bytesReaderT { return &bytesReaderT{b: b} }

type bytesReaderT struct{ b []byte }

func (r *bytesReaderT) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}
