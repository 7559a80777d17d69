// Sketch: a depth-4 count-min sketch of 4-bit saturating counters.

package tinylfu

// Depth is the number of counter rows of a Sketch.
const Depth = 4

// MaxCount is the largest value a 4-bit counter holds; counts saturate there.
const MaxCount = 15

// Sketch estimates how often each key was added. Estimates never fall below
// the true count (capped at MaxCount) and exceed it only through hash
// collisions, which conservative update keeps rare: an Add raises only the
// counters that hold the current minimum.
type Sketch struct {
	rows  [Depth][]uint64 // 16 counters of 4 bits per word
	mask  uint32          // counters per row - 1 (a power of two minus one)
	width int
}

// NewSketch returns a sketch with at least width counters per row (rounded
// up to a power of two, at least 16).
func NewSketch(width int) *Sketch {
	w := nextPow2(width)
	if w < 16 {
		w = 16
	}
	s := &Sketch{mask: uint32(w - 1), width: w}
	for i := range s.rows {
		s.rows[i] = make([]uint64, w/16)
	}
	return s
}

// Width returns the number of counters per row.
func (s *Sketch) Width() int { return s.width }

// index returns the counter of row i for hash h (double hashing).
func (s *Sketch) index(h uint64, i int) uint32 {
	h1, h2 := uint32(h), uint32(h>>32)|1
	return (h1 + uint32(i)*h2) & s.mask
}

func (s *Sketch) get(row int, i uint32) uint8 {
	return uint8(s.rows[row][i>>4]>>((i&15)*4)) & 0xf
}

// Add counts one more occurrence of the key whose hash is h.
func (s *Sketch) Add(h uint64) {
	var idx [Depth]uint32
	min := uint8(MaxCount)
	for i := 0; i < Depth; i++ {
		idx[i] = s.index(h, i)
		if v := s.get(i, idx[i]); v < min {
			min = v
		}
	}
	if min == MaxCount {
		return
	}
	for i := 0; i < Depth; i++ {
		if s.get(i, idx[i]) == min {
			s.rows[i][idx[i]>>4] += 1 << ((idx[i] & 15) * 4)
		}
	}
}

// Estimate returns the estimated count of the key whose hash is h.
func (s *Sketch) Estimate(h uint64) uint8 {
	min := uint8(MaxCount)
	for i := 0; i < Depth; i++ {
		if v := s.get(i, s.index(h, i)); v < min {
			min = v
		}
	}
	return min
}

// Reset halves every counter (rounding down): TinyLFU's aging step.
func (s *Sketch) Reset() {
	for r := range s.rows {
		row := s.rows[r]
		for j, w := range row {
			row[j] = (w >> 1) & 0x7777777777777777
		}
	}
}

// Clear sets every counter to zero.
func (s *Sketch) Clear() {
	for r := range s.rows {
		clear(s.rows[r])
	}
}

// nextPow2 returns the smallest power of two >= n (1 for n <= 1).
func nextPow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}
