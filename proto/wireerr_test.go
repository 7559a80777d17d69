// Error reply tests: known bytes per error code, rebuilding typed errors,
// wrapped and unknown errors, malformed bodies.

package proto

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"
)

var goldenErrors = []struct {
	err error
	hex string
}{
	{&POSKeyError{Oid: 0xaa}, "01 00000000000000aa"},
	{&ConflictError{Oid: 0xaa, Committed: tid2, Read: tid1, Class: "C"},
		"02 00000000000000aa 03f58e0008888888 03f58e0004444444 00000001 43 00000000"},
	{&ReadConflictError{Oid: 0xaa, Committed: tid2, Read: tid1, Message: "m"},
		"03 00000000000000aa 03f58e0008888888 03f58e0004444444 00000000 00000001 6d"},
	{&ReadOnlyError{Msg: "ro"}, "04 00000002 726f"},
	{&StorageTransactionError{Msg: "x"}, "05 00000001 78"},
	{&UndoError{Oid: 0xaa, HasOid: true, Msg: "x"}, "06 01 00000000000000aa 00000001 78"},
	{&UndoError{Msg: "x"}, "06 00 0000000000000000 00000001 78"},
	{&ServerError{Class: "KeyError", Message: "7"}, "07 00000008 4b65794572726f72 00000001 37"},
	{&ProtocolError{Msg: "x"}, "08 00000001 78"},
	{&VersionError{Client: 2, Server: 1}, "09 0002 0001"},
	{ErrNoRevision, "0a"},
}

func TestErrorGoldenAndRebuild(t *testing.T) {
	for _, c := range goldenErrors {
		want := hx(c.hex)
		if got := AppendErrorBody(nil, c.err); !bytes.Equal(got, want) {
			t.Errorf("%T:\n got %x\nwant %x", c.err, got, want)
			continue
		}
		frame := AppendError([]byte("p"), 5, OpVote, c.err)
		f, n, err := ReadFrame(frame[1:], 0)
		if err != nil || n != len(frame)-1 || f.MsgID != 5 || f.Op != OpVote || !f.IsError() || !f.IsReply() {
			t.Fatalf("%T frame %+v: %v", c.err, f, err)
		}
		got := DecodeError(f.Body)
		if !reflect.DeepEqual(got, c.err) {
			t.Errorf("rebuilt %#v, want %#v", got, c.err)
		}
		if got.Error() != c.err.Error() {
			t.Errorf("text %q, want %q", got, c.err)
		}
		for k := 0; k < len(want); k++ {
			var pe *ProtocolError
			err := DecodeError(want[:k])
			if !errors.As(err, &pe) || !errors.Is(err, ErrShortBuffer) {
				t.Fatalf("%T prefix %d: %v", c.err, k, err)
			}
		}
		if err := DecodeError(append(want, 0)); !errors.Is(err, ErrTrailingBytes) {
			t.Fatalf("%T trailing: %v", c.err, err)
		}
	}
}

func TestErrorMapping(t *testing.T) {
	ce := &ConflictError{Oid: 1, Committed: tid2, Read: tid1, Class: "fixture_classes.Item"}
	cases := []struct {
		in   error
		want error
	}{
		{fmt.Errorf("vote txn 3: %w", ce), ce},
		{fmt.Errorf("load: %w", fmt.Errorf("fsstore: %w", &POSKeyError{Oid: 9})), &POSKeyError{Oid: 9}},
		{fmt.Errorf("loadBefore: %w", ErrNoRevision), ErrNoRevision},
		{errors.New("boom"), &ServerError{Class: "Error", Message: "boom"}},
		{io.ErrUnexpectedEOF, &ServerError{Class: "Error", Message: "unexpected EOF"}},
		{nil, &ServerError{Class: "Error", Message: "nil error"}},
	}
	for _, c := range cases {
		got := DecodeError(AppendErrorBody(nil, c.in))
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v: rebuilt %#v, want %#v", c.in, got, c.want)
		}
	}
	got := DecodeError(AppendErrorBody(nil, fmt.Errorf("x: %w", ce)))
	var back *ConflictError
	if !errors.As(got, &back) || !IsConflict(got) || back.Class != "fixture_classes.Item" {
		t.Fatalf("conflict not rebuilt: %v", got)
	}
	if got := DecodeError(AppendErrorBody(nil, ErrNoRevision)); !errors.Is(got, ErrNoRevision) {
		t.Fatalf("ErrNoRevision: %v", got)
	}
}

func TestDecodeErrorMalformed(t *testing.T) {
	for _, body := range []string{"", "00", "0b", "ff 00", "06 02 0000000000000000 00000000", "07 ffffffff"} {
		err := DecodeError(hx(body))
		var pe *ProtocolError
		var me *MessageError
		if !errors.As(err, &pe) || !errors.As(err, &me) {
			t.Errorf("%q: %v", body, err)
		}
	}
	err := DecodeError(hx("2a"))
	if want := "protocol error: malformed error reply: proto: decode error reply: code at offset 0: invalid field value"; err.Error() != want {
		t.Fatalf("text %q", err)
	}
}
