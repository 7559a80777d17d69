// Pool: Compressors and Decompressors kept for reuse across goroutines
// and across garbage collections.

package compress

import (
	"runtime"
	"sync"
)

// Pool keeps Compressors (per codec) and Decompressors for reuse by
// many goroutines. Unlike a sync.Pool it keeps them across garbage
// collections: a zlib or zstd codec's state is tens to hundreds of
// kilobytes of tables that take far longer to build than to use on one
// record, and a server compressing every commit would rebuild them after
// each collection. At most Max of each kind are kept (default
// 4 × GOMAXPROCS); Get beyond those builds new ones, Put beyond the bound
// drops them. The zero value is ready; a Pool must not be copied.
type Pool struct {
	Max int

	mu     sync.Mutex
	comp   [numCodecs][]*Compressor
	decomp []*Decompressor
}

const numCodecs = int(S2) + 1

// defaultPoolMax is a Pool's bound when Max is zero.
var defaultPoolMax = 4 * runtime.GOMAXPROCS(0)

func (p *Pool) max() int {
	if p.Max > 0 {
		return p.Max
	}
	return defaultPoolMax
}

// Compressor returns a Compressor for codec c with default options.
func (p *Pool) Compressor(c Codec) *Compressor {
	p.mu.Lock()
	if l := p.comp[c]; len(l) > 0 {
		z := l[len(l)-1]
		p.comp[c] = l[:len(l)-1]
		p.mu.Unlock()
		return z
	}
	p.mu.Unlock()
	return NewCompressor(c, nil)
}

// PutCompressor gives back a Compressor that Compressor returned.
func (p *Pool) PutCompressor(z *Compressor) {
	p.mu.Lock()
	if l := p.comp[z.codec]; len(l) < p.max() {
		p.comp[z.codec] = append(l, z)
	}
	p.mu.Unlock()
}

// Decompressor returns a Decompressor.
func (p *Pool) Decompressor() *Decompressor {
	p.mu.Lock()
	if n := len(p.decomp); n > 0 {
		d := p.decomp[n-1]
		p.decomp = p.decomp[:n-1]
		p.mu.Unlock()
		return d
	}
	p.mu.Unlock()
	return NewDecompressor()
}

// PutDecompressor gives back a Decompressor.
func (p *Pool) PutDecompressor(d *Decompressor) {
	p.mu.Lock()
	if len(p.decomp) < p.max() {
		p.decomp = append(p.decomp, d)
	}
	p.mu.Unlock()
}

// DecompressTail is Decompressor.DecompressTail with a pooled
// Decompressor.
func (p *Pool) DecompressTail(buf []byte, from, maxSize int) ([]byte, error) {
	if !IsCompressed(buf[from:]) {
		return buf, nil
	}
	d := p.Decompressor()
	out, err := d.DecompressTail(buf, from, maxSize)
	p.PutDecompressor(d)
	return out, err
}
