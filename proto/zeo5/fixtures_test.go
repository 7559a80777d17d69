// Test helpers: loading the recorded ZEO conversations and comparing
// decoded values with their tagged-JSON decodings.

package zeo5

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/gozeo/gozeo/proto/prototest"
)

// record is one line of zeo-wire/<mode>/session.jsonl.
type record struct {
	Seq     int             `json:"seq"`
	Conn    int             `json:"conn"`
	Client  string          `json:"client"`
	Dir     string          `json:"dir"`
	Step    string          `json:"step"`
	Len     int             `json:"len"`
	Hex     string          `json:"hex"`
	Kind    string          `json:"kind"`
	Decoded json.RawMessage `json:"decoded"`
	payload []byte
}

var modes = []struct {
	name string
	enc  Encoding
}{{"pickle", Pickle}, {"msgpack", Msgpack}}

func loadRecording(tb testing.TB, mode string) []record {
	tb.Helper()
	path := prototest.Fixture(tb, "zeo-wire/"+mode+"/session.jsonl")
	recs, err := readRecording(path)
	if err != nil {
		tb.Fatal(err)
	}
	return recs
}

func readRecording(path string) ([]record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var recs []record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if r.payload, err = hex.DecodeString(r.Hex); err != nil || len(r.payload) != r.Len {
			return nil, fmt.Errorf("%s seq %d: bad hex", path, r.Seq)
		}
		recs = append(recs, r)
	}
	return recs, sc.Err()
}

// recordedMessages returns the payloads of every RPC frame (not handshakes
// or ruok JSON) of a mode, or nil when the fixtures are absent (for fuzz
// seeds, which must not skip).
func recordedMessages(mode string) [][]byte {
	root, err := prototest.RepoRoot()
	if err != nil {
		return nil
	}
	recs, err := readRecording(filepath.Join(root, "..", "shared", "fixtures", "zeo-wire", mode, "session.jsonl"))
	if err != nil {
		return nil
	}
	var out [][]byte
	for _, r := range recs {
		if isRPC(r.Kind) {
			out = append(out, r.payload)
		}
	}
	return out
}

func isRPC(kind string) bool {
	switch kind {
	case "call", "async-call", "reply", "error-reply", "heartbeat":
		return true
	}
	return false
}

// jv is an ordered JSON value.
type jv struct {
	kind string // null bool number string array object
	b    bool
	s    string // string, or the number's literal
	arr  []jv
	keys []string
	vals []jv
}

func parseJSON(tb testing.TB, raw []byte) jv {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := parseJV(dec)
	if err != nil {
		tb.Fatalf("parse %s: %v", raw, err)
	}
	return v
}

func parseJV(dec *json.Decoder) (jv, error) {
	tok, err := dec.Token()
	if err != nil {
		return jv{}, err
	}
	switch t := tok.(type) {
	case nil:
		return jv{kind: "null"}, nil
	case bool:
		return jv{kind: "bool", b: t}, nil
	case json.Number:
		return jv{kind: "number", s: t.String()}, nil
	case string:
		return jv{kind: "string", s: t}, nil
	case json.Delim:
		if t == '[' {
			v := jv{kind: "array"}
			for dec.More() {
				e, err := parseJV(dec)
				if err != nil {
					return jv{}, err
				}
				v.arr = append(v.arr, e)
			}
			_, err := dec.Token()
			return v, err
		}
		v := jv{kind: "object"}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return jv{}, err
			}
			e, err := parseJV(dec)
			if err != nil {
				return jv{}, err
			}
			v.keys = append(v.keys, kt.(string))
			v.vals = append(v.vals, e)
		}
		_, err := dec.Token()
		return v, err
	}
	return jv{}, fmt.Errorf("unexpected token %v", tok)
}

func (j jv) get(key string) (jv, bool) {
	for i, k := range j.keys {
		if k == key {
			return j.vals[i], true
		}
	}
	return jv{}, false
}

// intString renders an int value in decimal.
func intString(v Value) string {
	if v.big {
		return new(big.Int).SetUint64(v.x).String()
	}
	return strconv.FormatInt(int64(v.x), 10)
}

// match compares a decoded value with its tagged JSON.
func match(d *Decoder, v Value, j jv, path string) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, a...))
	}
	switch j.kind {
	case "null":
		if v.kind != KindNil {
			return bad("got %s, want None", v.kind)
		}
	case "bool":
		if b, ok := v.AsBool(); !ok || b != j.b {
			return bad("got %s %v, want bool %v", v.kind, v.x, j.b)
		}
	case "number":
		if bytes.ContainsAny([]byte(j.s), ".eE") {
			f, ok := v.AsFloat()
			want, _ := strconv.ParseFloat(j.s, 64)
			if !ok || f != want {
				return bad("got %s %v, want float %s", v.kind, f, j.s)
			}
		} else if v.kind != KindInt || intString(v) != j.s {
			return bad("got %s %s, want int %s", v.kind, intString(v), j.s)
		}
	case "string":
		if s, ok := v.AsStr(); !ok || string(s) != j.s {
			return bad("got %s %q, want str %q", v.kind, v.b, j.s)
		}
	case "array":
		if v.kind != KindTuple {
			return bad("got %s, want tuple/array", v.kind)
		}
		return matchItems(d, v, j.arr, path)
	case "object":
		if len(j.keys) == 1 && j.keys[0] == "$bytes" {
			want, _ := hex.DecodeString(j.vals[0].s)
			if b, ok := v.AsBytes(); !ok || !bytes.Equal(b, want) {
				return bad("got %s %x, want bytes %x", v.kind, v.b, want)
			}
			return nil
		}
		if len(j.keys) == 1 && j.keys[0] == "$list" {
			if v.kind != KindList {
				return bad("got %s, want list", v.kind)
			}
			return matchItems(d, v, j.vals[0].arr, path)
		}
		if v.kind != KindMap || d.Len(v) != len(j.keys) {
			return bad("got %s of %d, want dict of %d", v.kind, d.Len(v), len(j.keys))
		}
		for i, k := range j.keys {
			if ks, ok := d.Key(v, i).AsStr(); !ok || string(ks) != k {
				return bad("key %d is %q, want %q", i, ks, k)
			}
			if err := match(d, d.Val(v, i), j.vals[i], path+"."+k); err != nil {
				return err
			}
		}
	}
	return nil
}

func matchItems(d *Decoder, v Value, items []jv, path string) error {
	if d.Len(v) != len(items) {
		return fmt.Errorf("%s: %d items, want %d", path, d.Len(v), len(items))
	}
	for i, it := range items {
		if err := match(d, d.Index(v, i), it, path+"["+strconv.Itoa(i)+"]"); err != nil {
			return err
		}
	}
	return nil
}

// matchMessage compares a decoded message with a record's decoded field.
func matchMessage(tb testing.TB, d *Decoder, m *Message, raw json.RawMessage) error {
	j := parseJSON(tb, raw)
	for _, part := range []struct {
		key string
		v   Value
	}{{"msgid", m.MsgID}, {"args", m.Args}} {
		want, ok := j.get(part.key)
		if !ok {
			return fmt.Errorf("no %s in fixture", part.key)
		}
		if err := match(d, part.v, want, part.key); err != nil {
			return err
		}
	}
	flag, _ := j.get("flag")
	switch flag.kind {
	case "bool":
		if !m.FlagsBool || (m.Flags != 0) != flag.b {
			return fmt.Errorf("flag: got %d (bool %v), want %v", m.Flags, m.FlagsBool, flag.b)
		}
	default:
		if m.FlagsBool || strconv.Itoa(m.Flags) != flag.s {
			return fmt.Errorf("flag: got %d (bool %v), want int %s", m.Flags, m.FlagsBool, flag.s)
		}
	}
	if name, _ := j.get("name"); string(m.Name) != name.s {
		return fmt.Errorf("name: got %q want %q", m.Name, name.s)
	}
	return nil
}

func mustHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
