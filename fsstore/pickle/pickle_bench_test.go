// Benchmarks and allocation gates for the scanner's hot paths.

package pickle

import (
	"testing"

	"github.com/gozeo/gozeo/proto"
)

var sinkOids []proto.Oid

func bucketRecord(tb testing.TB) []byte {
	return fixtureRecord(tb, "filestorage/btrees/btrees.fs", "BTrees.OOBTree.OOBucket", 1)
}

func smallRecord(tb testing.TB) []byte {
	return fixtureRecord(tb, "filestorage/basic/basic.fs", "fixture_classes.Item", 1)
}

func benchStrongRefs(b *testing.B, data []byte) {
	var s Scanner
	dst := make([]proto.Oid, 0, 64)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var err error
		dst, err = s.StrongRefs(data, dst[:0])
		if err != nil {
			b.Fatal(err)
		}
	}
	sinkOids = dst
}

func BenchmarkStrongRefs(b *testing.B) {
	b.Run("bucket", func(b *testing.B) { benchStrongRefs(b, bucketRecord(b)) })
	b.Run("small", func(b *testing.B) { benchStrongRefs(b, smallRecord(b)) })
	b.Run("protocol1", func(b *testing.B) { benchStrongRefs(b, protocolCases[4].data) })
}

func BenchmarkReferences(b *testing.B) {
	data := bucketRecord(b)
	var s Scanner
	dst := make([]Ref, 0, 64)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var err error
		dst, err = s.References(data, dst[:0])
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClassName(b *testing.B) {
	data := bucketRecord(b)
	var s Scanner
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.ClassName(data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNoAllocs gates the steady state: a warm Scanner and destination slice
// scan without allocating.
func TestNoAllocs(t *testing.T) {
	records := map[string][]byte{"protocol1": protocolCases[4].data, "protocol4": protocolCases[1].data}
	if _, ok := fixturesPresent(); ok {
		records["bucket"] = bucketRecord(t)
		records["small"] = smallRecord(t)
	}
	for name, data := range records {
		var s Scanner
		oids := make([]proto.Oid, 0, 64)
		refs := make([]Ref, 0, 64)
		// Warm up: size the stack, memo, tables and interned names.
		if _, err := s.References(data, refs[:0]); err != nil {
			t.Fatal(err)
		}
		var err error
		if n := testing.AllocsPerRun(100, func() { oids, err = s.StrongRefs(data, oids[:0]) }); n != 0 || err != nil {
			t.Errorf("%s: StrongRefs: %v allocs/op, err %v", name, n, err)
		}
		if n := testing.AllocsPerRun(100, func() { refs, err = s.References(data, refs[:0]) }); n != 0 || err != nil {
			t.Errorf("%s: References: %v allocs/op, err %v", name, n, err)
		}
		if n := testing.AllocsPerRun(100, func() { _, err = s.ClassName(data) }); n != 0 || err != nil {
			t.Errorf("%s: ClassName: %v allocs/op, err %v", name, n, err)
		}
	}
}
