// Compressor options, their defaults and validation.

package compress

import "fmt"

// Options tune a Compressor. The zero value means the defaults.
type Options struct {
	// Level is the codec's compression level; 0 means the codec's default
	// (zlib: the library's level 5, close to zlib's 6 that zc.zlibstorage
	// uses; zstd: its default speed; s2: 1).
	//   Zlib: 1 (fastest) to 9 (smallest), or -1 for the default.
	//   Zstd: 1 to 22, as the zstd command's levels; they map to the
	//         encoder's four speeds (fastest, default, better, best).
	//   S2:   1 (fast), 2 (better), 3 (best).
	Level int
	// MinSize is the shortest record that is compressed; shorter records
	// are stored as is. 0 means DefaultMinSize.
	MinSize int
	// MinSaving is how many bytes compression must save for the compressed
	// form to be kept. 0 means DefaultMinSaving.
	MinSaving int
}

const (
	// DefaultMinSize is zc.zlibstorage's threshold: records of 20 bytes or
	// less are never compressed.
	DefaultMinSize = 21
	// DefaultMinSaving is zc.zlibstorage's rule: keep the compressed form
	// when it is shorter than the record at all.
	DefaultMinSaving = 1
	// DefaultMaxSize is the decompression limit used when Decompress is
	// given maxSize <= 0.
	DefaultMaxSize = 1 << 30
)

// DefaultOptions are the options a nil *Options means.
var DefaultOptions = Options{MinSize: DefaultMinSize, MinSaving: DefaultMinSaving}

// withDefaults returns o with zero fields replaced by the defaults.
func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.MinSize == 0 {
		r.MinSize = DefaultMinSize
	}
	if r.MinSaving == 0 {
		r.MinSaving = DefaultMinSaving
	}
	return r
}

// Validate checks the options for codec c.
func (o *Options) Validate(c Codec) error {
	if !c.valid() {
		return fmt.Errorf("%w: %v", ErrUnknownCodec, c)
	}
	if o == nil {
		return nil
	}
	if o.MinSize < 0 {
		return fmt.Errorf("%w: negative MinSize %d", ErrBadOptions, o.MinSize)
	}
	if o.MinSaving < 0 {
		return fmt.Errorf("%w: negative MinSaving %d", ErrBadOptions, o.MinSaving)
	}
	lo, hi := 0, 0
	switch c {
	case Zlib:
		if o.Level == -1 {
			return nil
		}
		lo, hi = 1, 9
	case Zstd:
		lo, hi = 1, 22
	case S2:
		lo, hi = 1, 3
	}
	if o.Level != 0 && (o.Level < lo || o.Level > hi) {
		return fmt.Errorf("%w: %s level %d, want %d to %d", ErrBadOptions, c, o.Level, lo, hi)
	}
	return nil
}
