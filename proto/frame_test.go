// Frame tests: known frames, incomplete input, size limits from the prefix
// alone, bad headers, in-place writing.

package proto

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// goldenFrames are whole frames, header included, written by hand.
var goldenFrames = []struct {
	name  string
	frame func() []byte
	hex   string
}{
	{"loadBefore request", func() []byte {
		return (&LoadBeforeRequest{Oid: 0xaa, Before: tid2}).AppendFrame(nil, 7)
	}, "00000016 00000007 10 00 00000000000000aa 03f58e0008888888"},
	{"store one-way", func() []byte {
		return (&StoreRequest{Txn: txnX, Oid: 0xaa, Serial: tid1, Data: []byte("DATA")}).AppendFrame(nil, 0)
	}, "00000026 00000000 41 04 1122334455667788 00000000000000aa 03f58e0004444444 00000004 44415441"},
	{"loadBefore reply", func() []byte {
		return (&LoadBeforeReply{Found: true, Data: []byte("DATA"), Start: tid1}).AppendFrame(nil, 7)
	}, "0000001f 00000007 10 01 01 00000004 44415441 03f58e0004444444 0000000000000000"},
	{"invalidateTransaction push", func() []byte {
		return (&InvalidateTransaction{Tid: tid2, Oids: []Oid{0xaa, 0xab}}).AppendFrame(nil, 0)
	}, "00000022 00000000 60 08 03f58e0008888888 00000002 00000000000000aa 00000000000000ab"},
	{"ping", func() []byte { return (&PingRequest{}).AppendFrame(nil, 0xfffffffe) }, "00000006 fffffffe 04 00"},
	{"POSKeyError reply", func() []byte {
		return AppendError(nil, 9, OpLoadBefore, &POSKeyError{Oid: 0xaa})
	}, "0000000f 00000009 10 03 01 00000000000000aa"},
}

func TestGoldenFrames(t *testing.T) {
	for _, c := range goldenFrames {
		want := hx(c.hex)
		got := c.frame()
		if !bytes.Equal(got, want) {
			t.Fatalf("%s:\n got %x\nwant %x", c.name, got, want)
		}
		f, n, err := ReadFrame(want, 0)
		if err != nil || n != len(want) {
			t.Fatalf("%s: ReadFrame: n %d err %v", c.name, n, err)
		}
		if f.Op != Op(want[8]) || f.Flags != Flags(want[9]) || !bytes.Equal(f.Body, want[10:]) {
			t.Fatalf("%s: frame %+v", c.name, f)
		}
		// Every proper prefix is incomplete, not an error.
		for k := 0; k < len(want); k++ {
			if _, n, err := ReadFrame(want[:k], 0); n != 0 || err != nil {
				t.Fatalf("%s: prefix %d: n %d err %v", c.name, k, n, err)
			}
		}
	}
}

func TestReadFramePipelined(t *testing.T) {
	var buf []byte
	buf = (&LoadBeforeRequest{Oid: 1, Before: MaxTid}).AppendFrame(buf, 1)
	buf = (&LoadBeforeRequest{Oid: 2, Before: MaxTid}).AppendFrame(buf, 2)
	buf = (&PingRequest{}).AppendFrame(buf, 3)
	var ids []uint32
	for len(buf) > 0 {
		f, n, err := ReadFrame(buf, 0)
		if err != nil || n == 0 {
			t.Fatalf("n %d err %v", n, err)
		}
		// The body's capacity is clipped: appending to it must not
		// overwrite the next frame.
		_ = append(f.Body, 0xee, 0xee, 0xee, 0xee)
		ids = append(ids, f.MsgID)
		buf = buf[n:]
		if len(buf) > 0 && buf[0] == 0xee {
			t.Fatal("append to Body overwrote the next frame")
		}
	}
	if len(ids) != 3 || ids[0] != 1 || ids[2] != 3 {
		t.Fatalf("msgids %v", ids)
	}
}

func TestFrameTooLargeFromPrefix(t *testing.T) {
	cases := []struct {
		prefix string
		max    uint32
	}{
		{"04000001", 0},          // DefaultMaxFrameSize + 1
		{"ffffffff", 0},          // 4 GiB - 1
		{"00000065", 100},        // custom limit
		{"47455420", 0},          // "GET ": an HTTP client
		{"ffffffff", 0xfffffffe}, // near 2^32
	}
	for _, c := range cases {
		// Only the 4 bytes of the prefix are there: the limit is enforced
		// before waiting for (or allocating) the body.
		_, n, err := ReadFrame(hx(c.prefix), c.max)
		var fe *FrameError
		if n != 0 || !errors.Is(err, ErrFrameTooLarge) || !errors.As(err, &fe) {
			t.Fatalf("prefix %s max %d: n %d err %v", c.prefix, c.max, n, err)
		}
		if _, err := FrameSize(hx(c.prefix), c.max); !errors.Is(err, ErrFrameTooLarge) {
			t.Fatalf("FrameSize %s: %v", c.prefix, err)
		}
	}
	_, _, err := ReadFrame(hx("04000001"), 0)
	if want := "proto: frame of length 67108865: frame too large (max 67108864)"; err.Error() != want {
		t.Fatalf("error text %q", err)
	}
	// At the limit the frame is merely incomplete.
	for _, c := range []struct {
		prefix string
		max    uint32
	}{{"04000000", 0}, {"00000064", 100}, {"ffffffff", 0xffffffff}} {
		if _, n, err := ReadFrame(hx(c.prefix+"00000001 04 00"), c.max); n != 0 || err != nil {
			t.Fatalf("%s at max %d: n %d err %v", c.prefix, c.max, n, err)
		}
	}
	if size, err := FrameSize(hx("ffffffff"), 0xffffffff); err != nil || size != 0xffffffff+4 {
		t.Fatalf("FrameSize near 2^32: %d %v", size, err)
	}
}

func TestReadFrameBadHeader(t *testing.T) {
	for _, c := range []struct {
		hex, reason string
	}{
		{"00000000", "shorter than the frame header"},
		{"00000005 0000000100", "shorter than the frame header"},
		{"00000006 00000001 04 10", "invalid flags 0x10"},
		{"00000006 00000001 04 05", "invalid flags reply|oneway"},
		{"00000006 00000001 04 02", "invalid flags error"},
		{"00000006 00000001 04 09", "invalid flags reply|push"},
		{"00000006 00000001 04 0c", "invalid flags oneway|push"},
	} {
		_, n, err := ReadFrame(hx(c.hex), 0)
		var fe *FrameError
		if n != 0 || !errors.Is(err, ErrBadFrame) || !errors.As(err, &fe) || fe.Reason != c.reason {
			t.Fatalf("%s: n %d err %v", c.hex, n, err)
		}
	}
	_, _, err := ReadFrame(hx("00000006 00000005 04 10"), 0)
	if !strings.Contains(err.Error(), "(msgid 5)") {
		t.Fatalf("error does not name the msgid: %v", err)
	}
	// Unknown ops are well-formed frames; the receiver answers them.
	f, n, err := ReadFrame(hx("00000007 00000001 7e 00 aa"), 0)
	if err != nil || n != 11 || f.Op != 0x7e || f.Op.String() != "Op(0x7e)" || NewMessage(f.Op, f.Flags) != nil {
		t.Fatalf("unknown op: %+v n %d err %v", f, n, err)
	}
}

func TestFlagsValid(t *testing.T) {
	valid := 0
	for i := 0; i < 256; i++ {
		if Flags(i).Valid() {
			valid++
		}
	}
	if valid != 6 {
		t.Fatalf("%d valid flag combinations, want 6", valid)
	}
	if s := (FlagReply | FlagError).String(); s != "reply|error" {
		t.Fatal(s)
	}
	if s := Flags(0x31).String(); s != "reply|0x30" {
		t.Fatal(s)
	}
}

func TestStartFinishFrame(t *testing.T) {
	prefix := []byte("keep")
	dst, start := StartFrame(prefix, 3, OpLoadSerial, FlagReply)
	dst, mark := StartBytesField(dst)
	dst = append(dst, "DATA"...)
	dst = FinishBytesField(dst, mark)
	dst = FinishFrame(dst, start)
	want := append([]byte("keep"), (&LoadSerialReply{Data: []byte("DATA")}).AppendFrame(nil, 3)...)
	if start != 4 || !bytes.Equal(dst, want) {
		t.Fatalf("got %x want %x", dst, want)
	}
	if got := AppendBytesField(nil, nil); !bytes.Equal(got, hx("00000000")) {
		t.Fatalf("nil bytes field %x", got)
	}
	if got := AppendOptBytesField(nil, nil); !bytes.Equal(got, hx("ffffffff")) {
		t.Fatalf("nil optional field %x", got)
	}
	mustPanic(t, "FinishFrame bad start", func() { FinishFrame(make([]byte, 5), 3) })
	mustPanic(t, "FinishBytesField bad mark", func() { FinishBytesField(make([]byte, 2), 3) })
}

func TestStartLoadBeforeReply(t *testing.T) {
	for _, data := range [][]byte{{}, []byte("DATA"), bytes.Repeat([]byte{7}, 5000)} {
		dst := []byte("x")
		dst, start, mark := StartLoadBeforeReply(dst, 11)
		dst = append(dst, data...)
		dst = FinishLoadBeforeReply(dst, start, mark, tid1, tid2)
		want := (&LoadBeforeReply{Found: true, Data: data, Start: tid1, End: tid2}).AppendFrame([]byte("x"), 11)
		if !bytes.Equal(dst, want) {
			t.Fatalf("len %d: got %x want %x", len(data), dst, want)
		}
	}
}

func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Fatalf("%s did not panic", name)
		}
	}()
	f()
}
