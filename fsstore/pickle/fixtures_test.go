// Golden tests: every record pickle of the reference Data.fs files against
// what Python's referencesf, ObjectReader and fsdump report.

package pickle

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/prototest"
)

// long turns on the long modes of the project's tests (make test-long); the
// tests here are all short, the flag only has to exist.
var _ = flag.Bool("long", false, "run the long test modes")

const dataHeaderSize = 42 // oid 8, tid 8, prev 8, tloc 8, vlen 2, plen 8

// recordPickle reads the pickle of the data record at pos straight from the
// bytes of a Data.fs file.
func recordPickle(tb testing.TB, fs []byte, pos int64) []byte {
	tb.Helper()
	if pos < 0 || pos+dataHeaderSize > int64(len(fs)) {
		tb.Fatalf("data record at %d: past the end of the file (%d bytes)", pos, len(fs))
	}
	h := fs[pos : pos+dataHeaderSize]
	plen := binary.BigEndian.Uint64(h[34:42])
	if plen == 0 || plen > uint64(int64(len(fs))-pos-dataHeaderSize) {
		tb.Fatalf("data record at %d: plen %d does not fit the file", pos, plen)
	}
	return fs[pos+dataHeaderSize : pos+dataHeaderSize+int64(plen)]
}

// fixtureFiles lists the fixture files with the given suffix: every
// filestorage case and the ZEO servers' storages.
func fixtureFiles(tb testing.TB, suffix string) []string {
	tb.Helper()
	dir := prototest.FixturesDir(tb)
	var out []string
	for _, pat := range []string{"filestorage/*/*" + suffix, "zeo-wire/*/server-Data" + suffix} {
		m, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(pat)))
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) == 0 {
		tb.Fatalf("no *%s fixtures under %s", suffix, dir)
	}
	return out
}

// readJSONL decodes each line of a .jsonl file into a new T.
func readJSONL[T any](tb testing.TB, path string) []T {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

type fixtureRef struct {
	Form     string `json:"form"`
	Oid      string `json:"oid"`
	Class    string `json:"class"`
	Database string `json:"database"`
}

type refsLine struct {
	Pos           int64        `json:"pos"`
	Oid           string       `json:"oid"`
	Class         string       `json:"class"`
	Referencesf   []string     `json:"referencesf"`
	PersistentIDs []fixtureRef `json:"persistent_ids"`
}

func oidHex(o proto.Oid) string { return o.String() }

func TestFixtureReferences(t *testing.T) {
	var s Scanner
	var oids []proto.Oid
	var refs []Ref
	total, withRefs := 0, 0
	forms := map[string]int{}
	for _, path := range fixtureFiles(t, ".refs.jsonl") {
		fsPath := strings.TrimSuffix(path, ".refs.jsonl") + ".fs"
		fs, err := os.ReadFile(fsPath)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(fsPath)
		for _, line := range readJSONL[refsLine](t, path) {
			data := recordPickle(t, fs, line.Pos)
			total++
			oids, err = s.StrongRefs(data, oids[:0])
			if err != nil {
				t.Fatalf("%s record at %d (oid %s): StrongRefs: %v", name, line.Pos, line.Oid, err)
			}
			got := make([]string, len(oids))
			for i, o := range oids {
				got[i] = oidHex(o)
			}
			want := line.Referencesf
			if want == nil {
				want = []string{}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s record at %d (oid %s): StrongRefs = %v, referencesf = %v", name, line.Pos, line.Oid, got, want)
			}

			refs, err = s.References(data, refs[:0])
			if err != nil {
				t.Fatalf("%s record at %d (oid %s): References: %v", name, line.Pos, line.Oid, err)
			}
			gotRefs := make([]fixtureRef, len(refs))
			for i, r := range refs {
				gotRefs[i] = fixtureRef{Form: r.Form.String(), Oid: oidHex(r.Oid), Class: r.Class, Database: r.Database}
				forms[gotRefs[i].Form]++
			}
			wantRefs := line.PersistentIDs
			if wantRefs == nil {
				wantRefs = []fixtureRef{}
			}
			if !slices.Equal(gotRefs, wantRefs) {
				t.Errorf("%s record at %d (oid %s): References =\n  %+v\nwant\n  %+v", name, line.Pos, line.Oid, gotRefs, wantRefs)
			}
			if len(refs) > 0 {
				withRefs++
			}

			cls, err := s.ClassName(data)
			if err != nil || cls != line.Class {
				t.Errorf("%s record at %d: ClassName = %q, %v; want %q", name, line.Pos, cls, err, line.Class)
			}
		}
	}
	// The fixtures hold every form but legacy_weak; make sure they were seen.
	for _, f := range []string{"oid_class", "oid", "w", "m", "n"} {
		if forms[f] == 0 {
			t.Errorf("no %q reference met in the fixtures", f)
		}
	}
	t.Logf("%d records, %d with persistent ids, forms %v", total, withRefs, forms)
}

type txnLine struct {
	Tpos    int64 `json:"tpos"`
	Records []struct {
		Pos         int64   `json:"pos"`
		Oid         string  `json:"oid"`
		Plen        int64   `json:"plen"`
		Back        *int64  `json:"back"`
		DataFromPos *int64  `json:"data_from_pos"`
		DataLen     *int64  `json:"data_len"`
		DataSHA256  *string `json:"data_sha256"`
		Class       *string `json:"class"`
	} `json:"records"`
}

func TestFixtureClassNames(t *testing.T) {
	n := 0
	for _, path := range fixtureFiles(t, ".txns.jsonl") {
		fsPath := strings.TrimSuffix(path, ".txns.jsonl") + ".fs"
		fs, err := os.ReadFile(fsPath)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(fsPath)
		for _, txn := range readJSONL[txnLine](t, path) {
			for _, r := range txn.Records {
				pos := r.Pos
				if r.Plen == 0 {
					if r.DataFromPos == nil {
						if r.Class != nil {
							t.Errorf("%s record at %d: no data but class %q", name, r.Pos, *r.Class)
						}
						continue
					}
					pos = *r.DataFromPos
				}
				data := recordPickle(t, fs, pos)
				if r.DataSHA256 != nil {
					sum := sha256.Sum256(data)
					if hex.EncodeToString(sum[:]) != *r.DataSHA256 {
						t.Fatalf("%s record at %d: read the wrong bytes (sha256 mismatch)", name, r.Pos)
					}
				}
				if r.Class == nil {
					t.Fatalf("%s record at %d: data but no class in the fixture", name, r.Pos)
				}
				got, err := ClassName(data)
				if err != nil {
					t.Errorf("%s record at %d (oid %s): ClassName: %v", name, r.Pos, r.Oid, err)
					continue
				}
				if got != *r.Class {
					t.Errorf("%s record at %d (oid %s): ClassName = %q, want %q", name, r.Pos, r.Oid, got, *r.Class)
				}
				n++
			}
		}
	}
	t.Logf("%d class names checked", n)
}

// fixturePickles returns every record pickle of the reference files, for
// seeds and benchmarks.
func fixturePickles(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, path := range fixtureFiles(tb, ".refs.jsonl") {
		fs, err := os.ReadFile(strings.TrimSuffix(path, ".refs.jsonl") + ".fs")
		if err != nil {
			tb.Fatal(err)
		}
		for _, line := range readJSONL[refsLine](tb, path) {
			out = append(out, recordPickle(tb, fs, line.Pos))
		}
	}
	return out
}

// fixtureRecord returns the first pickle of the given class in a fixture
// file, with at least minRefs strong references.
func fixtureRecord(tb testing.TB, rel, class string, minRefs int) []byte {
	tb.Helper()
	path := prototest.Fixture(tb, rel)
	fs, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range readJSONL[refsLine](tb, strings.TrimSuffix(path, ".fs")+".refs.jsonl") {
		if line.Class == class && len(line.Referencesf) >= minRefs {
			return recordPickle(tb, fs, line.Pos)
		}
	}
	tb.Fatal(fmt.Sprintf("no %s record with %d references in %s", class, minRefs, rel))
	return nil
}

// fixturesPresent reports whether the reference fixtures exist, without
// skipping: tests that can run on their own data use it.
func fixturesPresent() (string, bool) {
	root, err := prototest.RepoRoot()
	if err != nil {
		return "", false
	}
	dir := filepath.Join(root, "..", "shared", "fixtures")
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		return "", false
	}
	return dir, true
}
