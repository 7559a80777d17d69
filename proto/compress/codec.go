// Codec identifiers, their names and their record prefixes.

package compress

import (
	"fmt"
	"strings"
)

// Codec names a record compression.
type Codec uint8

const (
	// None stores records as they are.
	None Codec = iota
	// Zlib is ".z" followed by a zlib stream: zc.zlibstorage's format.
	Zlib
	// Zstd is ".Z" followed by one Zstandard frame (gozeo's own).
	Zstd
	// S2 is ".S" followed by one S2 block (gozeo's own).
	S2
)

// The record prefixes. A valid pickle never starts with '.'.
const (
	PrefixZlib = ".z"
	PrefixZstd = ".Z"
	PrefixS2   = ".S"
)

// String returns the codec's configuration name: off, zlib, zstd or s2.
func (c Codec) String() string {
	switch c {
	case None:
		return "off"
	case Zlib:
		return "zlib"
	case Zstd:
		return "zstd"
	case S2:
		return "s2"
	}
	return fmt.Sprintf("Codec(%d)", uint8(c))
}

// Prefix returns the two bytes that mark a record of this codec ("" for
// None).
func (c Codec) Prefix() string {
	switch c {
	case Zlib:
		return PrefixZlib
	case Zstd:
		return PrefixZstd
	case S2:
		return PrefixS2
	}
	return ""
}

// valid reports whether c is one of the defined codecs.
func (c Codec) valid() bool { return c <= S2 }

// ParseCodec parses a codec name, case-insensitively: "zlib", "zstd", "s2",
// or "off"/"none" for no compression.
func ParseCodec(s string) (Codec, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "off", "none":
		return None, nil
	case "zlib":
		return Zlib, nil
	case "zstd":
		return Zstd, nil
	case "s2":
		return S2, nil
	}
	return None, fmt.Errorf("%w %q: want zlib, zstd, s2 or off", ErrUnknownCodec, s)
}

// CodecOf returns the codec whose prefix src starts with, or None for a
// plain record.
func CodecOf(src []byte) Codec {
	if len(src) < 2 || src[0] != '.' {
		return None
	}
	switch src[1] {
	case 'z':
		return Zlib
	case 'Z':
		return Zstd
	case 'S':
		return S2
	}
	return None
}

// IsCompressed reports whether src starts with a codec prefix.
func IsCompressed(src []byte) bool { return CodecOf(src) != None }
