// Error sentinels of the record codecs.

package compress

import (
	"errors"
	"fmt"
)

var (
	// ErrUnknownCodec means a codec name or value that is none of off,
	// zlib, zstd or s2.
	ErrUnknownCodec = errors.New("compress: unknown codec")
	// ErrCorrupt means a record with a codec prefix whose payload does not
	// decode.
	ErrCorrupt = errors.New("compress: corrupt compressed record")
	// ErrTooLarge means a record that decompresses (or declares that it
	// decompresses) to more than the allowed size.
	ErrTooLarge = errors.New("compress: decompressed record too large")
	// ErrBadOptions means Options that do not fit the codec.
	ErrBadOptions = errors.New("compress: invalid options")
)

// corrupt wraps a codec failure as ErrCorrupt, naming the codec.
func corrupt(c Codec, err error) error {
	return fmt.Errorf("%w (%s): %v", ErrCorrupt, c, err)
}

// tooLarge reports a size over the limit; size 0 means "more than limit"
// (zlib declares no size).
func tooLarge(c Codec, size uint64, limit int) error {
	if size == 0 {
		return fmt.Errorf("%w (%s): more than %d bytes", ErrTooLarge, c, limit)
	}
	return fmt.Errorf("%w (%s): %d bytes declared, limit %d", ErrTooLarge, c, size, limit)
}
