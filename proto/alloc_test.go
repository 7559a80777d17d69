// Allocation gates: the hot-path codecs must not allocate.

package proto

import "testing"

func assertNoAllocs(t *testing.T, name string, f func()) {
	t.Helper()
	if n := testing.AllocsPerRun(100, f); n != 0 {
		t.Errorf("%s: %v allocations per run, want 0", name, n)
	}
}

func TestHotPathNoAllocs(t *testing.T) {
	buf := make([]byte, 0, 1<<16)
	data := make([]byte, 4096)
	oids := make([]Oid, 200)
	for i := range oids {
		oids[i] = Oid(i)
	}
	var err error

	// LoadBefore request, client encodes, server decodes.
	var lbReq LoadBeforeRequest
	assertNoAllocs(t, "LoadBeforeRequest encode", func() {
		req := LoadBeforeRequest{Oid: 0xaa, Before: MaxTid}
		buf = req.AppendFrame(buf[:0], 1)
	})
	reqFrame := append([]byte(nil), buf...)
	assertNoAllocs(t, "LoadBeforeRequest decode", func() {
		f, _, _ := ReadFrame(reqFrame, 0)
		err = lbReq.Decode(f.Body)
	})
	if err != nil || lbReq.Oid != 0xaa {
		t.Fatal(err, lbReq)
	}

	// LoadBefore reply, both the struct and the in-place server path.
	var lbRep LoadBeforeReply
	assertNoAllocs(t, "LoadBeforeReply encode", func() {
		rep := LoadBeforeReply{Found: true, Data: data, Start: tid1, End: tid2}
		buf = rep.AppendFrame(buf[:0], 1)
	})
	assertNoAllocs(t, "StartLoadBeforeReply", func() {
		dst, start, mark := StartLoadBeforeReply(buf[:0], 1)
		dst = append(dst, data...)
		buf = FinishLoadBeforeReply(dst, start, mark, tid1, tid2)
	})
	repFrame := append([]byte(nil), buf...)
	assertNoAllocs(t, "LoadBeforeReply decode", func() {
		f, _, _ := ReadFrame(repFrame, 0)
		err = lbRep.Decode(f.Body)
	})
	if err != nil || len(lbRep.Data) != len(data) {
		t.Fatal(err)
	}

	// Store.
	var st StoreRequest
	assertNoAllocs(t, "StoreRequest encode", func() {
		m := StoreRequest{Txn: txnX, Oid: 0xaa, Serial: tid1, Data: data}
		buf = m.AppendFrame(buf[:0], 0)
	})
	storeFrame := append([]byte(nil), buf...)
	assertNoAllocs(t, "StoreRequest decode", func() {
		f, _, _ := ReadFrame(storeFrame, 0)
		err = st.Decode(f.Body)
	})
	if err != nil || st.Txn != txnX {
		t.Fatal(err)
	}

	// InvalidateTransaction with a reused oid slice: after the first
	// decode has grown it, decoding allocates nothing.
	assertNoAllocs(t, "InvalidateTransaction encode", func() {
		m := InvalidateTransaction{Tid: tid2, Oids: oids}
		buf = m.AppendFrame(buf[:0], 0)
	})
	invFrame := append([]byte(nil), buf...)
	var inv InvalidateTransaction
	f, _, _ := ReadFrame(invFrame, 0)
	if err := inv.Decode(f.Body); err != nil {
		t.Fatal(err)
	}
	assertNoAllocs(t, "InvalidateTransaction decode (reused oids)", func() {
		f, _, _ := ReadFrame(invFrame, 0)
		err = inv.Decode(f.Body)
	})
	if err != nil || len(inv.Oids) != len(oids) {
		t.Fatal(err, len(inv.Oids))
	}

	// ReadFrame alone, including incomplete input.
	assertNoAllocs(t, "ReadFrame", func() {
		_, _, err = ReadFrame(storeFrame, 0)
		_, _, _ = ReadFrame(storeFrame[:20], 0)
	})
	if err != nil {
		t.Fatal(err)
	}

	// A vote reply reused for decoding.
	vote := (&VoteReply{Tid: tid2, Resolved: oids[:10]}).AppendTo(nil)
	var vr VoteReply
	_ = vr.Decode(vote)
	assertNoAllocs(t, "VoteReply decode (reused)", func() { err = vr.Decode(vote) })
}
