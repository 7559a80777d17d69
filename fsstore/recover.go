// Crash recovery on open: saving a cut-off tail to Data.fs.trN and
// truncating the log.

package fsstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// PythonIndexSuffix names ZODB's own index file, which we never trust and
// delete whenever we truncate the log (its sanity check samples only a few
// records and could accept a stale index).
const PythonIndexSuffix = ".index"

// cutTail saves log[pos:size] to the first unused path.trN, truncates the
// log at pos, makes both durable, and removes Python's index. It returns
// the name of the .trN file.
func cutTail(f *os.File, path string, b []byte, pos, size int64) (string, error) {
	var tr *os.File
	var trName string
	for n := 0; ; n++ {
		trName = path + ".tr" + strconv.Itoa(n)
		var err error
		tr, err = os.OpenFile(trName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			break
		}
		if !errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("fsstore: save truncated tail: %w", err)
		}
	}
	_, err := tr.Write(b[pos:size])
	if err == nil {
		err = tr.Sync()
	}
	if cerr := tr.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("fsstore: save truncated tail to %s: %w", trName, err)
	}
	if err := f.Truncate(pos); err != nil {
		return "", fmt.Errorf("fsstore: truncate %s at %d: %w", path, pos, err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("fsstore: sync %s: %w", path, err)
	}
	if err := removePythonIndex(path); err != nil {
		return "", err
	}
	return trName, syncDir(filepath.Dir(path))
}

// removePythonIndex deletes Data.fs.index (and a half-written temporary of
// it) if present.
func removePythonIndex(path string) error {
	for _, name := range []string{path + PythonIndexSuffix, path + PythonIndexSuffix + ".index_tmp"} {
		if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("fsstore: remove stale %s: %w", name, err)
		}
	}
	return nil
}
