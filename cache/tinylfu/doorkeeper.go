// Doorkeeper: the bloom filter that absorbs a key's first sighting.

package tinylfu

import "math"

// Doorkeeper is a bloom filter sized for a number of keys and a false
// positive rate. TinyLFU inserts every accessed key here first; only keys
// already present go on to the sketch, so keys seen once in a sample period
// cost one bit instead of sketch counters.
type Doorkeeper struct {
	bits []uint64
	mask uint32 // number of bits - 1 (a power of two minus one)
	k    uint32 // hash functions
}

// NewDoorkeeper returns a filter for about n keys at false positive rate fp
// (0 < fp < 1; out-of-range values mean 0.01).
func NewDoorkeeper(n int, fp float64) *Doorkeeper {
	if n < 1 {
		n = 1
	}
	if !(fp > 0 && fp < 1) {
		fp = 0.01
	}
	m := nextPow2(int(float64(n) * -math.Log(fp) / (math.Ln2 * math.Ln2)))
	if m < 1024 {
		m = 1024
	}
	k := uint32(math.Round(float64(m) / float64(n) * math.Ln2))
	if k < 2 {
		k = 2
	}
	if k > 8 {
		k = 8
	}
	return &Doorkeeper{bits: make([]uint64, m/64), mask: uint32(m - 1), k: k}
}

// Insert adds the key whose hash is h and reports whether it was (probably)
// present already.
func (d *Doorkeeper) Insert(h uint64) bool {
	h1, h2 := uint32(h), uint32(h>>32)|1
	present := true
	for i := uint32(0); i < d.k; i++ {
		bit := (h1 + i*h2) & d.mask
		w, m := bit>>6, uint64(1)<<(bit&63)
		if d.bits[w]&m == 0 {
			present = false
			d.bits[w] |= m
		}
	}
	return present
}

// Contains reports whether the key whose hash is h is (probably) present.
func (d *Doorkeeper) Contains(h uint64) bool {
	h1, h2 := uint32(h), uint32(h>>32)|1
	for i := uint32(0); i < d.k; i++ {
		bit := (h1 + i*h2) & d.mask
		if d.bits[bit>>6]&(uint64(1)<<(bit&63)) == 0 {
			return false
		}
	}
	return true
}

// Reset empties the filter.
func (d *Doorkeeper) Reset() { clear(d.bits) }
