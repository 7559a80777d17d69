package workload

import (
	"errors"
	"math/rand/v2"
	"testing"
)

func TestParseSizes(t *testing.T) {
	for in, want := range map[string]Sizes{"512": {512, 512}, "100-4096": {100, 4096}, " 1 - 2 ": {1, 2}} {
		got, err := ParseSizes(in)
		if err != nil || got != want {
			t.Errorf("ParseSizes(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "0", "10-5", "1-x", "-5", "99999999999"} {
		if _, err := ParseSizes(in); !errors.Is(err, ErrBadSize) {
			t.Errorf("ParseSizes(%q) = %v, want ErrBadSize", in, err)
		}
	}
	if (Sizes{100, 4096}).String() != "100-4096" || (Sizes{7, 7}).String() != "7" {
		t.Fatal("String")
	}
}

func TestSizesNextRange(t *testing.T) {
	z := Sizes{100, 199}
	r := rand.New(rand.NewPCG(1, 2))
	seen := make([]int, 100)
	for i := 0; i < 100000; i++ {
		n := z.Next(r)
		if n < 100 || n > 199 {
			t.Fatalf("size %d outside %v", n, z)
		}
		seen[n-100]++
	}
	for i, n := range seen {
		if n < 800 || n > 1200 { // 1000 expected
			t.Fatalf("size %d drawn %d times in 100000", 100+i, n)
		}
	}
	if (Sizes{5, 5}).Next(r) != 5 || z.Mean() != 149 {
		t.Fatal("fixed size or mean")
	}
}

func TestPartitionAndPerm(t *testing.T) {
	covered := make([]int, 10)
	for i := 0; i < 3; i++ {
		lo, hi := Partition(10, 3, i)
		if hi-lo < 3 || hi-lo > 4 {
			t.Fatalf("share %d: [%d, %d)", i, lo, hi)
		}
		for _, k := range Perm(lo, hi, uint64(i)) {
			covered[k]++
		}
	}
	for k, n := range covered {
		if n != 1 {
			t.Fatalf("key %d covered %d times", k, n)
		}
	}
	if lo, hi := Partition(10, 3, 5); lo != 0 || hi != 0 {
		t.Fatal("out-of-range worker has a share")
	}
}
