// Hostile, truncated and malformed input: every failure is a positioned
// *Error with the right sentinel, never a panic.

package pickle

import (
	"errors"
	"strings"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

func TestMalformed(t *testing.T) {
	oid := "\x00\x00\x00\x00\x00\x00\x00\x07"
	cases := []struct {
		name   string
		data   string
		want   error
		offset int
	}{
		{"empty", "", ErrTruncated, 0},
		{"one pickle only", "\x80\x03N.", ErrTruncated, 4},
		{"unknown opcode", "\x80\x03\xff", ErrUnknownOpcode, 2},
		{"unknown opcode zero", "N.\x00", ErrUnknownOpcode, 2},
		{"stop on empty stack", ".", ErrStackUnderflow, 0},
		{"stop above a mark", "N(.", ErrStackUnderflow, 2},
		{"persid on empty stack", "\x80\x03Q", ErrStackUnderflow, 2},
		{"persid across a mark", "C\x08" + oid + "(Q", ErrStackUnderflow, 11},
		{"tuple2 of one", "N\x86", ErrStackUnderflow, 1},
		{"setitem without dict", "NN" + "s", ErrStackUnderflow, 2},
		{"appends without list", "(Ne", ErrStackUnderflow, 2},
		{"build of one", "Nb", ErrStackUnderflow, 1},
		{"reduce of one", "NR", ErrStackUnderflow, 1},
		{"newobj_ex of two", "NN\x92", ErrStackUnderflow, 2},
		{"dup of nothing", "2", ErrStackUnderflow, 0},
		{"pop of nothing", "0", ErrStackUnderflow, 0},
		{"put of nothing", "q\x00", ErrStackUnderflow, 0},
		{"tuple without mark", "Nt", ErrNoMark, 1},
		{"pop_mark without mark", "1", ErrNoMark, 0},
		{"memo get unset", "\x80\x03h\x05", ErrMemo, 2},
		{"long memo get unset", "j\x00\x00\x01\x00", ErrMemo, 0},
		{"text memo get unset", "g7\n", ErrMemo, 0},
		{"put bad index", "Npabc\n", ErrBadArgument, 1},
		{"put negative index", "Np-1\n", ErrBadArgument, 1},
		{"unquoted string", "Sabc\n", ErrBadArgument, 0},
		{"string bad hex escape", "S'\\xZZ'\n", ErrBadArgument, 0},
		{"string short hex escape", "S'\\x0'\n", ErrBadArgument, 0},
		{"unicode bad escape", "Vab\\u12\n", ErrBadArgument, 0},
		{"unsupported protocol", "\x80\x06", ErrBadArgument, 0},
		{"odd dict", "(Nd", ErrBadArgument, 2},
		{"odd setitems", "}(Nu", ErrBadArgument, 3},
		{"negative binstring", "T\xff\xff\xff\xff", ErrBadArgument, 0},
		{"negative long4", "\x8b\x00\x00\x00\x80", ErrBadArgument, 0},
		{"huge binunicode", "X\xff\xff\xff\xff", ErrTruncated, 0},
		{"huge binunicode8", "\x8d\xff\xff\xff\xff\xff\xff\xff\xff", ErrTruncated, 0},
		{"huge binbytes8", "\x8e\x00\x00\x00\x00\x00\x00\x00\x80abc", ErrTruncated, 0},
		{"huge bytearray8", "\x96\xff\xff\xff\xff\xff\xff\xff\x7f", ErrTruncated, 0},
		{"short binbytes past end", "C\x09abc", ErrTruncated, 0},
		{"line without newline", "Iabc", ErrTruncated, 0},
		{"global without name line", "cmod\nname", ErrTruncated, 0},
		{"frame cut", "\x95\x01\x00", ErrTruncated, 0},
		{"none as pid", "NQ", ErrBadPid, 1},
		{"empty tuple pid", ")Q", ErrBadPid, 1},
		{"short oid", "C\x07abcdefgQ", ErrBadPid, 9},
		{"int in tuple pid", "K\x01N\x86Q", ErrBadPid, 4},
		{"non-ascii str oid", "X\x08\x00\x00\x00\xc3\xa9bcdefgQ", ErrBadPid, 13},
		{"persid non-ascii", "P\xc3\xa9abcdef\n", ErrBadPid, 0},
		{"deep marks", strings.Repeat("(", MaxMarkDepth+10), ErrTooDeep, MaxMarkDepth},
	}
	var s Scanner
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			check := func(op string, err error) {
				t.Helper()
				var pe *Error
				if !errors.As(err, &pe) {
					t.Fatalf("%s: error %v is not a *pickle.Error", op, err)
				}
				if !errors.Is(err, c.want) {
					t.Fatalf("%s: error %q, want %q", op, err, c.want)
				}
				if pe.Offset != c.offset {
					t.Fatalf("%s: error %q at offset %d, want %d", op, err, pe.Offset, c.offset)
				}
			}
			_, err := s.StrongRefs([]byte(c.data), nil)
			check("StrongRefs", err)
			_, err = s.References([]byte(c.data), nil)
			check("References", err)
		})
	}
}

func TestErrorText(t *testing.T) {
	var s Scanner
	_, err := s.StrongRefs([]byte("\x80\x03h\x05"), nil)
	want := "pickle: offset 2 (opcode 'h' BINGET): memo index not found: index 5"
	if err == nil || err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
	_, err = s.StrongRefs([]byte("\x80\x03N."), nil)
	want = "pickle: offset 4 (end of input): truncated pickle"
	if err == nil || err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
	_, err = s.StrongRefs([]byte("N.C\x04abQ"), nil)
	want = "pickle: offset 2 (opcode 'C' SHORT_BINBYTES): truncated pickle: 4-byte argument, 3 bytes left"
	if err == nil || err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
}

// TestTruncatedPrefixes cuts real records at every length: each strict
// prefix must fail as truncated, at an offset inside the prefix.
func TestTruncatedPrefixes(t *testing.T) {
	var s Scanner
	records := [][]byte{}
	for _, c := range protocolCases {
		records = append(records, c.data)
	}
	if dir, ok := fixturesPresent(); ok {
		_ = dir
		all := fixturePickles(t)
		// A spread of real records keeps the test fast: every 7th one.
		for i := 0; i < len(all); i += 7 {
			if len(all[i]) < 1<<16 {
				records = append(records, all[i])
			}
		}
	}
	for _, rec := range records {
		for n := 0; n < len(rec); n++ {
			_, err := s.StrongRefs(rec[:n], nil)
			var pe *Error
			if !errors.As(err, &pe) || !errors.Is(err, ErrTruncated) || pe.Offset > n {
				t.Fatalf("record of %d bytes cut at %d: error %v, want truncation inside the prefix", len(rec), n, err)
			}
			if _, err := s.References(rec[:n], nil); !errors.Is(err, ErrTruncated) {
				t.Fatalf("record of %d bytes cut at %d: References error %v", len(rec), n, err)
			}
		}
	}
}

func TestTrailingBytesIgnored(t *testing.T) {
	data := append([]byte(nil), protocolCases[0].data...)
	want, err := StrongRefs(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := StrongRefs(append(data, "\xff\xffgarbage"...), nil)
	if err != nil || len(got) != len(want) {
		t.Fatalf("with trailing bytes: %v, %v; want %v", got, err, want)
	}
}

// TestMemoDoesNotLeak checks that a scan starts with an empty memo: a GET of
// an index the previous record PUT must fail.
func TestMemoDoesNotLeak(t *testing.T) {
	var s Scanner
	first := []byte("C\x08\x00\x00\x00\x00\x00\x00\x00\x01q\x03.N.")
	if _, err := s.StrongRefs(first, nil); err != nil {
		t.Fatal(err)
	}
	second := []byte("N.h\x03Q.")
	if _, err := s.StrongRefs(second, nil); !errors.Is(err, ErrMemo) {
		t.Fatalf("GET of the previous record's memo: error %v, want ErrMemo", err)
	}
}

// TestSparseMemo uses memo indices far apart, as no pickler writes them but
// as the format allows.
func TestSparseMemo(t *testing.T) {
	data := []byte("C\x08\x00\x00\x00\x00\x00\x00\x00\x2ar\xff\xff\xff\xff0N.j\xff\xff\xff\xffQp99999999\nh\xff.")
	// h\xff: index 255 was never put.
	var s Scanner
	if _, err := s.StrongRefs(data, nil); !errors.Is(err, ErrMemo) {
		t.Fatalf("error %v, want ErrMemo for index 255", err)
	}
	data = []byte("C\x08\x00\x00\x00\x00\x00\x00\x00\x2ar\xff\xff\xff\xff0N.j\xff\xff\xff\xffQp99999999\ng99999999\n0.")
	got, err := s.StrongRefs(data, nil)
	if err != nil || len(got) != 1 || got[0] != proto.Oid(42) {
		t.Fatalf("StrongRefs = %v, %v; want [42]", got, err)
	}
}

func TestPopEmptyMark(t *testing.T) {
	// POP with an empty MARK on top removes the MARK, as CPython does.
	got, err := StrongRefs([]byte("N(0.N."), nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("StrongRefs = %v, %v", got, err)
	}
}

func TestClassNameForms(t *testing.T) {
	cases := []struct {
		name, data, want string
	}{
		{"global", "\x80\x03cmod.sub\nName\nq\x00.", "mod.sub.Name"},
		{"class with newargs", "\x80\x03cmod\nName\nq\x00)\x86q\x01.", "mod.Name"},
		{"class with None", "(cmod\nName\nNt.", "mod.Name"},
		{"module and name tuple with None", "((U\x03modU\x04Nametq\x01Nt.", "mod.Name"},
		{"module and name tuple", "\x80\x02X\x03\x00\x00\x00modX\x04\x00\x00\x00Name\x86.", "mod.Name"},
		{"stack global", "\x80\x04\x8c\x03mod\x94\x8c\x04Name\x94\x93\x94.", "mod.Name"},
	}
	for _, c := range cases {
		got, err := ClassName([]byte(c.data))
		if err != nil || got != c.want {
			t.Errorf("%s: ClassName = %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	for _, bad := range []string{"N.", "\x80\x03K\x01.", ")."} {
		if _, err := ClassName([]byte(bad)); !errors.Is(err, ErrNoClass) {
			t.Errorf("ClassName(%q): error %v, want ErrNoClass", bad, err)
		}
	}
}

func TestUnknownListForms(t *testing.T) {
	// Lists that fit no ZODB form are reported, never followed, never an
	// error (referencesf skips every list).
	data := []byte("N.](U\x01xN\x85eQ](NNNeQ]QN.")
	refs, err := References(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 3 {
		t.Fatalf("References = %v, want 3 unknown refs", refs)
	}
	for _, r := range refs {
		if r.Form != FormUnknown || r.Oid != 0 || r.Form.Strong() {
			t.Fatalf("ref %+v, want FormUnknown", r)
		}
	}
	oids, err := StrongRefs(data, nil)
	if err != nil || len(oids) != 0 {
		t.Fatalf("StrongRefs = %v, %v; want none", oids, err)
	}
}
