// Key choice: uniform and zipf choosers over a key space of n ranks.

package workload

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// ErrBadDist is a distribution the package cannot draw from.
var ErrBadDist = errors.New("workload: bad key distribution")

// Keys is a key space of N ranks with its distribution. It is immutable
// and shared; each worker draws from its own Chooser.
type Keys struct {
	N int
	S float64 // zipf exponent; 0 means uniform

	// Gray et al.'s constants for 0 < s < 1.
	zetan, alpha, eta, half float64
}

// NewKeys returns a key space of n ranks: uniform when s is 0, zipf with
// exponent s otherwise (s > 0, s != 1).
func NewKeys(n int, s float64) (*Keys, error) {
	switch {
	case n < 1:
		return nil, fmt.Errorf("%w: %d keys", ErrBadDist, n)
	case s < 0 || math.IsNaN(s) || math.IsInf(s, 0):
		return nil, fmt.Errorf("%w: zipf exponent %v (want > 0, or 0 for uniform)", ErrBadDist, s)
	case s == 1:
		return nil, fmt.Errorf("%w: zipf exponent 1 is not supported (use 0.99 or 1.01)", ErrBadDist)
	}
	k := &Keys{N: n, S: s}
	if s > 0 && s < 1 {
		k.zetan = zeta(n, s)
		zeta2 := zeta(2, s)
		k.alpha = 1 / (1 - s)
		k.eta = (1 - math.Pow(2/float64(n), 1-s)) / (1 - zeta2/k.zetan)
		k.half = 1 + math.Pow(0.5, s)
	}
	return k, nil
}

// zeta is H(n, s) = sum_{i=1..n} i^-s.
func zeta(n int, s float64) float64 {
	var z float64
	for i := 1; i <= n; i++ {
		z += math.Pow(float64(i), -s)
	}
	return z
}

// ParseDist parses "uniform" (or "") and "zipf:S" / "zipf" (S = 1.1)
// into an exponent for NewKeys.
func ParseDist(s string) (float64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "" || s == "uniform":
		return 0, nil
	case s == "zipf":
		return 1.1, nil
	case strings.HasPrefix(s, "zipf:"):
		v, err := strconv.ParseFloat(s[5:], 64)
		if err != nil || v <= 0 || v == 1 {
			return 0, fmt.Errorf("%w: %q (want zipf:S with S > 0, S != 1)", ErrBadDist, s)
		}
		return v, nil
	}
	return 0, fmt.Errorf("%w: %q (want uniform or zipf:S)", ErrBadDist, s)
}

// DistName names a distribution: "uniform" or "zipf:S".
func DistName(s float64) string {
	if s == 0 {
		return "uniform"
	}
	return "zipf:" + strconv.FormatFloat(s, 'f', -1, 64)
}

// Name names the key space's distribution.
func (k *Keys) Name() string { return DistName(k.S) }

// Probability returns the exact probability of rank i under the model
// (for s < 1, of the ideal zipf law that Gray's generator approximates).
func (k *Keys) Probability(i int) float64 {
	if i < 0 || i >= k.N {
		return 0
	}
	if k.S == 0 {
		return 1 / float64(k.N)
	}
	z := k.zetan
	if z == 0 {
		z = zeta(k.N, k.S)
	}
	return math.Pow(float64(i+1), -k.S) / z
}

// Chooser draws ranks for one worker.
type Chooser struct {
	k    *Keys
	r    *rand.Rand
	zipf *rand.Zipf // s > 1
}

// Chooser returns a chooser seeded with seed; equal seeds give equal
// sequences.
func (k *Keys) Chooser(seed uint64) *Chooser {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	c := &Chooser{k: k, r: r}
	if k.S > 1 {
		c.zipf = rand.NewZipf(r, k.S, 1, uint64(k.N-1))
	}
	return c
}

// Rand returns the chooser's generator, for the worker's other choices.
func (c *Chooser) Rand() *rand.Rand { return c.r }

// Next returns the next rank in [0, N).
func (c *Chooser) Next() int {
	k := c.k
	switch {
	case k.N == 1:
		return 0
	case k.S == 0:
		return c.r.IntN(k.N)
	case c.zipf != nil:
		return int(c.zipf.Uint64())
	}
	u := c.r.Float64()
	uz := u * k.zetan
	if uz < 1 {
		return 0
	}
	if uz < k.half {
		return 1
	}
	i := int(float64(k.N) * math.Pow(k.eta*u-k.eta+1, k.alpha))
	return min(i, k.N-1)
}

// Distinct fills dst with len(dst) different ranks (len(dst) <= N).
func (c *Chooser) Distinct(dst []int) {
	for i := range dst {
	again:
		v := c.Next()
		for _, w := range dst[:i] {
			if w == v {
				goto again
			}
		}
		dst[i] = v
	}
}

// Read reports whether a mixed-workload operation reads: true with
// probability ratio.
func (c *Chooser) Read(ratio float64) bool { return c.r.Float64() < ratio }
