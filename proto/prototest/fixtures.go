// Package prototest holds helpers shared by the tests of every package:
// finding the ZODB/ZEO reference fixtures.
package prototest

import (
	"os"
	"path/filepath"
	"testing"
)

// FixturesDir returns the reference fixtures folder, "../shared/fixtures"
// relative to the repository root (the directory holding go.mod). If the
// folder is absent the test is skipped with a message saying so; CI has it.
func FixturesDir(tb testing.TB) string {
	tb.Helper()
	dir, err := fixturesDir()
	if err != nil {
		tb.Skipf("reference fixtures not available (%v); they live in ../shared/fixtures next to the repository", err)
	}
	return dir
}

// Fixture returns the path of a file under the fixtures folder, skipping the
// test as FixturesDir does when the folder is absent, and failing it when
// the folder exists but the file does not.
func Fixture(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(FixturesDir(tb), filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("fixture %s: %v", rel, err)
	}
	return p
}

func fixturesDir() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "..", "shared", "fixtures")
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		return "", err
	}
	return dir, nil
}

// startDir is the working directory the test binary started in (go test
// runs a package's tests in its folder). It is read once, at
// initialisation: a test that calls t.Chdir must still find the fixtures,
// and before this was so the ZEO replay and fstest wording tests, which
// change directory, skipped as if the fixtures were absent.
var startDir, startDirErr = os.Getwd()

// RepoRoot returns the nearest ancestor of the directory the test binary
// started in that holds go.mod.
func RepoRoot() (string, error) {
	dir, err := startDir, startDirErr
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
