// The reusable Decompressor: every codec by its prefix, with the output
// capped at maxSize before any buffer is sized.

package compress

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"slices"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// Decompressor reads records of every codec. The zero value is ready to
// use; its decoders are built on first use and reused after. It is not
// safe for concurrent use.
type Decompressor struct {
	br      bytes.Reader
	zr      io.ReadCloser // a klauspost zlib reader; also a zlib.Resetter
	zdec    *zstd.Decoder
	scratch []byte // DecompressTail's copy of the compressed record
}

// NewDecompressor returns a ready Decompressor (the same as new(Decompressor)).
func NewDecompressor() *Decompressor { return new(Decompressor) }

// maxScratch is the largest scratch buffer a Decompressor keeps between
// calls.
const maxScratch = 1 << 20

// DecompressTail replaces buf[from:], a stored record, with its plain
// form and returns the result (buf itself when the record is plain). It
// is Decompress for a record that already sits at the end of the buffer
// its plain form goes to, as a load reply or a cache hit does: the
// compressed bytes are copied aside into a buffer the Decompressor keeps,
// so nothing is allocated in steady state. On error buf[:from] is
// returned.
func (d *Decompressor) DecompressTail(buf []byte, from, maxSize int) ([]byte, error) {
	if !IsCompressed(buf[from:]) {
		return buf, nil
	}
	d.scratch = append(d.scratch[:0], buf[from:]...)
	out, err := d.Decompress(buf[:from], d.scratch, maxSize)
	if cap(d.scratch) > maxScratch {
		d.scratch = nil
	}
	return out, err
}

// emptyZlib is a complete zlib stream of no bytes, used to build the reader
// before the first real record.
var emptyZlib = []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}

// zlibMinGrow is the smallest step the zlib output grows by.
const zlibMinGrow = 512

// Decompress appends to dst the plain bytes of the stored record src:
// decompressed when src starts with a codec prefix, as is otherwise. The
// result never exceeds maxSize bytes (maxSize <= 0 means DefaultMaxSize):
// a larger record is ErrTooLarge, and a payload that does not decode is
// ErrCorrupt. On error dst is returned with its original length. dst and
// src must not overlap.
func (d *Decompressor) Decompress(dst, src []byte, maxSize int) ([]byte, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	start := len(dst)
	c := CodecOf(src)
	var err error
	switch c {
	case None:
		if len(src) > maxSize {
			return dst, tooLarge(None, uint64(len(src)), maxSize)
		}
		return append(dst, src...), nil
	case Zlib:
		dst, err = d.zlib(dst, src[2:], maxSize)
	case Zstd:
		dst, err = d.zstd(dst, src[2:], maxSize)
	case S2:
		dst, err = s2Decode(dst, src[2:], maxSize)
	}
	if err != nil {
		return dst[:start], err
	}
	return dst, nil
}

func (d *Decompressor) zlib(dst, payload []byte, maxSize int) ([]byte, error) {
	d.br.Reset(payload)
	if d.zr == nil {
		var boot bytes.Reader
		boot.Reset(emptyZlib)
		zr, err := zlib.NewReader(&boot)
		if err != nil {
			panic(err) // emptyZlib is a valid stream
		}
		d.zr = zr
	}
	if err := d.zr.(zlib.Resetter).Reset(&d.br, nil); err != nil {
		return dst, corrupt(Zlib, err)
	}
	start := len(dst)
	limit := start + maxSize + 1 // one byte past the limit detects overflow
	if limit < start {           // overflow of int: no real limit
		limit = int(^uint(0) >> 1)
	}
	for {
		if len(dst) == cap(dst) {
			// Grow by doubling, starting near the expected output size,
			// never past the limit.
			want := max(cap(dst)-start, 4*len(payload), zlibMinGrow)
			dst = slices.Grow(dst, min(want, limit-len(dst)))
		}
		window := dst[len(dst):min(cap(dst), limit)]
		n, err := d.zr.Read(window)
		dst = dst[:len(dst)+n]
		if len(dst)-start > maxSize {
			return dst, tooLarge(Zlib, 0, maxSize)
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, corrupt(Zlib, err)
		}
		if n == 0 && len(dst) == limit {
			return dst, tooLarge(Zlib, 0, maxSize)
		}
	}
}

func (d *Decompressor) zstd(dst, payload []byte, maxSize int) ([]byte, error) {
	var h zstd.Header
	if err := h.Decode(payload); err != nil {
		return dst, corrupt(Zstd, err)
	}
	if h.Skippable || !h.HasFCS {
		return dst, corrupt(Zstd, errors.New("frame does not declare its content size"))
	}
	if h.FrameContentSize > uint64(maxSize) {
		return dst, tooLarge(Zstd, h.FrameContentSize, maxSize)
	}
	if d.zdec == nil {
		dec, err := zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecodeAllCapLimit(true),
			zstd.WithDecoderMaxMemory(1<<62)) // the cap limit bounds each call
		if err != nil {
			return dst, err
		}
		d.zdec = dec
	}
	n := int(h.FrameContentSize)
	start := len(dst)
	dst = slices.Grow(dst, n)
	// The capacity is exactly the declared size: the decoder, limited to
	// the capacity, fails rather than grow past it.
	out, err := d.zdec.DecodeAll(payload, dst[:start:start+n])
	if err != nil {
		return dst, corrupt(Zstd, err)
	}
	if len(out)-start != n {
		return dst, corrupt(Zstd, errors.New("content size mismatch"))
	}
	if n > 0 && &out[start] != &dst[:start+n][start] {
		// Cannot happen with the capacity limit; never return a buffer
		// other than the caller's grown dst.
		return dst, corrupt(Zstd, errors.New("decoder did not write in place"))
	}
	// Return dst itself: out's capacity was cut to the declared size.
	return dst[:start+n], nil
}

// s2CRCSize is the CRC-32C of the plain record that precedes the S2 block:
// S2 blocks carry no checksum of their own.
const s2CRCSize = 4

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func s2Decode(dst, payload []byte, maxSize int) ([]byte, error) {
	if len(payload) < s2CRCSize {
		return dst, corrupt(S2, errors.New("record shorter than its checksum"))
	}
	sum := binary.LittleEndian.Uint32(payload)
	payload = payload[s2CRCSize:]
	n, err := s2.DecodedLen(payload)
	if err != nil {
		return dst, corrupt(S2, err)
	}
	if n > maxSize {
		return dst, tooLarge(S2, uint64(n), maxSize)
	}
	start := len(dst)
	dst = slices.Grow(dst, n)
	buf := dst[start : start+n]
	out, err := s2.Decode(buf, payload)
	if err != nil {
		return dst, corrupt(S2, err)
	}
	if len(out) != n || (n > 0 && &out[0] != &buf[0]) {
		return dst, corrupt(S2, errors.New("decoded length mismatch"))
	}
	if crc32.Checksum(out, castagnoli) != sum {
		return dst, corrupt(S2, errors.New("checksum mismatch"))
	}
	return dst[:start+n], nil
}
