// Object sizes (fixed or a uniform range) and the split of a key space
// between workers.

package workload

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// ErrBadSize is a size specification that cannot be used.
var ErrBadSize = errors.New("workload: bad object size")

// MaxSize is the largest object size the load tool writes.
const MaxSize = 16 << 20

// Sizes is an object size: Min == Max for a fixed size, else uniform in
// [Min, Max].
type Sizes struct {
	Min, Max int
}

// ParseSizes parses "512" or "100-4096".
func ParseSizes(s string) (Sizes, error) {
	s = strings.TrimSpace(s)
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := strconv.Atoi(strings.TrimSpace(lo))
	if err != nil {
		return Sizes{}, fmt.Errorf("%w: %q (want N or MIN-MAX bytes)", ErrBadSize, s)
	}
	b := a
	if isRange {
		if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil {
			return Sizes{}, fmt.Errorf("%w: %q (want N or MIN-MAX bytes)", ErrBadSize, s)
		}
	}
	z := Sizes{Min: a, Max: b}
	return z, z.Validate()
}

// Validate reports sizes out of [1, MaxSize] or an empty range.
func (z Sizes) Validate() error {
	if z.Min < 1 || z.Max > MaxSize || z.Min > z.Max {
		return fmt.Errorf("%w: %s (want 1 <= MIN <= MAX <= %d)", ErrBadSize, z, MaxSize)
	}
	return nil
}

// String prints "512" or "100-4096".
func (z Sizes) String() string {
	if z.Min == z.Max {
		return strconv.Itoa(z.Min)
	}
	return strconv.Itoa(z.Min) + "-" + strconv.Itoa(z.Max)
}

// Mean is the average size.
func (z Sizes) Mean() int { return (z.Min + z.Max) / 2 }

// Next draws a size.
func (z Sizes) Next(r *rand.Rand) int {
	if z.Min >= z.Max {
		return z.Min
	}
	return z.Min + r.IntN(z.Max-z.Min+1)
}

// Partition returns worker i's share [lo, hi) of n keys split between
// parts workers as evenly as possible (shares differ by at most one).
func Partition(n, parts, i int) (lo, hi int) {
	if parts < 1 || i < 0 || i >= parts {
		return 0, 0
	}
	return n * i / parts, n * (i + 1) / parts
}

// Perm returns the ranks [lo, hi) in a seeded random order.
func Perm(lo, hi int, seed uint64) []int {
	r := rand.New(rand.NewPCG(seed, ^seed))
	p := make([]int, 0, max(hi-lo, 0))
	for _, j := range r.Perm(max(hi-lo, 0)) {
		p = append(p, lo+j)
	}
	return p
}
