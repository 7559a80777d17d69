// Tests of Fstest against the fstest output recorded with the fixtures,
// of Refs on clean fixtures and on a file with every kind of invalid
// reference, and of TraceOids.

package fstool

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gozeo/gozeo/fsstore"
	"github.com/gozeo/gozeo/proto"
)

type fstestRun struct {
	ExitCode int    `json:"exit_code"`
	Stdout   string `json:"stdout"`
	Stderr   string `json:"stderr"`
}

func TestFstestDamaged(t *testing.T) {
	for _, base := range []string{"corrupt/corrupt-tlen-high", "corrupt/corrupt-tlen-low", "truncated/truncated",
		"truncated/checkpoint", "big/zero-length-store"} {
		t.Run(base, func(t *testing.T) {
			var exp struct {
				Fstest  fstestRun  `json:"fstest"`
				FstestV *fstestRun `json:"fstest_v"`
			}
			readJSON(t, "filestorage/"+base+".expected.json", &exp)
			path := copyFixture(t, "filestorage/"+base+".fs")
			name := filepath.Base(path)
			var out strings.Builder
			problem, err := Fstest(&out, path, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := name + " " + problem + "\n"; got != exp.Fstest.Stderr || exp.Fstest.ExitCode != 1 || out.Len() != 0 {
				t.Errorf("fstest says %q (stdout %q), want %q", got, out.String(), exp.Fstest.Stderr)
			}
			if exp.FstestV != nil {
				out.Reset()
				if _, err := Fstest(&out, path, 1, nil); err != nil || out.String() != exp.FstestV.Stdout {
					t.Errorf("fstest -v stdout:\n%s", firstDiff(out.String(), exp.FstestV.Stdout))
				}
			}
		})
	}
}

func TestFstestSound(t *testing.T) {
	var exp struct {
		Plain    fstestRun `json:"plain"`
		Verbose2 fstestRun `json:"verbose2"`
	}
	readJSON(t, "filestorage/basic/basic.fstest.json", &exp)
	path := copyFixture(t, "filestorage/basic/basic.fs")
	var out strings.Builder
	if problem, err := Fstest(&out, path, 0, nil); problem != "" || err != nil || out.Len() != 0 {
		t.Fatalf("basic.fs: %q %v %q", problem, err, out.String())
	}
	if _, err := Fstest(&out, path, 2, nil); err != nil || out.String() != exp.Verbose2.Stdout {
		t.Errorf("fstest -vv:\n%s", firstDiff(out.String(), exp.Verbose2.Stdout))
	}
	for _, base := range dumpFixtures {
		if problem, err := Fstest(&out, copyFixture(t, base+".fs"), 0, nil); problem != "" || err != nil {
			t.Errorf("%s: %q %v", base, problem, err)
		}
	}
	if _, err := Fstest(&out, filepath.Join(t.TempDir(), "missing.fs"), 0, nil); err == nil {
		t.Error("missing file: no error")
	}
}

func TestRefsClean(t *testing.T) {
	for _, base := range dumpFixtures {
		var out strings.Builder
		rep, err := Refs(&out, copyFixture(t, base+".fs"), nil)
		if err != nil || rep.Referrers != 0 || rep.NoLoad != 0 || out.Len() != 0 {
			t.Errorf("%s: %+v %v\n%s", base, rep, err, out.String())
		}
		if rep != nil && rep.Oids == 0 {
			t.Errorf("%s: no oids", base)
		}
	}
}

// refPickle is a PersistentMapping record with a strong (oid, class)
// reference to each oid.
func refPickle(oids ...proto.Oid) []byte {
	b := []byte("\x80\x03cpersistent.mapping\nPersistentMapping\nq\x00.")
	b = append(b, "\x80\x03}q\x01X\x04\x00\x00\x00dataq\x02}q\x03("...)
	for i, oid := range oids {
		b = append(b, 'X', 1, 0, 0, 0, byte('a'+i%26))
		b = append(b, 'C', 8)
		b = binary.BigEndian.AppendUint64(b, uint64(oid))
		b = append(b, "h\x00\x86Q"...)
	}
	return append(b, "us."...)
}

func commitT(t *testing.T, s *fsstore.Store, objs map[proto.Oid][]byte) proto.Tid {
	t.Helper()
	tx, err := s.Begin(proto.TxnMeta{})
	if err != nil {
		t.Fatal(err)
	}
	for oid, data := range objs {
		serial := proto.ZeroTid
		if _, cur, err := s.Load(oid, nil); err == nil {
			serial = cur
		}
		if err := tx.Store(oid, serial, data); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Vote(); err != nil {
		t.Fatal(err)
	}
	tid, err := tx.Finish(nil)
	if err != nil {
		t.Fatal(err)
	}
	return tid
}

// danglingFile writes a Data.fs whose root refers to a missing oid
// (0x99), to an oid whose creation was undone (3), and to an oid whose
// record cannot be read (4: a corrupt zlib record).
func danglingFile(t *testing.T) (string, proto.Tid) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "Data.fs")
	s, err := fsstore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	created := commitT(t, s, map[proto.Oid][]byte{3: refPickle()})
	commitT(t, s, map[proto.Oid][]byte{1: refPickle(), 4: []byte(".zgarbage, not zlib")})
	last := commitT(t, s, map[proto.Oid][]byte{0: refPickle(1, 0x99, 3, 4)})
	tx, _ := s.Begin(proto.TxnMeta{})
	if _, err := tx.Undo(created); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Vote(); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Finish(nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path, last
}

func TestRefsDangling(t *testing.T) {
	path, rootTid := danglingFile(t)
	var out strings.Builder
	rep, err := Refs(&out, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Referrers != 1 || rep.Invalid != 3 || rep.Undone != 1 || rep.NoLoad != 1 || rep.Oids != 4 {
		t.Errorf("report %+v", rep)
	}
	want := "oid 0x4 failed to load: "
	if !strings.HasPrefix(out.String(), want) {
		t.Errorf("output starts %q, want %q", out.String(), want)
	}
	want = fmt.Sprintf("oid 0x0 persistent.mapping.PersistentMapping\nlast updated: %s, tid=%s\nrefers to invalid objects:\n"+
		"\toid 0x99 missing: 'persistent.mapping.PersistentMapping'\n"+
		"\toid 0x03 object creation was undone: 'persistent.mapping.PersistentMapping'\n"+
		"\toid 0x04 failed to load: 'persistent.mapping.PersistentMapping'\n\n", rootTid.TimeString(), hexRepr(uint64(rootTid)))
	if !strings.HasSuffix(out.String(), want) {
		t.Errorf("fsrefs output:\n%s\nwant it to end with:\n%s", out.String(), want)
	}
}

func TestTraceOids(t *testing.T) {
	base := "filestorage/undo/undo"
	path := copyFixture(t, base+".fs")
	var out strings.Builder
	if err := TraceOids(&out, path, []proto.Oid{3, 0x99}, nil); err != nil {
		t.Fatal(err)
	}
	var created, undone *fxTxn
	var cpos, upos int64
	txns := readTxns(t, base)
	for i := range txns {
		for _, r := range txns[i].Records {
			if r.Oid == "0000000000000003" && r.DataLen != nil && created == nil {
				created, cpos = &txns[i], r.Pos
			}
			if r.Oid == "0000000000000003" && r.DataLen == nil {
				undone, upos = &txns[i], r.Pos
			}
		}
	}
	if created == nil || undone == nil {
		t.Fatal("fixture changed: no creation and undo of oid 3")
	}
	want := []string{
		"oid 0x03 fixture_classes.Item 1 revision",
		fmt.Sprintf("    tid 0x%s offset=%d %s", created.Tid, created.Tpos, created.TidTime),
		"        tid user=b'u'",
		fmt.Sprintf("        new revision fixture_classes.Item at %d", cpos),
		fmt.Sprintf("        creation undo at %d", upos),
		"oid 0x99 <unknown> 0 revisions",
		"    this oid was not defined (no data record for it found)",
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w+"\n") {
			t.Errorf("fsoids output lacks %q:\n%s", w, out.String())
		}
	}
	if !strings.Contains(out.String(), "referenced by 0x00 persistent.mapping.PersistentMapping at ") {
		t.Errorf("no reference from the root:\n%s", out.String())
	}
}

func TestReindexAndPackFile(t *testing.T) {
	path := copyFixture(t, "filestorage/packed/before-pack.fs")
	res, err := Reindex(path, nil)
	if err != nil || res.Oids != 10 || res.LastTid.String() != "03f58e0033333333" {
		t.Fatalf("reindex: %+v %v", res, err)
	}
	pres, err := PackFile(context.Background(), path, PackFileOptions{Time: proto.TidFromUnix(1704067210.5), GC: true})
	if err != nil || !pres.Changed || pres.OidsCollected != 4 {
		t.Fatalf("pack: %+v %v", pres, err)
	}
	var out strings.Builder
	if problem, err := Fstest(&out, path, 0, nil); problem != "" || err != nil {
		t.Errorf("packed file: %q %v", problem, err)
	}
	s, err := fsstore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Reindex(path, nil); err == nil {
		t.Error("reindex of a locked file succeeded")
	}
}

func TestCompressStats(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Data.fs")
	if _, err := fsstore.Generate(path, fsstore.GenerateOptions{Records: 3000, DataSize: 300}, nil); err != nil {
		t.Fatal(err)
	}
	rep, err := CompressStats(path, 500, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 3000 || rep.Sampled != 500 || rep.SampledBytes != 500*300 || len(rep.Codecs) != 3 {
		t.Fatalf("report %+v", rep)
	}
	for _, c := range rep.Codecs {
		if c.PlainBytes != rep.SampledBytes || c.Compressed == 0 || c.Ratio() <= 1 || c.StoredBytes >= c.PlainBytes {
			t.Errorf("%s: %+v ratio %.2f", c.Codec, c, c.Ratio())
		}
	}
	var out strings.Builder
	if err := rep.WriteTable(&out); err != nil || !strings.Contains(out.String(), "zstd") {
		t.Errorf("table %q %v", out.String(), err)
	}
	if _, err := CompressStats(path, 0, nil); err == nil {
		t.Error("sample 0 accepted")
	}
}
