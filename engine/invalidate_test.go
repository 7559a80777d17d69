package engine

import (
	"slices"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

func TestInvalQueue(t *testing.T) {
	q := newInvalQueue(3)
	q.setFloor(10)
	if tid, oids, ok, in := q.since(10); !ok || !in || tid != 10 || len(oids) != 0 {
		t.Fatalf("up to date: %v %v %v %v", tid, oids, ok, in)
	}
	if _, _, _, in := q.since(5); in {
		t.Fatal("an empty queue cannot answer for an older tid")
	}
	q.add(11, []proto.Oid{1, 2})
	q.add(12, []proto.Oid{2, 3})
	q.add(13, []proto.Oid{4})
	tid, oids, ok, in := q.since(11)
	if !ok || !in || tid != 13 || !slices.Equal(oids, []proto.Oid{2, 3, 4}) {
		t.Fatalf("since 11: %v %v %v %v", tid, oids, ok, in)
	}
	q.add(14, []proto.Oid{9}) // evicts 11
	if _, _, _, in := q.since(10); in {
		t.Fatal("tid 10 is older than the queue now")
	}
	if tid, oids, ok, in := q.since(12); !ok || !in || tid != 14 || !slices.Equal(oids, []proto.Oid{4, 9}) {
		t.Fatalf("since 12 after eviction: %v %v", tid, oids)
	}
	if tid, _, ok, _ := q.since(20); !ok || tid != 14 {
		t.Fatal("a client ahead gets the newest tid")
	}
}
