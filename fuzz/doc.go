// Package fuzz holds gozeo's black-box fuzz targets: they drive the public
// APIs of several packages together, as a client or an operator would, and
// check properties that no single package can (a server keeps serving and
// its Data.fs keeps verifying whatever one client sends; a damaged Data.fs
// is refused or recovered into one that verifies). Nothing imports it; its
// code is all in _test.go files, with committed seed corpora under
// testdata/fuzz/<Target>/.
//
// Fuzz targets that need unexported access live next to their code as
// fuzz_test.go (proto, proto/zeo5, proto/compress, fsstore,
// fsstore/pickle, cache, cache/trace, engine, tools/config). "go test
// ./..." runs every seed corpus; "make fuzz FUZZTIME=30s" (fuzz/run.sh)
// fuzzes every target in turn, since go test -fuzz runs one at a time.
//
//	target                 input                          checks
//	FuzzWireSession        handshake kind, frames, split   no hang; every reply well
//	                       (one connection to a live       framed; a well-behaved
//	                       in-process server)              client is still served;
//	                                                       Data.fs verifies
//	FuzzFileStorageDamage  fixture, cut, byte flips        readers give errors, never
//	                                                       panic; a writable open either
//	                                                       fails with a RecordError or
//	                                                       recovers a file that takes a
//	                                                       commit and verifies no worse
//	                                                       than before
package fuzz
