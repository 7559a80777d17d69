package cli

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gozeo/gozeo/cache/trace"
)

func TestCacheSimulTableAndPlots(t *testing.T) {
	path := writeGenTrace(t, trace.GenConfig{Seed: 1, Objects: 2000, Loads: 20000, ScanEvery: 4000, ScanLength: 1000})
	evs, _, _ := trace.ReadFile(path)
	want, err := trace.Simulate(evs, trace.SimConfig{Sizes: []int64{256 << 10, 1 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".png", ".svg"} {
		plot := filepath.Join(t.TempDir(), "hits"+ext)
		code, out, errs := runMain("cache-simul", "-sizes", "256KB,1MB", "--plot", plot, path)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		for _, w := range []string{
			"client.trace: " + strconvI(len(evs)) + " records\n",
			"fifo hit%", "tinylfu hit%", "256 KB", "1 MB",
			"plot written to " + plot,
		} {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
		// The table holds the library's numbers.
		for _, r := range want {
			if !strings.Contains(out, fmtRatio(r.HitRatio())) {
				t.Errorf("table lacks %s %d %s:\n%s", r.Policy, r.Size, fmtRatio(r.HitRatio()), out)
			}
		}
		b, err := os.ReadFile(plot)
		if err != nil {
			t.Fatal(err)
		}
		switch ext {
		case ".png":
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if r := img.Bounds(); r.Dx() < 500 || r.Dy() < 300 {
				t.Fatalf("PNG of %v", r)
			}
		case ".svg":
			var doc struct {
				XMLName xml.Name
			}
			if err := xml.Unmarshal(b, &doc); err != nil || doc.XMLName.Local != "svg" {
				t.Fatalf("not an SVG document: %v %v", doc.XMLName, err)
			}
			if !bytes.Contains(b, []byte("tinylfu")) || !bytes.Contains(b, []byte("256 KB")) {
				t.Fatalf("SVG lacks the legend or the size ticks")
			}
		}
	}
}

func TestCacheSimulReferenceAndTwoTraces(t *testing.T) {
	a := writeGenTrace(t, trace.GenConfig{Seed: 1, Objects: 300, Loads: 3000})
	b := writeGenTrace(t, trace.GenConfig{Seed: 2, Objects: 300, Loads: 3000})
	plot := filepath.Join(t.TempDir(), "two.svg")
	code, out, errs := runMain("cache-simul", "-sizes", "64KB", "-policies", "tinylfu", "-ref", "-j", "1", "-plot", plot, a, b)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Count(out, "tinylfu hit%") != 2 || !strings.Contains(out, "w-tinylfu-ref hit%") || strings.Contains(out, "fifo") {
		t.Fatalf("output:\n%s", out)
	}
	svg, _ := os.ReadFile(plot)
	if !bytes.Contains(svg, []byte("tinylfu (client.trace)")) {
		t.Fatalf("legend lacks the trace names")
	}
}

func TestCacheSimulErrors(t *testing.T) {
	path := writeGenTrace(t, trace.GenConfig{Seed: 1, Objects: 10, Loads: 10})
	cases := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"cache-simul"}, 2, "at least one trace file"},
		{[]string{"cache-simul", "-sizes", "1XB", path}, 2, `bad cache size "1XB"`},
		{[]string{"cache-simul", "-sizes", "1KB", path}, 2, "outside"},
		{[]string{"cache-simul", "-sizes", ",", path}, 2, "no cache sizes"},
		{[]string{"cache-simul", "-policies", "lru", path}, 2, "unknown cache policy"},
		{[]string{"cache-simul", "-plot", "x.pdf", path}, 2, "png or .svg"},
		{[]string{"cache-simul", "-sizes", "1MB", filepath.Join(t.TempDir(), "missing")}, 1, "no such file"},
	}
	for _, c := range cases {
		code, _, errs := runMain(c.args...)
		if code != c.code || !strings.Contains(errs, c.err) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.err)
		}
	}
}

func TestParseAndFormatSizes(t *testing.T) {
	got, err := parseSizes("1MB, 512kb,1.5GiB,4096,2m,8K")
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{1 << 20, 512 << 10, 3 << 29, 4096, 2 << 20, 8 << 10}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sizes %v, want %v", got, want)
		}
	}
	for n, s := range map[int64]string{1 << 20: "1 MB", 512 << 10: "512 KB", 3 << 29: "1.5 GB", 4096: "4 KB", 100: "100 B"} {
		if formatSize(n) != s {
			t.Errorf("formatSize(%d) = %q", n, formatSize(n))
		}
	}
}

func TestSimProgressLines(t *testing.T) {
	var buf bytes.Buffer
	p := newSimProgress(&buf, "x.trace")
	p.every = 0
	p.update(50, 200)
	p.update(200, 200)
	p.finish()
	if buf.String() != "cache-simul: x.trace: 25% (50 of 200 events replayed)\n" {
		t.Fatalf("progress output %q", buf.String())
	}
}

func strconvI(n int) string { return strconv.Itoa(n) }

func fmtRatio(r float64) string { return strconv.FormatFloat(r, 'f', 2, 64) }
