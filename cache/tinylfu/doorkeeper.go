// Doorkeeper: the bloom filter that absorbs a key's first sighting.

package tinylfu

import "math"

// Doorkeeper is a bloom filter sized for a number of keys and a false
// positive rate. TinyLFU inserts every accessed key here first; only keys
// already present go on to the sketch, so keys seen once in a sample period
// cost a few bits instead of sketch counters.
//
// It is cache-line blocked: a key's k bits all lie in one 512-bit block
// chosen by the low half of its hash, so a lookup touches one cache line
// instead of k. That costs a little false-positive rate against a classic
// filter of the same size.
type Doorkeeper struct {
	bits []uint64 // blocks of 8 words
	mask uint32   // number of blocks - 1 (a power of two minus one)
	k    uint32   // bits per key, 2..7
}

const blockWords = 8 // 512 bits, one cache line

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
	k = max(2, min(k, 7))
	blocks := m / (64 * blockWords)
	return &Doorkeeper{bits: make([]uint64, blocks*blockWords), mask: uint32(blocks - 1), k: k}
}

// probe returns the first word of h's block and the bit-selecting hash.
func (d *Doorkeeper) probe(h uint64) (base uint32, g uint64) {
	return (uint32(h) & d.mask) * blockWords, (h >> 32) * 0x9e3779b97f4a7c15
}

// Insert adds the key whose hash is h and reports whether it was (probably)
// present already.
func (d *Doorkeeper) Insert(h uint64) bool {
	base, g := d.probe(h)
	blk := d.bits[base : base+blockWords : base+blockWords]
	present := true
	for i := uint32(0); i < d.k; i++ {
		bit := uint32(g & 511)
		g >>= 9
		w, m := bit>>6, uint64(1)<<(bit&63)
		if blk[w]&m == 0 {
			present = false
			blk[w] |= m
		}
	}
	return present
}

// Contains reports whether the key whose hash is h is (probably) present.
func (d *Doorkeeper) Contains(h uint64) bool {
	base, g := d.probe(h)
	blk := d.bits[base : base+blockWords : base+blockWords]
	for i := uint32(0); i < d.k; i++ {
		bit := uint32(g & 511)
		g >>= 9
		if blk[bit>>6]&(uint64(1)<<(bit&63)) == 0 {
			return false
		}
	}
	return true
}

// Reset empties the filter.
func (d *Doorkeeper) Reset() { clear(d.bits) }
