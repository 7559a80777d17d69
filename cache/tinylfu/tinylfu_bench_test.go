package tinylfu

import "testing"

var sinkInt int

func BenchmarkAccess(b *testing.B) {
	f := New(1<<16, 1<<20)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		f.Access(uint64(i & 0xffff))
	}
}

func BenchmarkEstimate(b *testing.B) {
	f := New(1<<16, 1<<20)
	for i := 0; i < 1<<16; i++ {
		f.Access(uint64(i))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sinkInt += f.Estimate(uint64(i & 0xffff))
	}
}

func BenchmarkSketchReset(b *testing.B) {
	s := NewSketch(1 << 16)
	b.ReportAllocs()
	for b.Loop() {
		s.Reset()
	}
}
