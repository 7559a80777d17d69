// The bridge's byte pump: no allocation per message once running.

package server

import (
	"io"
	"net"
	"testing"
	"time"
)

// pumpRig runs pump from one socket pair to another: the test writes to
// in, the pump copies, the test reads from out.
func pumpRig(t testing.TB) (in, out net.Conn, stop func()) {
	t.Helper()
	inW, inR, err := bridgePair()
	if err != nil {
		t.Fatal(err)
	}
	outW, outR, err := bridgePair()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- pump(outW, inR) }()
	return inW, outR, func() {
		inW.Close()
		if err := <-done; err != nil {
			t.Errorf("pump ended with %v, want a clean EOF", err)
		}
		inR.Close()
		outW.Close()
		outR.Close()
	}
}

func TestPumpNoAllocs(t *testing.T) {
	in, out, stop := pumpRig(t)
	defer stop()
	msg := make([]byte, 1024)
	buf := make([]byte, 1024)
	roundTrip := func() {
		if _, err := in.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(out, buf); err != nil {
			t.Fatal(err)
		}
	}
	roundTrip()
	if n := testing.AllocsPerRun(100, roundTrip); n != 0 {
		t.Fatalf("%v allocations per message through the pump", n)
	}
}

// TestPumpEndsAndPropagates: the pump forwards everything written before
// EOF, then reports a clean end; a failed write is reported.
func TestPumpEndsAndPropagates(t *testing.T) {
	inW, inR, _ := bridgePair()
	outW, outR, _ := bridgePair()
	defer inR.Close()
	defer outR.Close()
	done := make(chan error, 1)
	go func() { done <- pump(outW, inR) }()
	inW.Write([]byte("last words"))
	inW.Close()
	if err := <-done; err != nil {
		t.Fatalf("pump after EOF: %v", err)
	}
	outW.Close()
	if got, err := io.ReadAll(outR); err != nil || string(got) != "last words" {
		t.Fatalf("%q %v", got, err)
	}

	src, srcPeer, _ := bridgePair()
	dst, dstPeer, _ := bridgePair()
	defer src.Close()
	defer srcPeer.Close()
	dstPeer.Close() // nobody reads: the pump's write fails
	go func() { done <- pump(dst, src) }()
	srcPeer.SetWriteDeadline(time.Now().Add(5 * time.Second))
	srcPeer.Write(make([]byte, 4096)) // the pump reads it and fails to write it
	if err := <-done; err == nil {
		t.Fatal("a write to a closed peer did not end the pump with an error")
	}
	dst.Close()
}

func BenchmarkPump(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10} {
		b.Run(map[int]string{1 << 10: "1KiB", 64 << 10: "64KiB"}[size], func(b *testing.B) {
			in, out, stop := pumpRig(b)
			defer stop()
			msg, buf := make([]byte, size), make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := in.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(out, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
