package tinylfu

import (
	"flag"
	"math/rand/v2"
	"testing"
)

func TestSketchExactWhenSparse(t *testing.T) {
	s := NewSketch(4096)
	truth := map[uint64]int{}
	r := rand.New(rand.NewPCG(1, 2))
	for k := uint64(0); k < 500; k++ {
		n := 1 + r.IntN(20)
		truth[k] = n
		for i := 0; i < n; i++ {
			s.Add(Hash(k))
		}
	}
	var over, exact int
	for k, n := range truth {
		want := min(n, MaxCount)
		got := int(s.Estimate(Hash(k)))
		if got < want {
			t.Fatalf("key %d: estimate %d below true count %d", k, got, want)
		}
		if got == want {
			exact++
		}
		over += got - want
	}
	// 500 keys in 4096 counters per row: collisions in all four rows are
	// rare, so nearly every estimate is exact.
	if exact < 480 || over > 60 {
		t.Fatalf("estimates too loose: %d/500 exact, total overestimate %d", exact, over)
	}
}

func TestSketchErrorBoundWhenCrowded(t *testing.T) {
	// Count-min bound: overestimate <= e*N/w with probability 1-e^-depth.
	// With conservative update the observed error is far below that.
	const w = 1024
	s := NewSketch(w)
	total := 0
	for k := uint64(0); k < 2000; k++ {
		s.Add(Hash(k))
		total++
	}
	hot := uint64(1 << 40)
	for i := 0; i < 5; i++ {
		s.Add(Hash(hot))
	}
	if got := s.Estimate(Hash(hot)); got < 5 || got > 5+uint8(2.72*float64(total)/w) {
		t.Fatalf("hot key estimate %d, want 5..%d", got, 5+int(2.72*float64(total)/w))
	}
	bad := 0
	for k := uint64(0); k < 2000; k++ {
		if e := s.Estimate(Hash(k)); e < 1 {
			t.Fatalf("key %d underestimated: %d", k, e)
		} else if e > 3 {
			bad++
		}
	}
	if bad > 20 {
		t.Fatalf("%d of 2000 single-use keys estimated above 3", bad)
	}
}

func TestSketchSaturatesAndHalves(t *testing.T) {
	s := NewSketch(64)
	h := Hash(42)
	for i := 0; i < 40; i++ {
		s.Add(h)
	}
	if got := s.Estimate(h); got != MaxCount {
		t.Fatalf("saturated estimate %d, want %d", got, MaxCount)
	}
	s.Reset()
	if got := s.Estimate(h); got != MaxCount/2 {
		t.Fatalf("after reset %d, want %d", got, MaxCount/2)
	}
	h2 := Hash(7)
	for i := 0; i < 5; i++ {
		s.Add(h2)
	}
	s.Reset()
	if got := s.Estimate(h2); got != 2 {
		t.Fatalf("5 halved = %d, want 2", got)
	}
	s.Reset()
	s.Reset()
	s.Reset()
	if got := s.Estimate(h); got != 0 {
		t.Fatalf("after four halvings of 15: %d, want 0", got)
	}
	s.Add(h)
	s.Clear()
	if got := s.Estimate(h); got != 0 {
		t.Fatalf("after Clear: %d", got)
	}
}

func TestSketchWidthRounding(t *testing.T) {
	for _, c := range []struct{ in, want int }{{0, 16}, {1, 16}, {17, 32}, {1000, 1024}, {1024, 1024}} {
		if got := NewSketch(c.in).Width(); got != c.want {
			t.Errorf("NewSketch(%d).Width() = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestSketchNoAllocs(t *testing.T) {
	s := NewSketch(1024)
	if n := testing.AllocsPerRun(100, func() { s.Add(Hash(3)); _ = s.Estimate(Hash(3)) }); n != 0 {
		t.Fatalf("Add+Estimate allocate %v times", n)
	}
}

var long = flag.Bool("long", false, "run the large sketch accuracy test")

// TestSketchAccuracyLong: a million adds over 100,000 zipf keys into
// 65,536 counters per row; the heaviest keys' estimates stay within the
// count-min bound e*N/w of the truth (capped at MaxCount).
func TestSketchAccuracyLong(t *testing.T) {
	if !*long {
		t.Skip("-long not set")
	}
	s := NewSketch(1 << 16)
	r := rand.New(rand.NewPCG(5, 5))
	z := rand.NewZipf(r, 1.2, 1, 99999)
	truth := map[uint64]int{}
	const n = 1000000
	for i := 0; i < n; i++ {
		k := z.Uint64()
		truth[k]++
		s.Add(Hash(k))
	}
	slack := 272 * n / 100 / (1 << 16)
	for k, c := range truth {
		got, want := int(s.Estimate(Hash(k))), min(c, MaxCount)
		if got < want || got > min(want+slack, MaxCount) {
			t.Fatalf("key %d: estimate %d, true %d (slack %d)", k, got, c, slack)
		}
	}
}
