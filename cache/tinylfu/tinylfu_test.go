package tinylfu

import "testing"

func TestTinyLFUDoorkeeperThenSketch(t *testing.T) {
	f := New(1024, 1<<20)
	if e := f.Estimate(5); e != 0 {
		t.Fatalf("unseen key estimate %d", e)
	}
	f.Access(5)
	if e := f.Estimate(5); e != 1 {
		t.Fatalf("after one access: %d, want 1 (doorkeeper only)", e)
	}
	for i := 0; i < 4; i++ {
		f.Access(5)
	}
	if e := f.Estimate(5); e != 5 {
		t.Fatalf("after five accesses: %d, want 5", e)
	}
	f.Access(9)
	if !f.Admit(5, 9) || f.Admit(9, 5) || f.Admit(9, 9) {
		t.Fatal("Admit must prefer the strictly more frequent key")
	}
}

func TestTinyLFUPeriodicReset(t *testing.T) {
	const samples = 100
	f := New(1024, samples)
	for i := 0; i < 9; i++ {
		f.Access(1)
	}
	if e := f.Estimate(1); e != 9 {
		t.Fatalf("estimate %d, want 9", e)
	}
	// Fill the rest of the period with distinct keys: the 100th access
	// triggers the aging step.
	for k := uint64(1000); k < 1000+samples-9; k++ {
		f.Access(k)
	}
	if f.Resets() != 1 {
		t.Fatalf("resets %d, want 1", f.Resets())
	}
	// Sketch held 8 (the first access went to the doorkeeper): halved to 4,
	// doorkeeper emptied.
	if e := f.Estimate(1); e != 4 {
		t.Fatalf("after reset: %d, want 4", e)
	}
	f.Clear()
	if e := f.Estimate(1); e != 0 {
		t.Fatalf("after Clear: %d", e)
	}
}

func TestHashSpreads(t *testing.T) {
	seen := map[uint32]bool{}
	for k := uint64(0); k < 4096; k++ {
		seen[uint32(Hash(k))&4095] = true
	}
	if len(seen) < 2400 { // a random function fills ~63% of 4096 slots
		t.Fatalf("sequential keys hit only %d of 4096 slots", len(seen))
	}
}

func TestTinyLFUNoAllocs(t *testing.T) {
	f := New(1024, 10000)
	k := uint64(0)
	if n := testing.AllocsPerRun(100, func() { k++; f.Access(k); _ = f.Admit(k, 3) }); n != 0 {
		t.Fatalf("Access+Admit allocate %v times", n)
	}
}
