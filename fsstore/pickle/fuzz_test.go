// FuzzReferences: arbitrary bytes never panic, and StrongRefs is exactly the
// strong subsequence of References.

package pickle

import (
	"testing"

	"github.com/gozeo/gozeo/proto"
)

func FuzzReferences(f *testing.F) {
	for _, c := range protocolCases {
		f.Add(c.data)
	}
	if _, ok := fixturesPresent(); ok {
		for _, p := range fixturePickles(f) {
			if len(p) <= 1<<16 {
				f.Add(p)
			}
		}
	}
	f.Add([]byte("((((((((((((((((((((((((((((((((((((((((("))
	f.Add([]byte("\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00N\x94h\x00Q."))
	var s Scanner
	f.Fuzz(func(t *testing.T, data []byte) {
		oids, serr := s.StrongRefs(data, nil)
		refs, rerr := s.References(data, nil)
		if (serr == nil) != (rerr == nil) {
			t.Fatalf("StrongRefs error %v, References error %v", serr, rerr)
		}
		if serr != nil {
			if _, ok := serr.(*Error); !ok {
				t.Fatalf("error %T %v is not a *Error", serr, serr)
			}
			return
		}
		var strong []proto.Oid
		for _, r := range refs {
			if r.Form.Strong() {
				strong = append(strong, r.Oid)
			}
		}
		if len(strong) != len(oids) {
			t.Fatalf("StrongRefs %v, strong References %v", oids, strong)
		}
		for i := range oids {
			if oids[i] != strong[i] {
				t.Fatalf("StrongRefs %v, strong References %v", oids, strong)
			}
		}
		_, _ = s.ClassName(data)
	})
}
