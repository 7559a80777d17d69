package workload

import (
	"errors"
	"math"
	"testing"
)

func histogram(t *testing.T, k *Keys, draws int, seed uint64) []int {
	t.Helper()
	c := k.Chooser(seed)
	h := make([]int, k.N)
	for i := 0; i < draws; i++ {
		v := c.Next()
		if v < 0 || v >= k.N {
			t.Fatalf("rank %d out of [0, %d)", v, k.N)
		}
		h[v]++
	}
	return h
}

// share is the fraction of draws that fell on the top `top` ranks.
func share(h []int, top int) float64 {
	var in, all int
	for i, n := range h {
		all += n
		if i < top {
			in += n
		}
	}
	return float64(in) / float64(all)
}

func TestUniformFrequencies(t *testing.T) {
	k, err := NewKeys(100, 0)
	if err != nil {
		t.Fatal(err)
	}
	const draws = 1_000_000
	h := histogram(t, k, draws, 1)
	// Chi-square with 99 degrees of freedom: the 99.9% quantile is 148.2.
	exp := float64(draws) / 100
	var chi float64
	for _, n := range h {
		d := float64(n) - exp
		chi += d * d / exp
	}
	if chi > 148.2 {
		t.Fatalf("chi-square %.1f: not uniform", chi)
	}
	if s := share(h, 10); math.Abs(s-0.10) > 0.005 {
		t.Fatalf("top 10%% of keys got %.3f of the draws", s)
	}
}

func TestZipfAboveOneMatchesLaw(t *testing.T) {
	k, err := NewKeys(1000, 1.1)
	if err != nil {
		t.Fatal(err)
	}
	const draws = 1_000_000
	h := histogram(t, k, draws, 42)
	// The ten hottest ranks within 3% (relative) of (i+1)^-s / H(n,s),
	// and the whole distribution within a small total variation.
	var tv float64
	for i, n := range h {
		p := k.Probability(i)
		got := float64(n) / draws
		if i < 10 && math.Abs(got-p) > 0.03*p {
			t.Errorf("rank %d: frequency %.5f, law %.5f", i, got, p)
		}
		tv += math.Abs(got - p)
	}
	if tv/2 > 0.01 {
		t.Errorf("total variation %.4f from the zipf law", tv/2)
	}
}

func TestZipfBelowOneGray(t *testing.T) {
	k, err := NewKeys(10000, 0.99)
	if err != nil {
		t.Fatal(err)
	}
	const draws = 1_000_000
	h := histogram(t, k, draws, 7)
	// Gray's generator is exact for ranks 0 and 1.
	for i := 0; i < 2; i++ {
		p := k.Probability(i)
		if got := float64(h[i]) / draws; math.Abs(got-p) > 0.02*p {
			t.Errorf("rank %d: frequency %.5f, law %.5f", i, got, p)
		}
	}
	// The hottest 1% of keys carry about the law's share (within 10%
	// relative: the generator approximates the tail).
	var lawTop float64
	for i := 0; i < 100; i++ {
		lawTop += k.Probability(i)
	}
	if got := share(h, 100); math.Abs(got-lawTop) > 0.1*lawTop {
		t.Errorf("top 1%% share %.3f, law %.3f", got, lawTop)
	}
}

func TestZipfVersusUniformSkew(t *testing.T) {
	// The point of the knob: with the same seed and key space, zipf piles
	// the draws onto the hot keys, uniform does not.
	u, _ := NewKeys(10000, 0)
	z, _ := NewKeys(10000, 1.2)
	hu, hz := histogram(t, u, 200000, 3), histogram(t, z, 200000, 3)
	su, sz := share(hu, 100), share(hz, 100)
	if su > 0.015 || sz < 0.7 {
		t.Fatalf("top 1%% of keys: uniform %.3f, zipf:1.2 %.3f", su, sz)
	}
}

func TestChooserDeterministic(t *testing.T) {
	k, _ := NewKeys(500, 1.3)
	a, b, c := k.Chooser(9), k.Chooser(9), k.Chooser(10)
	same, diff := true, false
	for i := 0; i < 1000; i++ {
		x, y, z := a.Next(), b.Next(), c.Next()
		same = same && x == y
		diff = diff || x != z
	}
	if !same || !diff {
		t.Fatalf("same seed equal: %v, other seed differs: %v", same, diff)
	}
}

func TestDistinct(t *testing.T) {
	k, _ := NewKeys(20, 1.5)
	c := k.Chooser(1)
	dst := make([]int, 20)
	c.Distinct(dst)
	seen := map[int]bool{}
	for _, v := range dst {
		if seen[v] || v < 0 || v >= 20 {
			t.Fatalf("not 20 distinct ranks: %v", dst)
		}
		seen[v] = true
	}
}

func TestParseDistAndErrors(t *testing.T) {
	for in, want := range map[string]float64{"": 0, "uniform": 0, "zipf": 1.1, "zipf:0.99": 0.99, "ZIPF:1.5": 1.5} {
		got, err := ParseDist(in)
		if err != nil || got != want {
			t.Errorf("ParseDist(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"zipf:1", "zipf:-2", "zipf:x", "pareto"} {
		if _, err := ParseDist(in); !errors.Is(err, ErrBadDist) {
			t.Errorf("ParseDist(%q) = %v, want ErrBadDist", in, err)
		}
	}
	for _, c := range []struct {
		n int
		s float64
	}{{0, 0}, {10, 1}, {10, -1}, {10, math.NaN()}} {
		if _, err := NewKeys(c.n, c.s); !errors.Is(err, ErrBadDist) {
			t.Errorf("NewKeys(%d, %v) = %v, want ErrBadDist", c.n, c.s, err)
		}
	}
	if DistName(0) != "uniform" || DistName(1.1) != "zipf:1.1" {
		t.Fatal("DistName")
	}
}

func TestReadRatio(t *testing.T) {
	k, _ := NewKeys(10, 0)
	c := k.Chooser(5)
	reads := 0
	for i := 0; i < 100000; i++ {
		if c.Read(0.9) {
			reads++
		}
	}
	if reads < 89500 || reads > 90500 {
		t.Fatalf("%d reads in 100000 at ratio 0.9", reads)
	}
}

func TestChooserNextNoAllocs(t *testing.T) {
	for _, s := range []float64{0, 0.99, 1.1} {
		k, _ := NewKeys(1000, s)
		c := k.Chooser(1)
		if n := testing.AllocsPerRun(100, func() { c.Next() }); n != 0 {
			t.Fatalf("s=%v: %v allocations per draw", s, n)
		}
	}
}

func BenchmarkChooserNext(b *testing.B) {
	for _, s := range []float64{0, 0.99, 1.1} {
		b.Run(DistName(s), func(b *testing.B) {
			k, _ := NewKeys(100000, s)
			c := k.Chooser(1)
			b.ReportAllocs()
			for b.Loop() {
				c.Next()
			}
		})
	}
}
