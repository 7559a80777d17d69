// Package compress compresses ZODB data records, compatibly with
// zc.zlibstorage, and with two faster codecs of gozeo's own.
//
// # Record layout
//
// A compressed record is a two-byte prefix followed by the codec's data. A
// record without a known prefix is plain and is stored and returned as is.
// A valid pickle never starts with '.', so no plain record is mistaken for a
// compressed one.
//
//	+-----+-----+------------------------------------------+
//	| '.' | tag | compressed payload                       |
//	+-----+-----+------------------------------------------+
//
//	tag  codec  payload                                        written by
//	---  -----  ---------------------------------------------  --------------
//	'z'  Zlib   a zlib stream (RFC 1950): header, deflate,     zc.zlibstorage
//	            Adler-32                                       and gozeo
//	'Z'  Zstd   one Zstandard frame (RFC 8878) that declares   gozeo only
//	            its content size; checksum on
//	'S'  S2     the CRC-32C (Castagnoli) of the plain record,  gozeo only
//	            4 bytes little-endian, then one S2 block
//	            (github.com/klauspost/compress/s2): uvarint
//	            decoded length, then the block
//
// Every codec detects a damaged payload: zlib by its Adler-32, zstd by its
// frame checksum, S2 by the CRC-32C that gozeo stores before the block (S2
// blocks have no checksum of their own). Zstd frames are written as single
// segments, so they always declare their content size.
//
// The lowercase tag is zc.zlibstorage's; gozeo's own codecs use uppercase
// tags and never reuse ".z". A Data.fs written by zc.zlibstorage is read
// as is, and a Data.fs written with Codec Zlib is readable by
// zc.zlibstorage. Zstd and S2 records need gozeo (or a reader of this
// layout).
//
// # When a record is compressed
//
// Compress follows zc.zlibstorage's rule, with its numbers as defaults:
//
//   - records shorter than Options.MinSize (default 21: zc.zlibstorage
//     compresses only records over 20 bytes) are stored as is;
//   - a record that already starts with a known prefix is stored as is
//     (compression is idempotent);
//   - otherwise the record is compressed, and the compressed form is kept
//     only when it is at least Options.MinSaving bytes shorter (default 1,
//     zc.zlibstorage's "shorter than the original").
//
// # Reading
//
// A Decompressor reads every codec by its prefix, so one Data.fs may mix
// plain records and records of different codecs (for example after the
// storage's codec was changed). Decompress never produces more than its
// maxSize argument: the declared sizes of Zstd and S2 records are checked
// before any buffer is sized, and zlib output is grown step by step and cut
// off one byte past the limit. Like Python's zlib.decompress, bytes after
// the end of a zlib stream are ignored.
//
// # Allocation
//
// Compressor and Decompressor are reusable and not safe for concurrent
// use. Once warm, with destination buffers of sufficient capacity, Compress
// and Decompress do not allocate for any codec.
//
// This package uses github.com/klauspost/compress (zlib, zstd, s2).
package compress
