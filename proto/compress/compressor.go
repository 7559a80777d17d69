// The reusable Compressor: one codec, its encoder state, and the
// zc.zlibstorage rule for keeping or dropping the compressed form.

package compress

import (
	"encoding/binary"
	"hash/crc32"
	"slices"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// Compressor compresses records with one codec. It is not safe for
// concurrent use; keep one per goroutine (or in a sync.Pool).
type Compressor struct {
	codec Codec
	opts  Options
	zw    *zlib.Writer
	aw    appendWriter
	zenc  *zstd.Encoder
}

// appendWriter is the io.Writer the zlib writer appends to.
type appendWriter struct{ buf []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// NewCompressor returns a Compressor for codec c; nil opts means
// DefaultOptions. It panics if opts.Validate(c) fails: options that come
// from users must be validated first.
func NewCompressor(c Codec, opts *Options) *Compressor {
	if err := opts.Validate(c); err != nil {
		panic(err)
	}
	o := opts.withDefaults()
	z := &Compressor{codec: c, opts: o}
	switch c {
	case Zlib:
		level := o.Level
		if level == 0 {
			level = zlib.DefaultCompression
		}
		w, err := zlib.NewWriterLevel(&z.aw, level)
		if err != nil {
			panic(err) // the level was validated
		}
		z.zw = w
	case Zstd:
		level := zstd.SpeedDefault
		if o.Level != 0 {
			level = zstd.EncoderLevelFromZstd(o.Level)
		}
		enc, err := zstd.NewWriter(nil,
			zstd.WithEncoderLevel(level),
			zstd.WithEncoderConcurrency(1),
			zstd.WithEncoderCRC(true),
			// Single-segment frames always declare their content size,
			// which Decompress checks before sizing its buffer.
			zstd.WithSingleSegment(true))
		if err != nil {
			panic(err)
		}
		z.zenc = enc
	}
	return z
}

// Codec returns the compressor's codec.
func (z *Compressor) Codec() Codec { return z.codec }

// Compress appends to dst the stored form of the record src: its
// compressed form when the codec is not None, src is at least MinSize
// bytes, src is not already compressed, and compression saves at least
// MinSaving bytes; otherwise src unchanged. compressed tells which. dst
// and src must not overlap.
func (z *Compressor) Compress(dst, src []byte) (out []byte, compressed bool) {
	if z.codec == None || len(src) < z.opts.MinSize || IsCompressed(src) {
		return append(dst, src...), false
	}
	start := len(dst)
	switch z.codec {
	case Zlib:
		z.aw.buf = append(dst, PrefixZlib...)
		z.zw.Reset(&z.aw)
		_, werr := z.zw.Write(src)
		cerr := z.zw.Close()
		out = z.aw.buf
		z.aw.buf = nil
		if werr != nil || cerr != nil { // cannot happen with appendWriter
			return append(out[:start], src...), false
		}
	case Zstd:
		out = z.zenc.EncodeAll(src, append(dst, PrefixZstd...))
	case S2:
		n := s2.MaxEncodedLen(len(src))
		if n < 0 { // too large for one block
			return append(dst, src...), false
		}
		out = slices.Grow(dst, 2+s2CRCSize+n)
		out = append(out, PrefixS2...)
		out = binary.LittleEndian.AppendUint32(out, crc32.Checksum(src, castagnoli))
		var enc []byte
		buf := out[len(out) : len(out)+n]
		switch z.opts.Level {
		case 2:
			enc = s2.EncodeBetter(buf, src)
		case 3:
			enc = s2.EncodeBest(buf, src)
		default:
			enc = s2.Encode(buf, src)
		}
		out = out[:len(out)+len(enc)]
	}
	if len(out)-start > len(src)-z.opts.MinSaving {
		return append(out[:start], src...), false
	}
	return out, true
}
