// The FileStorage subcommands run through Main on fixtures copied to
// temporary directories: output and exit codes.

package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gozeo/gozeo/fsstore"
	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/prototest"
)

// fixtureCopy copies a fixture into a fresh directory.
func fixtureCopy(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(prototest.Fixture(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), filepath.Base(rel))
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestFsdumpCommand(t *testing.T) {
	path := fixtureCopy(t, "filestorage/undo/undo.fs")
	code, out, errs := runMain("fsdump", path)
	if code != 0 || !strings.HasPrefix(out, "Trans #00000 tid=03f58e0004444444 size=154 time=2024-01-01 00:00:01.000000 offset=52\n") ||
		!strings.Contains(out, "class=undo or abort of object creation") || !strings.Contains(out, " bp=03f58e0008888888\n") {
		t.Errorf("fsdump: exit %d, stderr %q, stdout:\n%s", code, errs, out)
	}
	code, out, _ = runMain("fsdump", "-v", path)
	if code != 0 || !strings.Contains(out, "file identifier: b'FS30'\n") || !strings.Contains(out, "backpointer: 0\n") {
		t.Errorf("fsdump -v: exit %d:\n%s", code, out)
	}
	if code, _, errs := runMain("fsdump"); code != 2 || !strings.Contains(errs, "usage: gozeo fsdump") {
		t.Errorf("fsdump without a file: exit %d %q", code, errs)
	}
	if code, _, errs := runMain("fsdump", filepath.Join(t.TempDir(), "none.fs")); code != 1 || !strings.Contains(errs, "none.fs") {
		t.Errorf("fsdump of a missing file: exit %d %q", code, errs)
	}
}

func TestFstestCommand(t *testing.T) {
	good := fixtureCopy(t, "filestorage/basic/basic.fs")
	if code, out, errs := runMain("fstest", good); code != 0 || out != "" || errs != "" {
		t.Errorf("fstest on a sound file: exit %d %q %q", code, out, errs)
	}
	if code, out, _ := runMain("fstest", "-v", good); code != 0 || !strings.HasSuffix(out, "#19 \nno errors detected") {
		t.Errorf("fstest -v: exit %d %q", code, out)
	}
	for _, c := range []struct{ rel, want string }{
		{"filestorage/corrupt/corrupt-tlen-high.fs", "truncated possibly because of damaged records at 4596"},
		{"filestorage/corrupt/corrupt-tlen-low.fs", "data record exceeds transaction record at 4986: tloc 2305847407411205220 != tpos 4596"},
		{"filestorage/truncated/truncated.fs", "truncated possibly because of damaged records at 9104"},
		{"filestorage/truncated/checkpoint.fs", "checkpoint flag was not cleared at 9690"},
		{"filestorage/big/zero-length-store.fs", "has data records that extend beyond the transaction record; end at 598"},
	} {
		path := fixtureCopy(t, c.rel)
		t.Chdir(filepath.Dir(path))
		code, out, errs := runMain("fstest", filepath.Base(path))
		if want := filepath.Base(path) + " " + c.want + "\n"; code != 1 || out != "" || errs != want {
			t.Errorf("%s: exit %d stdout %q stderr %q, want %q", c.rel, code, out, errs, want)
		}
	}
}

func TestFstailCommand(t *testing.T) {
	path := fixtureCopy(t, "filestorage/basic/basic.fs")
	code, out, _ := runMain("fstail", "-n", "2", path)
	if code != 0 || strings.Count(out, "hash=") != 2 || !strings.HasPrefix(out, "2024-01-01 00:00:20.000000: hash=") ||
		!strings.Contains(out, "length=578 offset=9104 (+73)\n") {
		t.Errorf("fstail: exit %d:\n%s", code, out)
	}
	if code, _, _ := runMain("fstail", "-n", "-1", path); code != 2 {
		t.Errorf("fstail -n -1: exit %d", code)
	}
}

func TestFsrefsCommand(t *testing.T) {
	if code, out, errs := runMain("fsrefs", fixtureCopy(t, "filestorage/btrees/btrees.fs")); code != 0 || out != "" {
		t.Errorf("fsrefs on a clean file: exit %d %q %q", code, out, errs)
	}
	// A root that refers to a missing object.
	path := filepath.Join(t.TempDir(), "Data.fs")
	s, err := fsstore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx, _ := s.Begin(proto.TxnMeta{User: []byte("test")})
	root := []byte("\x80\x03cpersistent.mapping\nPersistentMapping\nq\x00.\x80\x03}q\x01(X\x01\x00\x00\x00aC\x08\x00\x00\x00\x00\x00\x00\x00\x99h\x00\x86Qu.")
	if err := tx.Store(0, 0, root); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Vote(); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Finish(nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	code, out, errs := runMain("fsrefs", path)
	if code != 1 || !strings.Contains(out, "refers to invalid object:\n\toid 0x99 missing: 'persistent.mapping.PersistentMapping'\n") ||
		!strings.Contains(errs, "1 objects refer to 1 invalid objects") {
		t.Errorf("fsrefs on a dangling reference: exit %d stdout %q stderr %q", code, out, errs)
	}
}

func TestFsoidsCommand(t *testing.T) {
	path := fixtureCopy(t, "filestorage/packed/before-pack.fs")
	code, out, _ := runMain("fsoids", path, "0x07", "0000000000000009", "4")
	for _, want := range []string{"oid 0x07 fixture_classes.Item 1 revision\n", "        creation undo at 2180\n",
		"oid 0x09 fixture_classes.Item 1 revision\n", "oid 0x04 fixture_classes.Item 1 revision\n"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("fsoids: exit %d, output lacks %q:\n%s", code, want, out)
		}
	}
	if code, _, _ := runMain("fsoids", path); code != 2 {
		t.Errorf("fsoids without oids: exit %d", code)
	}
	if code, _, errs := runMain("fsoids", path, "zz"); code != 2 || !strings.Contains(errs, "bad oid") {
		t.Errorf("fsoids with a bad oid: exit %d %q", code, errs)
	}
}

func TestReindexCommand(t *testing.T) {
	path := fixtureCopy(t, "filestorage/basic/basic.fs")
	code, out, errs := runMain("reindex", path)
	if code != 0 || !strings.Contains(out, "indexed 10 oids in 9690 bytes (last transaction 03f58e0055555555)") {
		t.Errorf("reindex: exit %d %q %q", code, out, errs)
	}
	if _, err := os.Stat(path + fsstore.IndexSuffix); err != nil {
		t.Error(err)
	}
}

func TestFsgenAndCompressStatsCommands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gen.fs")
	code, out, errs := runMain("fsgen", "-records", "2000", "-size", "200", path)
	if code != 0 || !strings.Contains(out, "200 transactions, 2000 records") {
		t.Fatalf("fsgen: exit %d %q %q", code, out, errs)
	}
	if code, _, _ := runMain("fstest", path); code != 0 {
		t.Errorf("fstest on the generated file: exit %d", code)
	}
	if code, _, errs := runMain("fsgen", path); code != 1 || !strings.Contains(errs, "exists") {
		t.Errorf("fsgen over an existing file: exit %d %q", code, errs)
	}
	code, out, errs = runMain("compress-stats", "-sample", "100", path)
	if code != 0 || !strings.Contains(out, "2000 records with data, 100 sampled (20000 bytes)") ||
		!strings.Contains(out, "zlib") || !strings.Contains(out, "s2") {
		t.Errorf("compress-stats: exit %d %q %q", code, out, errs)
	}
	if code, _, _ := runMain("compress-stats", "-sample", "0", path); code != 2 {
		t.Errorf("compress-stats -sample 0: exit %d", code)
	}
}

func TestPackFileCommand(t *testing.T) {
	for _, c := range []struct {
		flags []string
		want  string
	}{{nil, "after-pack-gc.fs"}, {[]string{"-nogc"}, "after-pack-nogc.fs"}} {
		path := fixtureCopy(t, "filestorage/packed/before-pack.fs")
		args := append(append([]string{"pack-file", "-time", "1704067210.5"}, c.flags...), path)
		code, out, errs := runMain(args...)
		if code != 0 || !strings.Contains(out, "packed to 2024-01-01 00:00:10.500000 (tid 03f58e002ccccccc)") ||
			!strings.Contains(out, "size 3784 -> ") {
			t.Errorf("pack-file %v: exit %d %q %q", c.flags, code, out, errs)
		}
		got, _ := os.ReadFile(path)
		want, _ := os.ReadFile(prototest.Fixture(t, "filestorage/packed/"+c.want))
		if !bytes.Equal(got, want) {
			t.Errorf("pack-file %v: result differs from %s", c.flags, c.want)
		}
		if _, err := os.Stat(path + fsstore.PackOldSuffix); err == nil {
			t.Errorf("pack-file without -keep-old kept %s", fsstore.PackOldSuffix)
		}
		code, out, _ = runMain(append(append([]string{"pack-file", "-time", "2024-01-01T00:00:10.5Z"}, c.flags...), path)...)
		if code != 0 || !strings.Contains(out, "unchanged") {
			t.Errorf("second pack-file: exit %d %q", code, out)
		}
	}
	path := fixtureCopy(t, "filestorage/packed/before-pack.fs")
	for _, bad := range [][]string{{"-time", "yesterday"}, {"-days", "-1"}, {"-days", "1", "-time", "03f58e002ccccccc"}} {
		if code, _, _ := runMain(append(append([]string{"pack-file"}, bad...), path)...); code != 2 {
			t.Errorf("pack-file %v: exit %d, want 2", bad, code)
		}
	}
	if code, out, _ := runMain("pack-file", "-keep-old", "-time", "03f58e002ccccccc", path); code != 0 || !strings.Contains(out, "oids collected") {
		t.Errorf("pack-file with a tid: exit %d %q", code, out)
	}
	if _, err := os.Stat(path + fsstore.PackOldSuffix); err != nil {
		t.Errorf("-keep-old: %v", err)
	}
}
