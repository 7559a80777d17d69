package tinylfu

import "testing"

func TestDoorkeeperInsertContains(t *testing.T) {
	d := NewDoorkeeper(1000, 0.01)
	for k := uint64(0); k < 1000; k++ {
		if d.Contains(Hash(k)) && k < 10 {
			// a false positive this early would be extraordinary
			t.Fatalf("empty filter claims key %d", k)
		}
		d.Insert(Hash(k))
	}
	for k := uint64(0); k < 1000; k++ {
		if !d.Contains(Hash(k)) {
			t.Fatalf("inserted key %d missing (bloom filters have no false negatives)", k)
		}
		if !d.Insert(Hash(k)) {
			t.Fatalf("second insert of %d reported absent", k)
		}
	}
	fp := 0
	for k := uint64(1 << 32); k < 1<<32+10000; k++ {
		if d.Contains(Hash(k)) {
			fp++
		}
	}
	if fp > 300 { // 3% against a 1% design rate
		t.Fatalf("false positive rate %d/10000", fp)
	}
	d.Reset()
	if d.Contains(Hash(1)) {
		t.Fatal("Reset left key 1")
	}
}
