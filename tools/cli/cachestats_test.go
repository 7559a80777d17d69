package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gozeo/gozeo/cache/trace"
)

// writeGenTrace writes a generated trace and returns its path.
func writeGenTrace(t *testing.T, cfg trace.GenConfig) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "client.trace")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trace.WriteTrace(f, cfg); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func runMain(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCacheStats(t *testing.T) {
	path := writeGenTrace(t, trace.GenConfig{Seed: 1, Objects: 200, Loads: 3000, CommitEvery: 10})
	code, out, errs := runMain("cache-stats", "-hist", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// The generated trace is what an unbounded cache records: every
	// object misses once, each commit (300 of them) makes one more miss.
	evs, _, err := trace.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var loads, hits int
	for _, ev := range evs {
		switch ev.Code {
		case 0x20:
			loads++
		case 0x22:
			loads++
			hits++
		}
	}
	for _, want := range []string{
		"loads    hits  inv(h)  writes hitrate",
		"Read " + commasInt(len(evs)) + " trace records",
		"Hit rate:   " + pct(hits, loads) + " (load hits / loads)",
		"  52  store (current, non-version)",
		"Histogram of object load frequency",
		"Total loads: 3,000",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if loads != 3000 {
		t.Fatalf("%d loads", loads)
	}

	code, out, _ = runMain("cache-stats", "-q", "-S", path)
	if code != 0 || out != "" {
		t.Fatalf("-q -S: exit %d, output %q", code, out)
	}
	code, out, _ = runMain("cache-stats", "-v", "-S", "-q=false", path)
	if code != 0 || strings.Count(out, "\n") < len(evs) {
		t.Fatalf("-v: exit %d, %d lines", code, strings.Count(out, "\n"))
	}
}

func TestCacheStatsErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.trace")
	os.WriteFile(empty, nil, 0o644)
	cases := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"cache-stats"}, 2, "want one trace file"},
		{[]string{"cache-stats", "a", "b"}, 2, "want one trace file"},
		{[]string{"cache-stats", "-q", "-v", empty}, 2, "exclude each other"},
		{[]string{"cache-stats", "-nope", empty}, 2, "flag provided but not defined"},
		{[]string{"cache-stats", filepath.Join(dir, "missing")}, 1, "no such file"},
		{[]string{"cache-stats", empty}, 1, "no records processed"},
	}
	for _, c := range cases {
		code, _, errs := runMain(c.args...)
		if code != c.code || !strings.Contains(errs, c.err) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.err)
		}
	}
}

func commasInt(n int) string {
	d := strconv.Itoa(n)
	var s []byte
	for i := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			s = append(s, ',')
		}
		s = append(s, d[i])
	}
	return string(s)
}

func pct(hits, loads int) string { return fmt.Sprintf("%.1f%%", 100*float64(hits)/float64(loads)) }
