// Test data: the record pickles of a reference Data.fs, read straight from
// the file, and generated records.

package compress

import (
	"encoding/binary"
	"flag"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/gozeo/gozeo/proto/prototest"
)

// The project's long test modes pass -long to every package.
var _ = flag.Bool("long", false, "run the long test modes")

// fsPickles returns the pickle of every data record that carries one in a
// FileStorage file, walking its transactions: a 23-byte transaction header
// (tid 8, tlen 8, status 1, ulen 2, dlen 2, elen 2), the metadata, the
// 42-byte data record headers (oid 8, tid 8, prev 8, tloc 8, vlen 2,
// plen 8) each followed by plen bytes of pickle (or an 8-byte backpointer
// when plen is 0), and the redundant 8-byte tlen.
func fsPickles(tb testing.TB, rel string) [][]byte {
	tb.Helper()
	fs, err := os.ReadFile(prototest.Fixture(tb, rel))
	if err != nil {
		tb.Fatal(err)
	}
	if len(fs) < 4 || (string(fs[:4]) != "FS21" && string(fs[:4]) != "FS30") {
		tb.Fatalf("%s: not a FileStorage file", rel)
	}
	var out [][]byte
	pos := uint64(4)
	size := uint64(len(fs))
	for pos+23 <= size {
		tlen := binary.BigEndian.Uint64(fs[pos+8:])
		ulen := uint64(binary.BigEndian.Uint16(fs[pos+17:]))
		dlen := uint64(binary.BigEndian.Uint16(fs[pos+19:]))
		elen := uint64(binary.BigEndian.Uint16(fs[pos+21:]))
		end := pos + tlen
		if tlen < 23 || end+8 > size {
			tb.Fatalf("%s: bad transaction at %d", rel, pos)
		}
		rec := pos + 23 + ulen + dlen + elen
		for rec < end {
			if rec+42 > end {
				tb.Fatalf("%s: bad data record at %d", rel, rec)
			}
			plen := binary.BigEndian.Uint64(fs[rec+34:])
			if plen == 0 {
				rec += 42 + 8
				continue
			}
			if plen > end-rec-42 {
				tb.Fatalf("%s: data record at %d exceeds its transaction", rel, rec)
			}
			out = append(out, fs[rec+42:rec+42+plen])
			rec += 42 + plen
		}
		pos = end + 8
	}
	if len(out) == 0 {
		tb.Fatalf("%s: no records", rel)
	}
	return out
}

// btreesPickles are the records of the BTrees fixture: 400 OOBucket
// records and their neighbours.
func btreesPickles(tb testing.TB) [][]byte {
	return fsPickles(tb, "filestorage/btrees/btrees.fs")
}

// textRecord makes n bytes of pickle-like, moderately compressible data.
func textRecord(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	words := []string{"persistent", "mapping", "BTrees", "OOBucket", "value", "key", "\x80\x03", "}q\x01(X", "\x00\x00\x00\x00", "Item"}
	b := make([]byte, 0, n+16)
	for len(b) < n {
		b = append(b, words[r.IntN(len(words))]...)
		b = append(b, byte('a'+r.IntN(26)))
	}
	return b[:n]
}

// randomRecord makes n incompressible bytes.
func randomRecord(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

var allCodecs = []Codec{None, Zlib, Zstd, S2}
