package bench_test

import (
	"context"
	"testing"

	"github.com/gozeo/gozeo/bench"
	"github.com/gozeo/gozeo/bench/nativedriver"
	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/compress"
)

// TestCompressedServer runs the tool against an in-process server that
// compresses with zstd: text objects are stored compressed, a client that
// accepts compressed records receives them smaller than they were
// written, one that does not receives them whole, and the client
// workloads (which decompress) run without errors either way.
func TestCompressedServer(t *testing.T) {
	ctx := context.Background()
	p, err := bench.StartInProc(ctx, bench.InProcOptions{Compress: compress.Zstd})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const size, keys = 512, 20
	o := bench.Options{Addr: p.Addr, Workload: "load", N: 1, Keys: keys, Content: bench.ContentText, Size: bench.Options{}.Size}
	o.Size.Min, o.Size.Max = size, size
	if _, err := bench.Run(ctx, &o); err != nil {
		t.Fatal(err)
	}
	received := func(accept bool) int {
		c, err := nativedriver.Dial(ctx, p.Addr, &nativedriver.Options{AcceptCompressed: accept})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SendLoad(0, proto.Oid(keys-1))
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		_, n, err := c.RecvLoad()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := received(false); n != size {
		t.Errorf("plain client received %d bytes of a %d-byte object", n, size)
	}
	if n := received(true); n >= size*2/3 {
		t.Errorf("compressed client received %d bytes of a %d-byte text object stored with zstd", n, size)
	}
	for _, accept := range []bool{false, true} {
		for _, w := range []string{"cold", "load", "update"} {
			r := o
			r.Workload, r.N, r.AcceptCompressed = w, 2*keys, accept
			rep, err := bench.Run(ctx, &r)
			if err != nil {
				t.Fatalf("%s (accept compressed %v): %v", w, accept, err)
			}
			for _, res := range rep.Results {
				if res.Errors != 0 || res.Ops == 0 {
					t.Errorf("%s (accept compressed %v): %d ops, %d errors", w, accept, res.Ops, res.Errors)
				}
			}
		}
	}
}
