// Golden tests of Dump, DumpRaw, Tail and the Python reprs, with the
// expected text derived from the fixtures' txns.jsonl.

package fstool

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestRepr(t *testing.T) {
	for in, want := range map[string]string{
		"":                   "b''",
		"alice":              "b'alice'",
		"zo\xc3\xab":         `b'zo\xc3\xab'`,
		"it's":               `b"it's"`,
		`'"`:                 `b'\'"'`,
		"a\\b\n\t\r\x00\x7f": `b'a\\b\n\t\r\x00\x7f'`,
	} {
		if got := BytesRepr([]byte(in)); got != want {
			t.Errorf("BytesRepr(%q) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{" ": "' '", "zoë": "'zoë'", "a'b": `"a'b"`, "\x01": `'\x01'`, "<unknown>": "'<unknown>'"} {
		if got := StrRepr(in); got != want {
			t.Errorf("StrRepr(%q) = %s, want %s", in, got, want)
		}
	}
	if hexRepr(0) != "0x0" || hexRepr(0x3f58e0004444444) != "0x3f58e0004444444" {
		t.Error(hexRepr(0), hexRepr(0x3f58e0004444444))
	}
}

// expectedDump builds fsdump's output from a fixture's txns.jsonl.
func expectedDump(t *testing.T, base string) string {
	var sb strings.Builder
	for i, x := range readTxns(t, base) {
		fmt.Fprintf(&sb, "Trans #%05d tid=%s size=%d time=%s offset=%d\n", i, x.Tid, x.Tlen, x.TidTime, x.Tpos+x.headerLen())
		fmt.Fprintf(&sb, "    status=%s user=%s description=%s\n", StrRepr(x.Status), BytesRepr(x.user()), BytesRepr(x.desc()))
		for j, r := range x.Records {
			size, class := "", "undo or abort of object creation"
			if r.DataLen != nil {
				size, class = fmt.Sprintf(" size=%d", *r.DataLen), *r.Class
			}
			bp := ""
			if r.BackTid != nil {
				bp = " bp=" + *r.BackTid
			}
			fmt.Fprintf(&sb, "  data #%05d oid=%s%s class=%s%s\n", j, r.Oid, size, class, bp)
		}
	}
	return sb.String()
}

func TestDumpFixtures(t *testing.T) {
	for _, base := range dumpFixtures {
		t.Run(base, func(t *testing.T) {
			path := copyFixture(t, base+".fs")
			var out strings.Builder
			calls := 0
			if err := Dump(&out, path, func(done, total int64) { calls++ }); err != nil {
				t.Fatal(err)
			}
			if want := expectedDump(t, base); out.String() != want {
				t.Errorf("fsdump differs:\n%s", firstDiff(out.String(), want))
			}
			if calls == 0 {
				t.Error("no progress reported")
			}
		})
	}
}

// TestDumpRaw checks every field of the Dumper's output against the
// fixture's header fields.
func TestDumpRaw(t *testing.T) {
	base := "filestorage/undo/undo"
	path := copyFixture(t, base+".fs")
	var out strings.Builder
	if err := DumpRaw(&out, path, nil); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString(strings.Repeat("*", 60) + "\nfile identifier: b'FS30'\n")
	for _, x := range readTxns(t, base) {
		sb.WriteString(strings.Repeat("=", 60) + "\n")
		user, desc := "''", "''"
		if len(x.user()) > 0 {
			user = BytesRepr(x.user())
		}
		if len(x.desc()) > 0 {
			desc = BytesRepr(x.desc())
		}
		fmt.Fprintf(&sb, "offset: %d\nend pos: %d\ntransaction id: %s\ntrec len: %d\nstatus: b%s\nuser: %s\ndescription: %s\nlen(extra): %d\n",
			x.Tpos, x.Tpos+x.Tlen, x.Tid, x.Tlen, StrRepr(x.Status), user, desc, len(x.ExtensionHex)/2)
		for _, r := range x.Records {
			sb.WriteString(strings.Repeat("-", 60) + "\n")
			fmt.Fprintf(&sb, "offset: %d\noid: %s\nrevid: %s\nprevious record offset: %d\ntransaction offset: %d\nlen(data): %d\n",
				r.Pos, r.Oid, x.Tid, prevOf(t, path, r.Pos), x.Tpos, r.Plen)
			if r.Back != nil {
				fmt.Fprintf(&sb, "backpointer: %d\n", *r.Back)
			}
		}
		fmt.Fprintf(&sb, "redundant trec len: %d\n", x.Tlen)
	}
	if out.String() != sb.String() {
		t.Errorf("Dumper output differs:\n%s", firstDiff(out.String(), sb.String()))
	}
}

// prevOf reads the prev field of the record at pos straight from the file.
func prevOf(t *testing.T, path string, pos int64) uint64 {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v uint64
	for _, c := range b[pos+16 : pos+24] {
		v = v<<8 | uint64(c)
	}
	return v
}

func TestTail(t *testing.T) {
	for _, base := range []string{"filestorage/basic/basic", "filestorage/packed/after-pack-gc"} {
		path := copyFixture(t, base+".fs")
		raw, _ := os.ReadFile(path)
		txns := readTxns(t, base)
		var out strings.Builder
		if err := Tail(&out, path, 3); err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		for i := len(txns) - 1; i >= len(txns)-3; i-- {
			x := txns[i]
			sum := sha1.Sum(raw[x.Tpos+x.headerLen() : x.Tpos+x.Tlen])
			user, desc := "''", "''"
			if x.headerLen() > 23 {
				if len(x.user()) > 0 {
					user = BytesRepr(x.user())
				}
				if len(x.desc()) > 0 {
					desc = BytesRepr(x.desc())
				}
			}
			fmt.Fprintf(&sb, "%s: hash=%s\nuser=%s description=%s length=%d offset=%d (+%d)\n\n",
				x.TidTime, hex.EncodeToString(sum[:]), user, desc, x.Tlen, x.Tpos, x.headerLen())
		}
		if out.String() != sb.String() {
			t.Errorf("%s: fstail differs:\n%s", base, firstDiff(out.String(), sb.String()))
		}
		out.Reset()
		if err := Tail(&out, path, 1000); err != nil || strings.Count(out.String(), "hash=") != len(txns) {
			t.Errorf("%s: -n 1000 shows %d transactions, want %d (%v)", base, strings.Count(out.String(), "hash="), len(txns), err)
		}
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n got %q\nwant %q", i+1, a, b)
		}
	}
	return "(same lines)"
}
