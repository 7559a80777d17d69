// Handshake bytes checked against real runzeo / ClientStorage captures.

package proto

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/gozeo/gozeo/proto/prototest"
)

// TestZEOHandshakeFixtures replays the handshake frames of real ZEO
// conversations: our greeting must be byte-identical to runzeo's, and every
// stock client's first frame must classify as a ZEO client or ruok.
func TestZEOHandshakeFixtures(t *testing.T) {
	for _, mode := range []struct {
		dir    string
		letter byte
		kind   HandshakeKind
	}{{"pickle", 'Z', HandshakeZ5}, {"msgpack", 'M', HandshakeM5}} {
		path := prototest.Fixture(t, "zeo-wire/"+mode.dir+"/session.jsonl")
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		var greetings, clients, ruoks int
		for sc.Scan() {
			var rec struct {
				Dir, Hex, Kind string
				Len            int
			}
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatal(err)
			}
			if rec.Kind != "handshake" {
				continue
			}
			body, err := hex.DecodeString(rec.Hex)
			if err != nil || len(body) != rec.Len {
				t.Fatalf("%s: bad record %+v", mode.dir, rec)
			}
			frame := append(appendU32(nil, uint32(len(body))), body...)
			payload, n, err := ReadHandshake(frame)
			if err != nil || n != len(frame) {
				t.Fatalf("%s: ReadHandshake(%x): %d %v", mode.dir, frame, n, err)
			}
			switch rec.Dir {
			case "s2c":
				letter, err := ParseGreeting(payload)
				if err != nil || letter != mode.letter {
					t.Fatalf("%s: greeting %q: %c %v", mode.dir, payload, letter, err)
				}
				if ours := AppendGreeting(nil, mode.letter == 'M'); !bytes.Equal(ours, frame) {
					t.Fatalf("%s: our greeting %x, runzeo's %x", mode.dir, ours, frame)
				}
				greetings++
			case "c2s":
				kind, _, err := ClassifyClientHandshake(payload)
				if err != nil || (kind != mode.kind && kind != HandshakeRuok) {
					t.Fatalf("%s: client handshake %q classified %s (%v)", mode.dir, payload, kind, err)
				}
				if kind == HandshakeRuok {
					ruoks++
				} else {
					clients++
				}
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		if greetings == 0 || clients == 0 || ruoks == 0 {
			t.Fatalf("%s: %d greetings, %d clients, %d ruok: fixture not as expected", mode.dir, greetings, clients, ruoks)
		}
	}
}
