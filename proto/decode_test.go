// Hostile-input tests: invalid field values, and lengths and counts near
// 2^32.

package proto

import (
	"errors"
	"testing"
)

// TestDecodeBadValues checks values a field's type does not allow.
func TestDecodeBadValues(t *testing.T) {
	cases := []struct {
		m     Message
		body  string
		field string
		off   int
	}{
		{&RegisterRequest{}, "00000001 31 02", "read_only", 5},
		{&LoadBeforeReply{}, "02", "found", 0},
		{&LoadBeforeReply{}, "01 ffffffff 03f58e0004444444 0000000000000000", "data", 1},
		{&RecordIterNextReply{}, "03", "status", 0},
		{&GetInvalidationsReply{}, "ff", "known", 0},
		{&PackRequest{}, "03f58e0008888888 00 07", "wait", 9},
		{&StoreRequest{}, "1122334455667788 00000000000000aa 03f58e0004444444 ffffffff", "data", 24},
	}
	for _, c := range cases {
		err := c.m.Decode(hx(c.body))
		var me *MessageError
		if !errors.Is(err, ErrBadValue) || !errors.As(err, &me) || me.Field != c.field || me.Offset != c.off {
			t.Errorf("%T.Decode(%s) = %v; want ErrBadValue at %s offset %d", c.m, c.body, err, c.field, c.off)
		}
	}
	err := (&StoreRequest{}).Decode(hx("1122334455667788 00000000000000aa"))
	if err == nil || err.Error() != "proto: decode Store request: serial at offset 16: short buffer" {
		t.Fatalf("error text: %v", err)
	}
}

// TestHugeLengths checks lengths and counts near 2^32: they are rejected
// with ErrShortBuffer, without overflow and without allocating for them.
func TestHugeLengths(t *testing.T) {
	for _, body := range []string{
		"fffffffe 0102",             // data length just below the nil marker
		"ffffffff",                  // nil marker where nil is not allowed
		"80000000 00",               // 2^31
		"fffffff8 0000000000000000", // length that would wrap a 32-bit offset
	} {
		var m LoadSerialReply
		if err := m.Decode(hx(body)); err == nil {
			t.Errorf("LoadSerialReply accepted %s", body)
		}
	}
	var oids NewOIDsReply
	if err := oids.Decode(hx("ffffffff 0000000000000001")); !errors.Is(err, ErrShortBuffer) {
		t.Fatalf("count 2^32-1: %v", err)
	}
	if cap(oids.Oids) != 0 {
		t.Fatalf("hostile count allocated %d oids", cap(oids.Oids))
	}
	var h HistoryReply
	if err := h.Decode(hx("20000000 03f58e0004444444")); !errors.Is(err, ErrShortBuffer) || cap(h.Entries) != 0 {
		t.Fatalf("history count 2^29: %v (cap %d)", err, cap(h.Entries))
	}
	var v VoteReply
	if err := v.Decode(hx("0000000000000000 00000000 ffffffff")); !errors.Is(err, ErrShortBuffer) || cap(v.Resolved) != 0 {
		t.Fatalf("vote resolved count: %v", err)
	}
	var u UndoInfoRequest
	if err := u.Decode(hx("0000000000000000 0000000000000000 fffffffe 00")); !errors.Is(err, ErrShortBuffer) {
		t.Fatalf("optional field of 2^32-2: %v", err)
	}
	var gi GetInfoReply
	if err := gi.Decode(hx("0000000000000000 0000000000000000 00 00 00 00000000 7fffffff")); !errors.Is(err, ErrShortBuffer) || cap(gi.Interfaces) != 0 {
		t.Fatalf("interfaces count: %v", err)
	}
}
