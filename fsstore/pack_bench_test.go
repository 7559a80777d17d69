// Benchmark of a pack over a generated file.

package fsstore

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkPack packs a generated file of 100,000 records (25,000 oids,
// so three quarters of the records are old revisions) to its last
// transaction, with and without GC (the generated objects hold no
// references: GC keeps only the root).
func BenchmarkPack(b *testing.B) {
	src := filepath.Join(b.TempDir(), "src.fs")
	gen, err := Generate(src, GenerateOptions{Records: 100_000, Oids: 25_000}, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, gc := range []bool{false, true} {
		name := map[bool]string{false: "nogc", true: "gc"}[gc]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(gen.Size)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				path := filepath.Join(b.TempDir(), "Data.fs")
				copyFile(b, src, path)
				s, err := Open(path, &Options{NoIndex: true})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				res, err := s.Pack(context.Background(), gen.LastTid, &PackOptions{GC: gc})
				if err != nil || !res.Changed {
					b.Fatal(res, err)
				}
				b.StopTimer()
				s.Close()
				b.StartTimer()
			}
		})
	}
}

func copyFile(tb testing.TB, src, dst string) {
	tb.Helper()
	in, err := os.Open(src)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
}
