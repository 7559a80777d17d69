// Package fstool holds the FileStorage tools behind the gozeo commands
// fsdump, fstest, fsrefs, fstail, fsoids, reindex, compress-stats and
// pack-file, as library functions with golden-output tests. They mirror
// ZODB's scripts (ZODB/FileStorage/fsdump.py, fsoids.py, scripts/fstest.py,
// fsrefs.py, fstail.py at https://github.com/zopefoundation/ZODB/tree/1079a96c)
// and print what those print, Python reprs included, so their output can
// be compared with the Python tools'.
//
// Every tool but reindex and pack-file reads the file through
// fsstore.OpenFile (a read-only mapping, no lock, no recovery), so it can
// inspect the file of a running server. Records compressed by
// zc.zlibstorage (.z) or gozeo (.Z zstd, .S s2) are decompressed before
// their class name or references are read; the dumps show the codec.
//
// Long runs report progress through a func(done, total int64) that the
// commands turn into a progress bar or periodic lines on stderr.
package fstool
