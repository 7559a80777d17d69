package trace

import (
	"testing"

	"github.com/gozeo/gozeo/cache"
	"github.com/gozeo/gozeo/proto"
)

func TestGeneratorDeterministic(t *testing.T) {
	cfg := GenConfig{Seed: 5, Objects: 1000, Loads: 5000, ScanEvery: 1000, ScanLength: 100, ShiftEvery: 2000, CommitEvery: 7}
	a, b := GenerateEvents(cfg), GenerateEvents(cfg)
	if len(a) != len(b) {
		t.Fatalf("lengths %d %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("event %d differs: %+v %+v", i, a[i], b[i])
		}
	}
	cfg.Seed = 6
	c := GenerateEvents(cfg)
	same := 0
	for i := 0; i < min(len(a), len(c)); i++ {
		if a[i] == c[i] {
			same++
		}
	}
	if same > len(a)/2 {
		t.Fatalf("seed 6 repeats %d of %d events of seed 5", same, len(a))
	}
}

func TestGeneratorShape(t *testing.T) {
	cfg := GenConfig{Seed: 1, Objects: 2000, Loads: 40000, ZipfS: 1.2, ScanEvery: 5000, ScanLength: 300,
		ShiftEvery: 20000, ShiftBy: 500, CommitEvery: 10, MinSize: 50, MaxSize: 500}
	g := NewGenerator(cfg)
	loads, commits := 0, 0
	scanSeen := map[proto.Oid]int{}
	firstHalf, secondHalf := map[proto.Oid]int{}, map[proto.Oid]int{}
	for {
		op, ok := g.Next()
		if !ok {
			break
		}
		if op.Size < 50 || op.Size > 500 || op.Size != g.Size(op.Oid) {
			t.Fatalf("size %d of %d", op.Size, op.Oid)
		}
		switch op.Kind {
		case OpLoad:
			loads++
			if op.Oid >= scanBase {
				scanSeen[op.Oid]++
			} else if loads < 19000 {
				firstHalf[op.Oid]++
			} else if loads > 21000 {
				secondHalf[op.Oid]++
			}
		case OpCommit:
			commits++
			if op.Oid >= scanBase {
				t.Fatal("commit of a scan object")
			}
		}
	}
	if loads != 40000 {
		t.Fatalf("%d loads", loads)
	}
	// Popularity loads: 40000 minus the scans' 300 each.
	scans := len(scanSeen) / 300
	if len(scanSeen)%300 != 0 || scans < 6 || scans > 7 {
		t.Fatalf("%d scan objects", len(scanSeen))
	}
	for oid, n := range scanSeen {
		if n != 1 {
			t.Fatalf("scan object %d loaded %d times", oid, n)
		}
	}
	if popular := loads - len(scanSeen); commits != popular/10 {
		t.Fatalf("%d commits for %d popularity loads", commits, popular)
	}
	top := func(m map[proto.Oid]int) proto.Oid {
		var best proto.Oid
		for oid, n := range m {
			if n > m[best] {
				best = oid
			}
		}
		return best
	}
	// Rank 0 is oid 1 before the shift and oid 501 after it.
	if a, b := top(firstHalf), top(secondHalf); a != 1 || b != 501 {
		t.Fatalf("hottest oid %d then %d, want 1 then 501", a, b)
	}
	if firstHalf[1] < 10*firstHalf[100] {
		t.Fatalf("not skewed: oid 1 %d loads, oid 100 %d", firstHalf[1], firstHalf[100])
	}
}

func TestGeneratedTraceIsAnUnboundedCache(t *testing.T) {
	evs := GenerateEvents(GenConfig{Seed: 8, Objects: 300, Loads: 3000, CommitEvery: 5})
	if evs[0].Code != cache.TraceRestart {
		t.Fatal("no restart record first")
	}
	cached := map[proto.Oid]proto.Tid{}
	for i, ev := range evs[1:] {
		switch ev.Code {
		case cache.TraceLoadHit:
			if s, ok := cached[ev.Oid]; !ok || s != ev.Start {
				t.Fatalf("event %d: hit on oid %d start %s not cached (%s %v)", i, ev.Oid, ev.Start, s, ok)
			}
		case cache.TraceLoadMiss:
			if _, ok := cached[ev.Oid]; ok {
				t.Fatalf("event %d: miss on cached oid %d", i, ev.Oid)
			}
			st := evs[i+2] // the store right after
			if st.Code != cache.TraceStore || st.Oid != ev.Oid {
				t.Fatalf("event %d: miss not followed by its store: %+v", i, st)
			}
		case cache.TraceStore:
			cached[ev.Oid] = ev.Start
		case cache.TraceInvalidateKeep:
			if s, ok := cached[ev.Oid]; !ok || ev.Start <= s {
				t.Fatalf("event %d: invalidation %s of %d (cached %s %v)", i, ev.Start, ev.Oid, s, ok)
			}
			delete(cached, ev.Oid)
		case cache.TraceInvalidateMiss:
			if _, ok := cached[ev.Oid]; ok {
				t.Fatalf("event %d: invalidate miss on cached oid", i)
			}
		default:
			t.Fatalf("event %d: unexpected code %02x", i, ev.Code)
		}
	}
}
