// FuzzParse: any text parses or fails with a *Error naming a line of it;
// never a panic.

package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("examples/*.conf")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Add("%define A $$x\n<zeo>\naddress ${a}:1\n</zeo>\n")
	f.Add("<zeo/>\n<eventlog>\n<logfile>\npath STDOUT\nformat %(message)s\\n\n</logfile>\n</eventlog>\n")
	f.Fuzz(func(t *testing.T, text string) {
		if strings.Contains(text, "%include") {
			return // keep the fuzzer off the file system
		}
		cfg, err := Parse("fuzz.conf", strings.NewReader(text))
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %T %v is not a *config.Error", err, err)
			}
			if ce.File != "fuzz.conf" || ce.Line < 1 || ce.Line > strings.Count(text, "\n")+1 {
				t.Fatalf("error %q at line %d of a %d-line text", err, ce.Line, strings.Count(text, "\n")+1)
			}
			return
		}
		_ = cfg.Validate()
		for _, s := range cfg.Storages {
			if s.Path == "" || s.Name == "" {
				t.Fatalf("storage without path or name accepted: %+v", s)
			}
		}
	})
}
