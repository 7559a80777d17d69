package prototest

import (
	"path/filepath"
	"testing"
)

func TestFixtureFound(t *testing.T) {
	p := Fixture(t, "filestorage/basic/basic.fs")
	if p == "" {
		t.Fatal("empty path")
	}
}

// TestFixturesAfterChdir: a test that changes directory still finds the
// fixtures (it skipped as if they were absent when the lookup started
// from the current directory).
func TestFixturesAfterChdir(t *testing.T) {
	before := FixturesDir(t)
	t.Chdir(t.TempDir())
	if after, err := fixturesDir(); err != nil || after != before {
		t.Fatalf("fixtures at %s before t.Chdir, %q (%v) after", before, after, err)
	}
	if root, err := RepoRoot(); err != nil || filepath.Join(root, "..", "shared", "fixtures") != before {
		t.Fatalf("repository root after t.Chdir: %q, %v", root, err)
	}
}
