// Keeps the protocol reference in doc.go in step with the code: op codes,
// op names and error codes.

package proto

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestDocMatchesCode(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	opLine := regexp.MustCompile(`(?m)^//\t(0x[0-9a-f]{2}) (\w+)`)
	documented := map[Op]bool{}
	for _, m := range opLine.FindAllStringSubmatch(string(src), -1) {
		code, _ := strconv.ParseUint(m[1], 0, 8)
		op := Op(code)
		if op.String() != m[2] {
			t.Errorf("doc.go lists %s as %s; the code calls it %s", m[1], m[2], op)
		}
		documented[op] = true
	}
	for i := 0; i < 256; i++ {
		op := Op(i)
		if (op.IsRequest() || op.IsPush()) && !documented[op] {
			t.Errorf("op %s (0x%02x) is not in doc.go's table", op, i)
		}
	}

	errLine := regexp.MustCompile(`(?m)^//\t(0x[0-9a-f]{2})  (\*?\w+)`)
	names := map[byte]string{}
	for _, m := range errLine.FindAllStringSubmatch(string(src), -1) {
		code, _ := strconv.ParseUint(m[1], 0, 8)
		names[byte(code)] = m[2]
	}
	for _, c := range goldenErrors {
		code := AppendErrorBody(nil, c.err)[0]
		want := strings.Replace(fmt.Sprintf("%T", c.err), "proto.", "", 1)
		if c.err == ErrNoRevision {
			want = "ErrNoRevision"
		}
		if names[code] != want {
			t.Errorf("doc.go lists error code 0x%02x as %q; the code sends %s", code, names[code], want)
		}
	}
	if len(names) != 10 {
		t.Errorf("doc.go lists %d error codes, want 10", len(names))
	}
}
