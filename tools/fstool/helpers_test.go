// Test helpers: fixtures copied to temporary directories and their dumps.

package fstool

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/gozeo/gozeo/proto/prototest"
)

// copyFixture copies a fixture into a fresh temporary directory.
func copyFixture(t *testing.T, rel string) string {
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

type fxRecord struct {
	Pos     int64   `json:"pos"`
	Oid     string  `json:"oid"`
	Plen    int64   `json:"plen"`
	Back    *int64  `json:"back"`
	BackTid *string `json:"back_tid"`
	DataLen *int64  `json:"data_len"`
	Class   *string `json:"class"`
}

type fxTxn struct {
	Tpos           int64      `json:"tpos"`
	Tid            string     `json:"tid"`
	TidTime        string     `json:"tid_time"`
	Status         string     `json:"status"`
	Tlen           int64      `json:"tlen"`
	UserHex        string     `json:"user_hex"`
	DescriptionHex string     `json:"description_hex"`
	ExtensionHex   string     `json:"extension_hex"`
	Records        []fxRecord `json:"records"`
}

func (x fxTxn) user() []byte { b, _ := hex.DecodeString(x.UserHex); return b }
func (x fxTxn) desc() []byte { b, _ := hex.DecodeString(x.DescriptionHex); return b }
func (x fxTxn) headerLen() int64 {
	return 23 + int64(len(x.UserHex)+len(x.DescriptionHex)+len(x.ExtensionHex))/2
}

func readTxns(t *testing.T, base string) []fxTxn {
	t.Helper()
	f, err := os.Open(prototest.Fixture(t, base+".txns.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r []fxTxn
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var x fxTxn
		if err := json.Unmarshal(sc.Bytes(), &x); err != nil {
			t.Fatal(err)
		}
		r = append(r, x)
	}
	return r
}

func readJSON(t *testing.T, rel string, v any) {
	t.Helper()
	b, err := os.ReadFile(prototest.Fixture(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// dumpFixtures are the Data.fs fixtures with dumps.
var dumpFixtures = []string{
	"filestorage/basic/basic", "filestorage/undo/undo", "filestorage/btrees/btrees", "filestorage/big/big",
	"filestorage/packed/before-pack", "filestorage/packed/after-pack-gc", "filestorage/packed/after-pack-nogc",
	"filestorage/packed/undo-across-packtime", "filestorage/packed/undo-across-packtime.after-pack-gc",
	"zeo-wire/pickle/server-Data",
}
