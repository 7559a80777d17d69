// Hostile and malformed input: deep nesting, huge declared lengths,
// unknown opcodes, forbidden globals, bad UTF-8 and keys, underflow,
// cycles. Every case must fail with the right error, never panic or hang.

package zeo5

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func rep(s string, n int) string { return strings.Repeat(s, n) }

func TestHostilePickle(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want error
		off  int // expected offset, -1 to skip
	}{
		{"marks 10000 deep", "\x80\x03" + rep("(", 10000), ErrTooDeep, 102},
		{"lists 10000 deep", "\x80\x03" + rep("]", 10000) + rep("a", 9999) + ".", ErrTooDeep, -1},
		{"tuples 10000 deep", "\x80\x03)" + rep("\x85", 10000) + ".", ErrTooDeep, -1},
		{"4 GiB BINBYTES", "\x80\x03B\xff\xff\xff\xff", ErrTruncated, 2},
		{"2^64 BINBYTES8", "\x80\x03\x8e\xff\xff\xff\xff\xff\xff\xff\xff", ErrTruncated, 2},
		{"4 GiB BINUNICODE", "\x80\x03X\xff\xff\xff\xffab", ErrTruncated, 2},
		{"huge FRAME", "\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\x7fN.", ErrTruncated, 2},
		{"text INT opcode", "\x80\x03I1\n.", ErrUnknownOpcode, 2},
		{"PERSID", "\x80\x03P1\n.", ErrUnknownOpcode, 2},
		{"byte 0x00", "\x80\x03\x00", ErrUnknownOpcode, 2},
		{"GLOBAL os.system", "\x80\x03cos\nsystem\nX\x02\x00\x00\x00id\x85R.", ErrForbiddenGlobal, 2},
		{"STACK_GLOBAL os.system", "\x80\x04\x8c\x02os\x8c\x06system\x93.", ErrForbiddenGlobal, 14},
		{"GLOBAL without newline", "\x80\x03cbuiltins", ErrTruncated, 2},
		{"TUPLE without MARK", "\x80\x03N t.", ErrUnknownOpcode, -1},
		{"TUPLE no MARK", "\x80\x03Nt.", ErrStackUnderflow, 3},
		{"TUPLE2 of one", "\x80\x03N\x86.", ErrStackUnderflow, 3},
		{"TUPLE1 across MARK", "\x80\x03N(\x85.", ErrStackUnderflow, 4},
		{"APPEND of one", "\x80\x03]a.", ErrStackUnderflow, 3},
		{"APPENDS no list", "\x80\x03(K\x01e.", ErrStackUnderflow, 5},
		{"APPEND to tuple", "\x80\x03)K\x01a.", ErrBadPickle, 5},
		{"SETITEMS odd", "\x80\x03}(K\x01u.", ErrBadPickle, 6},
		{"list key", "\x80\x03}]K\x01s.", ErrBadMapKey, 6},
		{"tuple-of-list key", "\x80\x03}]\x85K\x01s.", ErrBadMapKey, 7},
		{"self append", "\x80\x03]q\x00h\x00a.", ErrBadPickle, 7},
		{"mutate after embed", "\x80\x03]q\x00h\x00\x85h\x00K\x01a.", ErrBadPickle, 12},
		{"BINGET undefined", "\x80\x03h\x05.", ErrBadPickle, 2},
		{"LONG_BINPUT huge", "\x80\x03Nr\xff\xff\xff\x7f.", ErrTooLarge, 3},
		{"LONG1 2^64", "\x80\x03\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01.", ErrIntRange, 2},
		{"LONG1 -2^63-1", "\x80\x03\x8a\x09\xff\xff\xff\xff\xff\xff\xff\x7f\xff.", ErrIntRange, 2},
		{"LONG4 negative length", "\x80\x03\x8b\xff\xff\xff\xff.", ErrBadPickle, 2},
		{"REDUCE of int", "\x80\x03K\x01)R.", ErrBadPickle, 5},
		{"BUILD on list", "\x80\x03]NbN.", ErrBadPickle, 4},
		{"bad UTF-8", "\x80\x03X\x02\x00\x00\x00\xff\xfe.", ErrInvalidUTF8, 2},
		{"surrogate", "\x80\x03X\x03\x00\x00\x00\xed\xa0\x80.", ErrInvalidUTF8, 2},
		{"two values at STOP", "\x80\x03NN.", ErrBadPickle, 4},
		{"open MARK at STOP", "\x80\x03N(.", ErrBadPickle, 4},
		{"trailing bytes", "\x80\x03N.N", ErrTrailingBytes, 3},
		{"no STOP", "\x80\x03N", ErrTruncated, 3},
		{"PROTO 9", "\x80\x09N.", ErrBadPickle, 0},
		{"empty", "", ErrTruncated, 0},
	}
	var d Decoder
	for _, c := range cases {
		_, err := d.DecodeValue(Pickle, []byte(c.in))
		checkHostile(t, c.name, err, c.want, c.off)
	}
}

func TestHostileMsgpack(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want error
		off  int
	}{
		{"arrays 10000 deep", rep("\x91", 10000) + "\xc0", ErrTooDeep, 100},
		{"maps 10000 deep", rep("\x81\xa1k", 10000) + "\xc0", ErrTooDeep, 300},
		{"4 GiB bin32", "\xc6\xff\xff\xff\xffab", ErrTruncated, 0},
		{"4 GiB str32", "\xdb\xff\xff\xff\xff", ErrTruncated, 0},
		{"2^32 item array", "\xdd\xff\xff\xff\xff\xc0", ErrTruncated, 0},
		{"2^32 pair map", "\xdf\xff\xff\xff\xff\xc0", ErrTruncated, 0},
		{"never-used 0xc1", "\xc1", ErrUnknownOpcode, 0},
		{"fixext1", "\xd4\x01\x00", ErrUnknownOpcode, 0},
		{"ext8", "\x92\xc0\xc7\x01\x01\x00", ErrUnknownOpcode, 2},
		{"non-UTF-8 str", "\xa2\xff\xfe", ErrInvalidUTF8, 0},
		{"surrogate str", "\xa3\xed\xa0\x80", ErrInvalidUTF8, 0},
		{"int map key", "\x81\x01\x02", ErrBadMapKey, 1},
		{"nil map key", "\x92\xc0\x81\xc0\x02", ErrBadMapKey, 3},
		{"array map key", "\x81\x90\x02", ErrBadMapKey, 1},
		{"trailing", "\xc0\xc0", ErrTrailingBytes, 1},
		{"truncated uint64", "\xcf\x00\x00", ErrTruncated, 0},
		{"empty", "", ErrTruncated, 0},
	}
	var d Decoder
	for _, c := range cases {
		_, err := d.DecodeValue(Msgpack, []byte(c.in))
		checkHostile(t, c.name, err, c.want, c.off)
	}
}

func checkHostile(t *testing.T, name string, err, want error, off int) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %v", name, err, want)
		return
	}
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Errorf("%s: %T is not a *DecodeError", name, err)
		return
	}
	if off >= 0 && de.Offset != off {
		t.Errorf("%s: offset %d, want %d (%v)", name, de.Offset, off, err)
	}
	if !strings.Contains(err.Error(), "offset") {
		t.Errorf("%s: error does not name the offset: %v", name, err)
	}
}

func TestNotAMessage(t *testing.T) {
	var d Decoder
	for _, c := range []struct {
		enc Encoding
		in  string
	}{
		{Msgpack, "\xc0"},
		{Msgpack, "\x93\x01\xc2\xa1x"},
		{Msgpack, "\x94\x01\xa1x\xa1x\x90"},                                // flags a str
		{Msgpack, "\x94\x01\xc2\xc4\x01x\x90"},                             // name as bin
		{Msgpack, "\x94\x01\xcf\xff\xff\xff\xff\xff\xff\xff\xff\xa1x\x90"}, // flags 2^64-1
		{Pickle, "\x80\x03(K\x01\x89C\x01xNt."},                            // name as bytes
		{Pickle, "\x80\x03K\x01."},
	} {
		if _, err := d.Decode(c.enc, []byte(c.in)); !errors.Is(err, ErrBadMessage) {
			t.Errorf("%s %x: %v", c.enc, c.in, err)
		}
	}
	if _, err := d.Decode(Encoding('X'), []byte{1}); !errors.Is(err, ErrBadEncoding) {
		t.Errorf("bad encoding: %v", err)
	}
}

func TestMaxValues(t *testing.T) {
	d, err := NewDecoder(&Options{MaxValues: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.DecodeValue(Pickle, []byte("\x80\x03("+rep("N", 2000)+"t.")); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("pickle: %v", err)
	}
	if _, err := d.DecodeValue(Msgpack, []byte("\xdc\x07\xd0"+rep("\xc0", 2000))); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("msgpack: %v", err)
	}
	if _, err := NewDecoder(&Options{MaxDepth: -1}); err == nil {
		t.Fatal("negative MaxDepth accepted")
	}
	if _, err := NewDecoder(&Options{MaxDepth: 1 << 20}); err == nil {
		t.Fatal("huge MaxDepth accepted")
	}
}

// TestAlternatingAppends: appending in turn to two lists (through the
// memo, which defeats growing in place) costs time linear in the number of
// appends, not quadratic. The leftover stack is then rejected.
func TestAlternatingAppends(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("\x80\x03]q\x00]q\x01")
	for i := 0; i < 50000; i++ {
		b.WriteString("h\x00K\x01ah\x01K\x01a")
	}
	b.WriteString(".")
	var d Decoder
	if _, err := d.DecodeValue(Pickle, b.Bytes()); !errors.Is(err, ErrBadPickle) {
		t.Fatalf("leftover stack: %v", err)
	}
}

// TestMemoPickles: memo opcodes, MEMOIZE and FRAME (protocol 4) decode, and
// a msgid that used memo gets standalone raw bytes.
func TestMemoPickles(t *testing.T) {
	// (1, False, "ping", ()) with the name memoized and reused in args:
	// protocol 4 framing, MEMOIZE, BINGET.
	body := "\x8c\x04ping\x94(K\x01\x89h\x00)t."
	in := "\x80\x04\x95" + string([]byte{byte(len(body)), 0, 0, 0, 0, 0, 0, 0}) + body
	var d Decoder
	m, err := d.Decode(Pickle, []byte(in))
	if err == nil {
		t.Fatalf("4-tuple with 5 items accepted: %+v", m)
	}
	body = "(\x8c\x04ping\x94\x85\x94K\x01\x8c\x04ping\x94h\x01t."
	in = "\x80\x04\x95" + string([]byte{byte(len(body)), 0, 0, 0, 0, 0, 0, 0}) + body
	if m, err = d.Decode(Pickle, []byte(in)); err != nil {
		t.Fatal(err)
	}
	// msgid ("ping",) was memoized: its raw bytes are re-encoded without memo.
	if string(m.Name) != "ping" || m.Flags != 1 || string(m.MsgIDRaw) != "X\x04\x00\x00\x00ping\x85" {
		t.Fatalf("%q %d %q", m.Name, m.Flags, m.MsgIDRaw)
	}
	if a := m.Args; a.Kind() != KindTuple || d.Len(a) != 1 {
		t.Fatalf("args %v", a.Kind())
	}
	// A global of an allowed module with REDUCE and BUILD round-trips.
	in = "\x80\x03(K\x01\x89X\x04\x00\x00\x00undocZopeUndo.Prefix\nPrefix\nX\x01\x00\x00\x00a\x85R}bt."
	if m, err = d.Decode(Pickle, []byte(in)); err != nil {
		t.Fatal(err)
	}
	p, ok := d.Object(m.Args)
	mod, name, _ := d.Global(p.Callable)
	if !ok || !p.HasState || p.NewObj || string(mod) != "ZopeUndo.Prefix" || string(name) != "Prefix" {
		t.Fatalf("object %+v", p)
	}
	w := NewWriter(Pickle, nil)
	if err := w.Message(&d, &m); err != nil || !bytes.Equal(w.Bytes()[4:], []byte(in)) {
		t.Fatalf("re-encode %q %v", w.Bytes(), err)
	}
	w.Reset(Msgpack, nil)
	if err := w.Message(&d, &m); !errors.Is(err, ErrNotEncodable) || len(w.Bytes()) != 0 {
		t.Fatalf("object in msgpack: %v %q", err, w.Bytes())
	}
}

// dagPickle returns opcodes that leave one tuple on the stack, t_n =
// (t_n-1, t_n-1) built through the memo: n+1 nodes in the pickle, 2^n
// leaves when expanded.
func dagPickle(n int) string {
	var b strings.Builder
	b.WriteString("NN\x86q\x00")
	for i := 1; i <= n; i++ {
		b.WriteString("h" + string(rune(i-1)) + "\x86q" + string(rune(i)))
	}
	return b.String()
}

// TestSharedReferenceBombs: values that share containers through the memo
// must not expand exponentially when re-encoded (an echoed msgid, an
// extension dict), and duplicate keys must not cost quadratic time.
func TestSharedReferenceBombs(t *testing.T) {
	chain := dagPickle(60)
	var d Decoder
	msg := "\x80\x03(" + chain + "K\x00X\x04\x00\x00\x00ping)t."
	if _, err := d.Decode(Pickle, []byte(msg)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("msgid bomb: %v", err)
	}
	ext := "\x80\x03}(X\x01\x00\x00\x00k" + chain + "u."
	v, err := d.DecodeValue(Pickle, []byte(ext))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AppendExtensionPickle(nil, &d, v, Pickle); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("extension bomb: %v", err)
	}
	w := NewWriter(Pickle, nil)
	w.BeginReply([]byte("K\x01"))
	w.Value(&d, v)
	if err := w.EndMessage(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("reply bomb: %v", err)
	}
	var d2 Decoder
	v2, _ := d2.DecodeValue(Pickle, []byte(ext))
	if Equal(&d, v, &d2, v2) {
		t.Fatal("Equal must give up on a bomb")
	}
	// 100,000 keys that are the same 100,000-item tuple: hashability is
	// known per tuple, not recomputed per key.
	var b strings.Builder
	b.WriteString("\x80\x03(" + rep("N", 100000) + "tq\x00}(" + rep("h\x00K\x01", 100000) + "u.")
	if _, err := d.DecodeValue(Pickle, []byte(b.String())); !errors.Is(err, ErrBadPickle) {
		t.Fatalf("duplicate tuple keys: %v", err)
	}
}
